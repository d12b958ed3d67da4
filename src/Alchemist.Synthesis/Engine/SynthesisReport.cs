namespace Alchemist.Synthesis.Engine;

/// <summary>One LLM call made (or answered from the cache) for a program.</summary>
public sealed record CallSummary(string Purpose, string Model, int InputTokens, int OutputTokens, decimal CostUsd);

/// <summary>What became of one sample: an accepted program, a rejection, a reply still awaited, or an error.</summary>
public sealed record ProgramOutcome
{
    public required int Sample { get; init; }

    public required string Name { get; init; }

    public required OutcomeKind Kind { get; init; }

    /// <summary>Program file (accepted), rejection note (rejected), or reply file to fill in (pending).</summary>
    public string? Path { get; init; }

    public string? Reason { get; init; }

    public int Repairs { get; init; }

    public double Coverage { get; init; }

    public IReadOnlyList<CallSummary> Calls { get; init; } = [];

    public decimal CostUsd => Calls.Sum(c => c.CostUsd);
}

public enum OutcomeKind
{
    Accepted,
    Rejected,
    Duplicate,
    Pending,
    Failed,
}

/// <summary>The result of a synthesis run, in sample order.</summary>
public sealed record SynthesisReport(IReadOnlyList<ProgramOutcome> Outcomes, int CallsMade, int CacheHits, decimal SpentThisRunUsd, decimal SpentTotalUsd)
{
    public IEnumerable<ProgramOutcome> Accepted => Outcomes.Where(o => o.Kind == OutcomeKind.Accepted);

    public IEnumerable<ProgramOutcome> Pending => Outcomes.Where(o => o.Kind == OutcomeKind.Pending);

    public IEnumerable<ProgramOutcome> Failed => Outcomes.Where(o => o.Kind == OutcomeKind.Failed);
}
