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
    /// <summary>The project's folder of program files (<see cref="ProjectLayout.ProgramsFolderName"/>).</summary>
    public const string ProgramsFolder = ProjectLayout.ProgramsFolderName;
    internal const string StateFolder = ProjectLayout.StateFolderName;

    internal static string VotesFolder(string projectDirectory) => new ProjectLayout(projectDirectory).VotesFolder;

    /// <summary>
    /// Where <c>apply</c> writes the label matrix of <paramref name="split"/> in the project at
    /// <paramref name="projectDirectory"/>.
    /// </summary>
    public static string MatrixPath(string projectDirectory, string split) => Path.Combine(VotesFolder(projectDirectory), split + LabelMatrixFile.Extension);

    /// <summary>
    /// Engine options from the spec's isolation and budget sections, with the command line's isolation and
    /// <c>--trust-programs</c> on top.
    /// </summary>
    public static ApplyOptions OptionsFor(TaskSpec spec, IsolationMode? isolationOverride, bool trustPrograms = false)
    {
        var options = new ApplyOptions { CacheDirectory = new ProjectLayout(spec.ProjectDirectory).ColumnCacheFolder };
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

        options = options with { TrustPrograms = trustPrograms || spec.Isolation?.TrustPrograms == true };
        return isolationOverride is { } mode ? options with { Isolation = mode } : options;
    }

    /// <summary>Source limits and the compiler process's time and memory from the spec's isolation section.</summary>
    public static SourceLimits LimitsFor(TaskSpec spec)
    {
        var limits = SourceLimits.Default;
        if (spec.Isolation is not { } isolation)
        {
            return limits;
        }

        return limits with
        {
            MaxBytes = isolation.MaxSourceKib is { } kib ? (long)kib << 10 : limits.MaxBytes,
            MaxNesting = isolation.MaxNesting ?? limits.MaxNesting,
            CompileTimeout = isolation.CompileSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : limits.CompileTimeout,
            CompilerMemoryBytes = isolation.CompileMemoryMb is { } mb ? (long)mb << 20 : limits.CompilerMemoryBytes,
        };
    }

    /// <summary>Each program's per-row budgets (steps, time, memory, fault share) from the spec's budgets section.</summary>
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

    /// <summary>The shape of the task's programs: the spec's inputs and classes.</summary>
    /// <exception cref="ArgumentException">
    /// An input name is not a C# identifier, or two inputs would be read as the same member of the row.
    /// </exception>
    public static ProgramSignature SignatureFor(TaskSpec spec) =>
        new([.. spec.ProgramInputs.Select(i => new InputField(i.Name, i.Type))], spec.ClassNames);

    /// <summary>
    /// The isolation mode named by <paramref name="text"/> ("process" or "none", ignoring case and surrounding spaces); null
    /// for null or any other text.
    /// </summary>
    public static IsolationMode? ParseIsolation(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "process" => IsolationMode.Process,
        "none" => IsolationMode.None,
        _ => null,
    };

    private static int ExpectedRows(IReadOnlyDictionary<string, long>? rowsKnown, string split) =>
        rowsKnown is not null && rowsKnown.TryGetValue(split, out var rows) && rows is > 0 and <= int.MaxValue ? (int)rows : 0;

    /// <summary>
    /// Applies every program file to every split. A program whose columns are all in the column cache is not compiled at
    /// all (Roslyn and the verifier cost far more than reading a column back); it is compiled only if a column turns out to
    /// be unreadable when the engine loads it, and if that compile fails the program is rejected while the others are
    /// applied. Programs run in process (<c>--isolation none</c>) are loaded for good, so that their code tiers up like
    /// native code; a later run in the same process reuses those copies (see <see cref="SandboxedProgram"/>).
    /// <paramref name="rowsKnown"/> gives the rows of splits already counted (a streamed train split), by split name.
    /// </summary>
    public static ProjectApplyResult Run(TaskSpec spec, ApplyOptions options, IProgress<ApplyProgress>? progress = null, CancellationToken cancel = default, IReadOnlyDictionary<string, long>? rowsKnown = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var set = ProjectPrograms.Load(spec, options);
        var (train, valid, test) = SpecData.OpenSources(spec);
        var splits = new[] { (SplitName.Train, train), (SplitName.Valid, valid), (SplitName.Test, test) }
            .Where(s => s.Item2 is not null)
            .Select(s => (Name: s.Item1, Source: s.Item2!.WithContentHashOnce(), Limited: s.Item2 as FieldLimitSource))
            .ToList();
        var rejected = set.Unreadable.ToList();
        var programs = new List<IApplyProgram>();
        using var engine = new ApplyEngine(options);
        try
        {
            foreach (var file in set.Files)
            {
                var contentHash = set.ContentHashOf(file);
                if (engine.Cache is { } cache && splits.All(s => cache.Contains(ColumnCache.Key(contentHash, s.Source.ContentHash()))))
                {
                    var path = Path.Combine(ProgramsFolder, file.Name + ProgramFile.Extension);
                    programs.Add(new CompiledWhenNeeded(file.Name, contentHash, () =>
                    {
                        var compiled = set.TryCompile(file, out var failure);
                        return (compiled, compiled is null ? $"{path}: some of its cached columns could not be read back and compiling it again failed: {failure}" : null);
                    }));
                    continue;
                }

                if (set.TryCompile(file, out var rejection) is { } program)
                {
                    programs.Add(program);
                }
                else
                {
                    rejected.Add(new RejectedProgram(file.Name, rejection!));
                }
            }

            // A split whose columns all came from the cache was not read by the engine; its values over the field limit are
            // counted by one read of it here, so the warnings do not depend on the cache.
            var applied = splits.Select(s => engine.Apply(s.Name, s.Source, programs, spec.Classes.Count, progress, cancel, ExpectedRows(rowsKnown, s.Name)) is var split
                && s.Limited?.Scan() is { Values: > 0 } oversized ? split with { Oversized = oversized } : split).ToList();
            rejected.AddRange(programs.OfType<CompiledWhenNeeded>().Where(p => p.Failure is not null).Select(p => new RejectedProgram(p.Name, p.Failure!)));
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

            return new ProjectApplyResult(options.Isolation, applied, rejected, [.. kept.Select(j => programs[j].Name)], written, set.Compiled, Stopwatch.GetElapsedTime(started))
            {
                Walls = engine.Walls,
            };
        }
        finally
        {
            foreach (var program in programs)
            {
                (program as IDisposable)?.Dispose();
            }
        }
    }

    /// <summary>
    /// Compiles program files to label new rows with, in the given order, under the same limits, budgets and isolation as
    /// <see cref="Run"/>. A program that does not compile now is an error naming it: the votes it stands for were cast by a
    /// compiled program, so leaving it out would change what the label model was fitted on. The caller disposes the programs.
    /// </summary>
    public static IReadOnlyList<SandboxedProgram> Compile(TaskSpec spec, IReadOnlyList<(ProgramFile File, string Path)> files, ApplyOptions options)
    {
        using var set = new ProjectPrograms(spec, [.. files.Select(f => f.File)], [], options);
        var compiled = new List<SandboxedProgram>(files.Count);
        try
        {
            foreach (var (file, path) in files)
            {
                compiled.Add(set.TryCompile(file, out var failure)
                    ?? throw new UserError($"{path}: it compiled for the last run but not now: {failure}", path));
            }

            return compiled;
        }
        catch
        {
            compiled.ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>
    /// A program whose columns were all cached when the apply began: Roslyn runs only if the engine needs to run it, and a
    /// failure then leaves this program out (<see cref="Failure"/>) instead of failing the apply.
    /// </summary>
    private sealed class CompiledWhenNeeded(string name, string contentHash, Func<(SandboxedProgram? Program, string? Failure)> compile) : IApplyProgram, IPreparedWhenRun, IDisposable
    {
        private readonly Lock _gate = new();
        private SandboxedProgram? _program;
        private string? _failure;
        private bool _disposed;

        public string Name => name;

        public string ContentHash => contentHash;

        /// <summary>Why the program could not be compiled when the engine needed it; null while it was not needed or compiled.</summary>
        public string? Failure
        {
            get
            {
                lock (_gate)
                {
                    return _failure;
                }
            }
        }

        public WorkerProgramImage? WorkerImage => Ready.WorkerImage;

        private SandboxedProgram Ready => Prepare() is { } failure ? throw new InvalidOperationException(failure) : _program!;

        public string? Prepare()
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_program is null && _failure is null)
                {
                    (_program, _failure) = compile();
                }

                return _failure;
            }
        }

        public IBatchLabeler CreateLabeler() => Ready.CreateLabeler();

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _program?.Dispose();
            }
        }
    }
}

