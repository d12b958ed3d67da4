namespace Alchemist.Programs.Runtime;

/// <summary>
/// Limits on one call of a labeling program (one row). Checked in process by code the rewriter injects; what they cannot
/// stop (a loop inside a BCL call, one huge allocation) is the worker process's job.
/// </summary>
public sealed record ProgramBudgets
{
    /// <summary>The budgets when the spec sets none.</summary>
    public static ProgramBudgets Default { get; } = new();

    /// <summary>Loop iterations, labels reached and method/lambda entries per call.</summary>
    public long MaxStepsPerCall { get; init; } = 50_000_000;

    /// <summary>
    /// Time per call, checked every <see cref="CheckInterval"/> steps: the thread's CPU time on Linux (so a crowded machine
    /// does not stop benign programs), wall-clock time elsewhere.
    /// </summary>
    public TimeSpan MaxTimePerCall { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bytes allocated by the calling thread during one call.</summary>
    public long MaxAllocatedBytesPerCall { get; init; } = 256L << 20;

    /// <summary>Stack the program may use below the invoker's frame. Threads that run programs need this much plus a margin.</summary>
    public int MaxStackBytes { get; init; } = 384 << 10;

    /// <summary>
    /// Match timeout forced onto every regex the program builds or calls. .NET measures it in wall-clock time, so it is
    /// generous: a catastrophic pattern still stops within a second, and a benign one is not stopped on a crowded machine.
    /// </summary>
    public TimeSpan RegexMatchTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Steps between checks of time, allocation and total steps; a power of two keeps the check cheap.</summary>
    public int CheckInterval { get; init; } = 4096;

    /// <summary>A program failing on more than this share of its rows (after <see cref="MinRowsBeforeDisabling"/>) is disabled.</summary>
    public double MaxErrorShare { get; init; } = 0.05;

    internal int MinRowsBeforeDisabling { get; init; } = 200;

    internal string Fingerprint() =>
        FormattableString.Invariant($"steps={MaxStepsPerCall};time={MaxTimePerCall.Ticks};alloc={MaxAllocatedBytesPerCall};stack={MaxStackBytes};regex={RegexMatchTimeout.Ticks};every={CheckInterval}");
}
