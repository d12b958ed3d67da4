namespace Alchemist.Programs.Loading;

internal enum ProgramErrorKind
{
    /// <summary>The program threw an exception.</summary>
    Exception,

    /// <summary>The program exceeded a step, time, allocation, stack or regex budget.</summary>
    Budget,

    /// <summary>The program returned something that is not a class index, -1 or a class name.</summary>
    InvalidResult,
}

/// <summary>One failed row, kept for the report (only the first few are kept).</summary>
internal sealed record ProgramError(long Row, ProgramErrorKind Kind, string Message)
{
    public override string ToString() => $"row {Row}: {Message}";
}

/// <summary>What one invoker saw: rows, votes, abstentions and errors (an erroring row is an abstention in the matrix).</summary>
internal sealed class InvocationStats
{
    public const int KeptErrors = 5;

    private readonly List<ProgramError> _firstErrors = [];

    public long Rows { get; internal set; }

    /// <summary>Rows with a class vote.</summary>
    public long Votes { get; internal set; }

    /// <summary>Rows where the program returned -1 (errors not included).</summary>
    public long Abstentions { get; internal set; }

    public long Exceptions { get; internal set; }

    public long BudgetViolations { get; internal set; }

    public long InvalidResults { get; internal set; }

    public long Errors => Exceptions + BudgetViolations + InvalidResults;

    public double Coverage => Rows == 0 ? 0 : (double)Votes / Rows;

    public double ErrorShare => Rows == 0 ? 0 : (double)Errors / Rows;

    /// <summary>The first few errors in the order they happened (by row within one invoker).</summary>
    public IReadOnlyList<ProgramError> FirstErrors => _firstErrors;

    /// <summary>Adds another invoker's counts (the apply engine runs one invoker per thread).</summary>
    public void Add(InvocationStats other)
    {
        Rows += other.Rows;
        Votes += other.Votes;
        Abstentions += other.Abstentions;
        Exceptions += other.Exceptions;
        BudgetViolations += other.BudgetViolations;
        InvalidResults += other.InvalidResults;
        _firstErrors.AddRange(other._firstErrors);

        _firstErrors.Sort((a, b) => a.Row.CompareTo(b.Row));
        if (_firstErrors.Count > KeptErrors)
        {
            _firstErrors.RemoveRange(KeptErrors, _firstErrors.Count - KeptErrors);
        }
    }

    internal void Keep(ProgramError error)
    {
        if (_firstErrors.Count < KeptErrors)
        {
            _firstErrors.Add(error);
        }
    }

    public override string ToString() =>
        $"{Rows} rows, coverage {Coverage:P1}, {Errors} errors ({Exceptions} exceptions, {BudgetViolations} over budget, {InvalidResults} invalid results)";
}