/// <summary>
/// A program file that could not be read, did not compile or was refused by the sandbox verifier, and so has no column.
/// </summary>
/// <param name="Name">The program's name.</param>
/// <param name="Reason">Why it was rejected: the reader's, compiler's or verifier's message.</param>
public sealed record RejectedProgram(string Name, string Reason);

/// <summary>What <see cref="ProjectApply.Run"/> did.</summary>
/// <param name="Isolation">Where the programs ran.</param>
/// <param name="Splits">Each split's votes and per-program figures.</param>
/// <param name="Rejected">Program files that could not be read, did not compile or were refused.</param>
/// <param name="ProgramsInMatrix">
/// Programs whose columns are in the written matrices: neither rejected nor disabled on any split.
/// </param>
/// <param name="MatrixFiles">The label matrix files written, one per split.</param>
/// <param name="ProgramsCompiled">Programs compiled in this run; those whose columns all came from the cache are not.</param>
/// <param name="Elapsed">Wall-clock time of the whole run.</param>
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

    /// <summary>The walls the worker processes reported; null in process, or when every column came from the cache.</summary>
    public Isolation.SandboxWalls? Walls { get; init; }

    /// <summary>
    /// What the user must hear about the rows, split by split (<see cref="SplitApplyResult.RowWarnings"/>): text values over
    /// <c>data.max_field_chars</c>, and rows that killed a program's worker and abstain for it.
    /// </summary>
    public IReadOnlyList<string> RowWarnings() => [.. Splits.SelectMany(s => s.RowWarnings())];

    /// <summary>The walls as lines for logs and reports, or why there are none.</summary>
    public IReadOnlyList<string> DescribeWalls() => Isolation == IsolationMode.None
        ? ["none: programs ran in this process (--isolation none, for trusted programs only)"]
        : Walls?.Describe() ?? ["no worker process ran: every column came from the cache"];

    /// <summary>The --json summary: per split and program, coverage, errors, time and status.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            isolation = Isolation.ToString().ToLowerInvariant(),
            walls = Walls is { } w
                ? new
                {
                    clean_environment = w.CleanEnvironment,
                    environment_variables = w.EnvironmentNames,
                    own_temp_folder = w.OwnTempFolder,
                    network_blocked = w.NetworkBlocked,
                    network_namespace = w.NetworkNamespace,
                    tcp_denied_by_landlock = w.TcpDenied,
                    network_probe = w.NetworkProbe,
                    writes_outside_temp_blocked = w.WritesBlocked,
                    landlock_abi = w.LandlockAbi,
                    write_probe = w.WriteProbe,
                    no_new_privileges = w.NoNewPrivileges,
                    heap_limit_mb = w.HeapLimitBytes >> 20,
                    os_data_limit = w.DataLimit,
                    cpu_seconds_per_batch = w.CpuLimitPerBatch.TotalSeconds,
                }
                : null,
            walls_summary = DescribeWalls(),
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
                programs_order_checked = s.ProgramsOrderChecked,
                oversized_fields = s.Oversized is { } o
                    ? new
                    {
                        max_field_chars = o.Limit.MaxChars,
                        policy = o.Limit.Policy.ToString().ToLowerInvariant(),
                        values = o.Values,
                        rows = o.Rows,
                        first = o.First.Select(v => new { row = v.Row, id = v.RowId, field = v.Field, length = v.Length }),
                    }
                    : null,
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
                    poison_rows = p.PoisonRows.Count == 0 ? null : p.PoisonRows.Select(r => new { row = r.Row, id = r.RowId, reason = r.Reason }),
                }),
            }),
        },
        Json);
}
