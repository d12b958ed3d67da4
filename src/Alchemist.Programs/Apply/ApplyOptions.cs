namespace Alchemist.Programs.Apply;

/// <summary>Where labeling programs run.</summary>
public enum IsolationMode
{
    /// <summary>Programs run in worker processes that the engine can kill (the default).</summary>
    Process,

    /// <summary>
    /// Programs run in this process: fastest start, for trusted programs only (a hang inside a BCL call hangs the run, and
    /// the process holds the user's keys). Refused for programs an LLM wrote unless <see cref="ApplyOptions.TrustPrograms"/>.
    /// </summary>
    None,
}

/// <summary>How the apply engine runs programs over rows.</summary>
public sealed record ApplyOptions
{
    /// <summary>Where programs run: worker processes (the default) or this process.</summary>
    public IsolationMode Isolation { get; init; } = IsolationMode.Process;

    /// <summary>Threads (in process) or worker processes (isolated); defaults to the processor count.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Rows per batch sent to a thread or a worker.</summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>A program whose faults (exceptions and budget violations) exceed this share of its rows is disabled.</summary>
    public double MaxFaultShare { get; init; } = Runtime.ProgramBudgets.Default.MaxErrorShare;

    /// <summary>The fault share is judged only after this many rows (or at the end of a smaller split).</summary>
    public int MinRowsBeforeDisabling { get; init; } = Runtime.ProgramBudgets.Default.MinRowsBeforeDisabling;

    /// <summary>CPU time one program may use on one batch in a worker before the worker is killed and the program disabled.</summary>
    public TimeSpan CpuLimitPerBatch { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Wall-clock time one program may go without answering on one batch (a program blocked rather than busy, or a worker
    /// starved of CPU); null means three times <see cref="CpuLimitPerBatch"/> plus 10 s.
    /// </summary>
    public TimeSpan? WallLimitPerBatch { get; init; }

    internal TimeSpan EffectiveWallLimit => WallLimitPerBatch ?? (CpuLimitPerBatch * 3) + TimeSpan.FromSeconds(10);

    /// <summary>Managed heap limit of each worker (DOTNET_GCHeapHardLimit); the OS data limit is this plus <see cref="NativeHeadroomBytes"/>.</summary>
    public long WorkerHeapLimitBytes { get; init; } = 512L << 20;

    /// <summary>Room above the managed heap for the runtime itself (JIT, stacks, native allocations) under the OS data limit.</summary>
    public long NativeHeadroomBytes { get; init; } = 768L << 20;

    /// <summary>Where cached columns live; null disables the cache.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// The user vouches for every program: programs an LLM wrote may then run in this process (<see cref="IsolationMode.None"/>).
    /// </summary>
    public bool TrustPrograms { get; init; }

    /// <summary>
    /// Runs every program a second time over the rows in reverse order, with fresh copies (fresh worker processes), and
    /// disables a program whose votes differ: a vote may depend only on its row. Costs a second pass over each split.
    /// </summary>
    public bool CheckRowOrder { get; init; }

    /// <summary>The worker executable (alchemist-worker.dll); null looks beside this assembly.</summary>
    public string? WorkerPath { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1, nameof(Parallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, 1 << 20, nameof(BatchSize));
        if (MaxFaultShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFaultShare), MaxFaultShare, "a share between 0 and 1");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CpuLimitPerBatch, TimeSpan.Zero, nameof(CpuLimitPerBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(WorkerHeapLimitBytes, 32L << 20, nameof(WorkerHeapLimitBytes));
    }
}

/// <summary>Rows labeled so far in one split.</summary>
public readonly record struct ApplyProgress(string Split, long Rows, int ProgramsRunning, int ProgramsDisabled);
