using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Runtime;
using Alchemist.Spec;

namespace Alchemist.Programs.Apply;

/// <summary>
/// <c>alchemist apply</c> on a project folder: compile and verify every program in programs/, apply them to the train,
/// valid and test splits named by alchemist.yaml, and write each split's label matrix to .alchemist/votes/. A program
/// rejected by the verifier, or disabled on any split, is left out of every split's matrix so the splits stay aligned.
/// </summary>
public static class ProjectApply
{
    public const string ProgramsFolder = "programs";
    public const string StateFolder = ".alchemist";

    public static string VotesFolder(string projectDirectory) => Path.Combine(projectDirectory, StateFolder, "votes");

    public static string MatrixPath(string projectDirectory, string split) => Path.Combine(VotesFolder(projectDirectory), split + LabelMatrixFile.Extension);

    /// <summary>Engine options from the spec's isolation and budget sections, with the command line's isolation on top.</summary>
    public static ApplyOptions OptionsFor(TaskSpec spec, IsolationMode? isolationOverride)
    {
        var options = new ApplyOptions { CacheDirectory = Path.Combine(spec.ProjectDirectory, StateFolder, "cache", "columns") };
        if (spec.Isolation is { } isolation)
        {
            options = options with
            {
                Isolation = isolation.Mode is null ? options.Isolation : ParseIsolation(isolation.Mode) ?? throw spec.Error("isolation.mode", $"'{isolation.Mode}' is not process or none"),
                Parallelism = isolation.Workers ?? options.Parallelism,
                WorkerHeapLimitBytes = isolation.WorkerMemoryMb is { } mb ? (long)mb << 20 : options.WorkerHeapLimitBytes,
                CpuLimitPerBatch = isolation.CpuSecondsPerBatch is { } seconds ? TimeSpan.FromSeconds(seconds) : options.CpuLimitPerBatch,
            };
        }

        if (spec.Budgets?.MaxFaultShare is { } share)
        {
            options = options with { MaxFaultShare = share };
        }

        return isolationOverride is { } mode ? options with { Isolation = mode } : options;
    }

    public static ProgramBudgets BudgetsFor(TaskSpec spec)
    {
        var budgets = ProgramBudgets.Default;
        if (spec.Budgets is not { } given)
        {
            return budgets;
        }

        return budgets with
        {
            MaxStepsPerCall = given.StepsPerRow ?? budgets.MaxStepsPerCall,
            MaxTimePerCall = given.MillisecondsPerRow is { } ms ? TimeSpan.FromMilliseconds(ms) : budgets.MaxTimePerCall,
            MaxAllocatedBytesPerCall = given.MemoryMbPerRow is { } mb ? (long)mb << 20 : budgets.MaxAllocatedBytesPerCall,
            MaxErrorShare = given.MaxFaultShare ?? budgets.MaxErrorShare,
        };
    }

    public static ProgramSignature SignatureFor(TaskSpec spec) =>
        new([.. spec.Inputs.Select(i => new InputField(i.Name, i.Type == InputType.Text ? FieldKind.Text : FieldKind.Number))], spec.ClassNames);

    public static IsolationMode? ParseIsolation(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "process" => IsolationMode.Process,
        "none" => IsolationMode.None,
        _ => null,
    };

