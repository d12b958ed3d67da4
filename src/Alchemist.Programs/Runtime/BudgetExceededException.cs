namespace Alchemist.Programs.Runtime;

/// <summary>Which per-row budget a program exceeded.</summary>
public enum BudgetKind
{
    /// <summary>More loop iterations and calls on one row than <see cref="ProgramBudgets.MaxStepsPerCall"/>.</summary>
    Steps,

    /// <summary>Longer on one row than <see cref="ProgramBudgets.MaxTimePerCall"/>.</summary>
    Time,

    /// <summary>More bytes allocated on one row than <see cref="ProgramBudgets.MaxAllocatedBytesPerCall"/>.</summary>
    Allocation,

    /// <summary>More stack below the invoker's frame than <see cref="ProgramBudgets.MaxStackBytes"/>.</summary>
    Stack,

    /// <summary>A regular expression ran past its match timeout (<see cref="ProgramBudgets.RegexMatchTimeout"/>).</summary>
    RegexTimeout,
}

/// <summary>
/// Thrown into a labeling program when it exceeds a budget. The rewriter makes every catch clause of the program let it (and
/// anything else thrown after a violation) pass, and <see cref="Budget.Violation"/> stays set so that the host discards the
/// row's result even if a program found a way to continue.
/// </summary>
public sealed class BudgetExceededException : Exception
{
    internal BudgetExceededException(BudgetKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    /// <summary>Which budget the program exceeded.</summary>
    public BudgetKind Kind { get; }
}
