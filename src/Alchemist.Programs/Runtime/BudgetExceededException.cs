namespace Alchemist.Programs.Runtime;

public enum BudgetKind
{
    Steps,
    Time,
    Allocation,
    Stack,
    RegexTimeout,
}

/// <summary>
/// Thrown into a labeling program when it exceeds a budget. The rewriter makes every catch clause of the program let it (and
/// anything else thrown after a violation) pass, and <see cref="Budget.Violation"/> stays set so that the host discards the
/// row's result even if a program found a way to continue.
/// </summary>
public sealed class BudgetExceededException : Exception
{
    public BudgetExceededException(BudgetKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public BudgetKind Kind { get; }
}
