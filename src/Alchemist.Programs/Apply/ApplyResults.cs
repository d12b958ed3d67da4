using System.Globalization;
using Alchemist.Data;
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

    /// <summary>
    /// Rows that killed the program's worker on their own (a worker process run out of memory, crashed or stopped by the
    /// CPU watchdog on that one row): each abstains for this program, which kept its votes on every other row. Empty for
    /// most programs.
    /// </summary>
    public IReadOnlyList<PoisonRow> PoisonRows { get; init; } = [];
}

/// <summary>A row that alone killed a program's worker process, found by splitting the batch it was in.</summary>
/// <param name="Row">The row's 0-based position in its split (the split's own order: for one file divided by a seeded split, not the file's).</param>
/// <param name="RowId">
/// The row's id: the spec's id field, or its 0-based position in the file without one; empty for rows that came with no id
/// (rows already in memory).
/// </param>
/// <param name="Reason">How the worker ended on it.</param>
public sealed record PoisonRow(long Row, string RowId, string Reason)
{
    /// <summary>"row 12 (id 'a7')", or "row 12" without an id.</summary>
    public string Describe() => string.IsNullOrEmpty(RowId)
        ? string.Create(CultureInfo.InvariantCulture, $"row {Row}")
        : string.Create(CultureInfo.InvariantCulture, $"row {Row} (id '{Bounded.Text(RowId, 200)}')");
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

    /// <summary>
    /// Text values of the split over the spec's <c>data.max_field_chars</c>, cut or their rows rejected
    /// (<see cref="FieldLimitSource"/>); null when none was, or the rows were not read under a limit.
    /// </summary>
    public OversizedFields? Oversized { get; init; }

    /// <summary>
    /// What the user must hear about this split's rows: the values over the field limit, and each row that killed the
    /// worker of one or more programs (it abstains for them), with the programs it did that to.
    /// </summary>
    public IReadOnlyList<string> RowWarnings()
    {
        var warnings = new List<string>();
        if (Oversized is { Values: > 0 } oversized)
        {
            warnings.Add(oversized.Describe(Split));
        }

        foreach (var row in Programs
            .Where(p => p.Status == ProgramStatus.Ok)
            .SelectMany(p => p.PoisonRows.Select(r => (Program: p.Name, Row: r)))
            .GroupBy(p => p.Row.Row)
            .OrderBy(g => g.Key))
        {
            var names = row.Select(r => r.Program).ToList();
            var programs = names.Count <= 5 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(5))} and {names.Count - 5} more";
            var first = row.First().Row;
            warnings.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{Split}: {first.Describe()} killed the worker process of {names.Count} program{(names.Count == 1 ? "" : "s")} ({programs}), so it abstains for {(names.Count == 1 ? "it" : "them")}; they kept their votes on every other row. The first time: {Bounded.Text(first.Reason, 600)}"));
        }

        return warnings;
    }
}