    /// <summary>
    /// Applies every program file to every split. A program whose columns are all in the column cache is not compiled at
    /// all (Roslyn and the verifier cost far more than reading a column back); it is compiled only if a column turns out to
    /// be unreadable when the engine loads it. Programs run in process (<c>--isolation none</c>) stay loaded until the
    /// process exits, so that their code tiers up like native code.
    /// </summary>
    public static ProjectApplyResult Run(TaskSpec spec, ApplyOptions options, IProgress<ApplyProgress>? progress = null, CancellationToken cancel = default)
    {
        var started = Stopwatch.GetTimestamp();
        var files = ProgramFile.LoadFolder(Path.Combine(spec.ProjectDirectory, ProgramsFolder));
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"no programs in {Path.Combine(spec.ProjectDirectory, ProgramsFolder)}: write or synthesize some first (one Label method per .cs file)");
        }

        var (train, valid, test) = SpecData.OpenSources(spec);
        var splits = new[] { ("train", train), ("valid", valid), ("test", test) }
            .Where(s => s.Item2 is not null)
            .Select(s => (Name: s.Item1, Source: s.Item2!.WithContentHashOnce()))
            .ToList();
        var compiler = new ProgramCompiler(SignatureFor(spec));
        var budgets = BudgetsFor(spec);
        var rejected = new List<RejectedProgram>();
        var programs = new List<IApplyProgram>();
        var compiledCount = 0;
        SandboxedProgram CompileCached(ProgramFile file)
        {
            Interlocked.Increment(ref compiledCount);
            return Compile(compiler, file, budgets);
        }

        using var engine = new ApplyEngine(options);
        try
        {
            foreach (var file in files)
            {
                var source = file.Render();
                var contentHash = SandboxedProgram.ContentHashOf(compiler.CacheKeyOf(source), budgets);
                if (engine.Cache is { } cache && splits.All(s => cache.Contains(ColumnCache.Key(contentHash, s.Source.ContentHash()))))
                {
                    programs.Add(new CompiledWhenNeeded(file.Name, contentHash, () => CompileCached(file)));
                    continue;
                }

                compiledCount++;
                var compiled = compiler.Compile(file);
                if (compiled.Program is { } program)
                {
                    programs.Add(new SandboxedProgram(program, budgets, unloadable: false));
                }
                else
                {
                    rejected.Add(new RejectedProgram(file.Name, compiled.FeedbackForLlm().Trim()));
                }
            }

            var applied = splits.Select(s => engine.Apply(s.Name, s.Source, programs, spec.Classes.Count, progress, cancel)).ToList();
            var kept = Enumerable.Range(0, programs.Count)
                .Where(j => applied.All(s => s.Programs[j].Status == ProgramStatus.Ok))
                .ToArray();
            var written = new List<string>();
            foreach (var split in applied)
            {
                var path = MatrixPath(spec.ProjectDirectory, split.Split);
                LabelMatrixFile.Write(path, split.Matrix.SelectPrograms(kept));
                written.Add(path);
            }

            return new ProjectApplyResult(options.Isolation, applied, rejected, [.. kept.Select(j => programs[j].Name)], written, compiledCount, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            foreach (var program in programs)
            {
                (program as IDisposable)?.Dispose();
            }
        }
    }

    private static SandboxedProgram Compile(ProgramCompiler compiler, ProgramFile file, ProgramBudgets budgets)
    {
        var compiled = compiler.Compile(file);
        return compiled.Program is { } program
            ? new SandboxedProgram(program, budgets, unloadable: false)
            : throw new InvalidOperationException($"{file.Name}: its cached columns could not be read back and it no longer compiles: {compiled.FeedbackForLlm().Trim()}");
    }

    /// <summary>A program whose columns were all cached when the apply began: Roslyn runs only if the engine needs to run it.</summary>
    private sealed class CompiledWhenNeeded(string name, string contentHash, Func<SandboxedProgram> compile) : IApplyProgram, IDisposable
    {
        private readonly Lazy<SandboxedProgram> _program = new(compile, LazyThreadSafetyMode.ExecutionAndPublication);

        public string Name => name;

        public string ContentHash => contentHash;

        public WorkerProgramImage? WorkerImage => _program.Value.WorkerImage;

        public IBatchLabeler CreateLabeler() => _program.Value.CreateLabeler();

        public void Dispose()
        {
            if (_program.IsValueCreated)
            {
                _program.Value.Dispose();
            }
        }
    }
}

public sealed record RejectedProgram(string Name, string Reason);

public sealed record ProjectApplyResult(
    IsolationMode Isolation,
    IReadOnlyList<SplitApplyResult> Splits,
    IReadOnlyList<RejectedProgram> Rejected,
    IReadOnlyList<string> ProgramsInMatrix,
    IReadOnlyList<string> MatrixFiles,
    int ProgramsCompiled,
    TimeSpan Elapsed)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The --json summary: per split and program, coverage, errors, time and status.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            isolation = Isolation.ToString().ToLowerInvariant(),
            seconds = Math.Round(Elapsed.TotalSeconds, 3),
            programs_in_matrix = ProgramsInMatrix,
            programs_compiled = ProgramsCompiled,
            matrix_files = MatrixFiles,
            rejected = Rejected.Select(r => new { name = r.Name, status = "rejected", reason = r.Reason }),
            splits = Splits.Select(s => new
            {
                split = s.Split,
                rows = s.Matrix.Rows,
                seconds = Math.Round(s.Elapsed.TotalSeconds, 3),
                cache_hits = s.CacheHits,
                cache_misses = s.CacheMisses,
                programs = s.Programs.Select(p => new
                {
                    name = p.Name,
                    status = p.Status == ProgramStatus.Ok ? "ok" : "disabled",
                    reason = p.Reason,
                    coverage = Math.Round(p.Coverage, 4),
                    votes = p.Votes,
                    errors = p.Errors,
                    over_budget = p.BudgetExceeded,
                    first_fault = p.FirstFault,
                    seconds = Math.Round(p.Time.TotalSeconds, 4),
                    cached = p.FromCache,
                }),
            }),
        },
        Json);
}
