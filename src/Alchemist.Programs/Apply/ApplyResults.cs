using Alchemist.Labeling;

namespace Alchemist.Programs.Apply;

/// <summary>Whether a program's votes on a split were kept.</summary>
public enum ProgramStatus
{
    /// <summary>The program ran and its votes are in the matrix.</summary>
    Ok,

    /// <summary>
    /// The program was stopped (too many faults, a killed worker, changed static state, among others) and its column is all
    /// abstain.
    /// </summary>
    Disabled,
}

/// <summary>What one program did on one split.</summary>
public sealed record ProgramApplyResult(
    string Name,
    ProgramStatus Status,
    string? Reason,
    int Rows,
    int Votes,
    int Errors,
    int BudgetExceeded,
    string? FirstFault,
    long FirstFaultRow,
    TimeSpan Time,
    bool FromCache)
{
    /// <summary>Share of rows where the program voted (did not abstain).</summary>
    public double Coverage => Rows == 0 ? 0 : (double)Votes / Rows;
}

/// <summary>
/// The votes of every program on one split. A disabled program's column is all abstain: its partial votes are not kept.
/// </summary>
public sealed record SplitApplyResult(string Split, string DataHash, LabelMatrix Matrix, IReadOnlyList<ProgramApplyResult> Programs, TimeSpan Elapsed)
{
    /// <summary>Programs whose column was read from the column cache instead of being computed.</summary>
    public int CacheHits => Programs.Count(p => p.FromCache);

    internal int CacheMisses => Programs.Count(p => !p.FromCache);

    /// <summary>Programs run a second time over the rows in reverse order (<see cref="ApplyOptions.CheckRowOrder"/>); 0 when not asked.</summary>
    public int ProgramsOrderChecked { get; init; }
}
