using Alchemist.Programs.Compilation;
using Alchemist.Programs.Runtime;
using Alchemist.Spec;

namespace Alchemist.Programs.Apply;

/// <summary>
/// A project's program files as <see cref="ProjectApply"/> compiles them: the spec's source limits, one compiler process
/// (started at the first compile), the spec's per-row budgets, and each program's content hash (the first half of its
/// <see cref="ColumnCache"/> key, computed from the source without compiling). Whatever applies a project's programs (the
/// one-machine apply, a cluster's silo) goes through here, so that a column computed one way is found by the other.
/// </summary>
public sealed class ProjectPrograms : IDisposable
{
    private readonly IsolatedProgramCompiler _compiler;
    private int _compiled;

    /// <summary>The given files, to be compiled for <paramref name="spec"/> and run as <paramref name="options"/> say.</summary>
    /// <exception cref="InvalidOperationException">
    /// The programs are to run in this process and some were written by an LLM, without <see cref="ApplyOptions.TrustPrograms"/>.
    /// </exception>
    public ProjectPrograms(TaskSpec spec, IReadOnlyList<ProgramFile> files, IReadOnlyList<RejectedProgram> unreadable, ApplyOptions options)
    {
        RequireTrustForInProcess(files, options);
        Files = files;
        Unreadable = unreadable;
        Budgets = ProjectApply.BudgetsFor(spec);
        _compiler = new IsolatedProgramCompiler(ProjectApply.SignatureFor(spec), ProjectApply.LimitsFor(spec), options.WorkerPath);
    }

    /// <summary>The readable program files.</summary>
    public IReadOnlyList<ProgramFile> Files { get; }

    /// <summary>Program files whose header or size could not be read, each with the reason.</summary>
    public IReadOnlyList<RejectedProgram> Unreadable { get; }

    /// <summary>The per-row budgets every program runs under (part of its content hash).</summary>
    public ProgramBudgets Budgets { get; }

    /// <summary>Programs compiled so far.</summary>
    public int Compiled => Volatile.Read(ref _compiled);

    /// <summary>
    /// Every program file in the project's programs/ folder, under the spec's source limits.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The folder has no program file, or LLM-written programs are to run in this process without trust.
    /// </exception>
    public static ProjectPrograms Load(TaskSpec spec, ApplyOptions options)
    {
        var folder = Path.Combine(spec.ProjectDirectory, ProjectApply.ProgramsFolder);
        var unreadable = new List<(string Name, string Error)>();
        var files = ProgramFile.LoadFolder(folder, unreadable, ProjectApply.LimitsFor(spec).MaxBytes);
        if (files.Count == 0 && unreadable.Count == 0)
        {
            throw new InvalidOperationException($"no programs in {folder}: write or synthesize some first (one Label method per .cs file)");
        }

        return new ProjectPrograms(spec, files, [.. unreadable.Select(u => new RejectedProgram(u.Name, u.Error))], options);
    }

    /// <summary>
    /// The content hash of <paramref name="file"/>'s program under these budgets: what <see cref="SandboxedProgram.ContentHash"/>
    /// of its compiled program will be, known without compiling (this build of the sandbox, the task's signature, the source).
    /// </summary>
    public string ContentHashOf(ProgramFile file) => SandboxedProgram.ContentHashOf(_compiler.CacheKeyOf(file.TextToCompile()), Budgets);

    /// <summary>
    /// The program ready to run in process or in a worker (kept loaded for good, see <see cref="SandboxedProgram"/>), or null
    /// with what is wrong, for a person, in <paramref name="failure"/>. Thread-safe (compiles are serialized).
    /// </summary>
    public SandboxedProgram? TryCompile(ProgramFile file, out string? failure)
    {
        Interlocked.Increment(ref _compiled);
        CompileResult compiled;
        try
        {
            compiled = _compiler.Compile(file);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A crash inside Roslyn or the rewriter is this program's problem, not the other programs'.
            failure = $"compiling it threw {e.GetType().Name}: {Bounded.Text(e.Message)}";
            return null;
        }

        failure = compiled.Program is null ? (compiled.DescribeForPerson() + MissingFieldHint(compiled, file)).Trim() : null;
        return compiled.Program is { } program ? new SandboxedProgram(program, Budgets, unloadable: false) : null;
    }

    /// <summary>
    /// What to do about a program that reads a field the spec does not give, as after an image concept is removed or
    /// renamed: the offline synthesizer's programs are written anew once deleted; others need editing.
    /// </summary>
    private static string MissingFieldHint(CompileResult compiled, ProgramFile file) => !compiled.ReadsAMissingField ? ""
        : file.Provenance.Kind == ProgramAuthorKind.Synthesizer
            ? "It reads a field the spec does not give (a concept removed or renamed since it was written?). The offline synthesizer wrote it: delete its programs from programs/ and run again, and it writes them anew from the spec as it is.\n"
            : "It reads a field the spec does not give (a concept removed or renamed since it was written?): the fields are the spec's inputs, and one NAME_score per image concept; edit the program, or delete it.\n";

    /// <summary>Returns the compiler process to its pool.</summary>
    public void Dispose() => _compiler.Dispose();

    private static void RequireTrustForInProcess(IReadOnlyList<ProgramFile> files, ApplyOptions options)
    {
        if (options.Isolation == IsolationMode.None && !options.TrustPrograms
            && files.Where(f => f.Provenance.Kind == ProgramAuthorKind.Llm).Select(f => Path.Combine(ProjectApply.ProgramsFolder, f.Name + ProgramFile.Extension)).ToList() is { Count: > 0 } byLlm)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", byLlm.Take(5))}{(byLlm.Count > 5 ? $" and {byLlm.Count - 5} more" : "")} {(byLlm.Count == 1 ? "was" : "were")} written by an LLM, "
                + "so they run in this process (--isolation none) only with --trust-programs (or isolation.trust_programs: true in alchemist.yaml); "
                + "without --isolation none they run in worker processes, which contain what an untrusted program can do");
        }
    }
}
