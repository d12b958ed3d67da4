namespace Alchemist.Synthesis.Engine;

/// <summary>One LLM call made (or answered from the cache) for a program.</summary>
/// <param name="Purpose">What the call was for (such as "synth-01 repair 1").</param>
/// <param name="Model">The model asked.</param>
/// <param name="InputTokens">Prompt tokens, as the ledger counts them.</param>
/// <param name="OutputTokens">Reply tokens, as the ledger counts them.</param>
/// <param name="CostUsd">The call's cost in US dollars at its model's price.</param>
public sealed record CallSummary(string Purpose, string Model, int InputTokens, int OutputTokens, decimal CostUsd);

/// <summary>What became of one sample: an accepted program, a rejection, a reply still awaited, or an error.</summary>
public sealed record ProgramOutcome
{
    /// <summary>The sample's number: from 1 for a run's programs, from <see cref="Synthesizer.FollowUpSampleBase"/> + 1 for follow-ups.</summary>
    public required int Sample { get; init; }

    /// <summary>The program's name (its file is programs/&lt;name&gt;.cs).</summary>
    public required string Name { get; init; }

    /// <summary>What became of it.</summary>
    public required OutcomeKind Kind { get; init; }

    /// <summary>Program file (accepted), rejection note (rejected), or reply file to fill in (pending).</summary>
    public string? Path { get; init; }

    /// <summary>Why it was rejected, is a duplicate, waits or failed; null for an accepted program.</summary>
    public string? Reason { get; init; }

    /// <summary>Repair rounds asked for before it was accepted or rejected; 0 for pending and failed samples.</summary>
    public int Repairs { get; init; }

    /// <summary>Share of the checked rows (0 to 1) the program votes on; 0 unless it passed its checks.</summary>
    public double Coverage { get; init; }

    /// <summary>The calls made for it, first stage and repairs included, in order; answers from the cache count too.</summary>
    public IReadOnlyList<CallSummary> Calls { get; init; } = [];

    /// <summary>What its calls cost in US dollars at their models' prices, answers from the cache included.</summary>
    public decimal CostUsd => Calls.Sum(c => c.CostUsd);
}

/// <summary>What became of one sample.</summary>
public enum OutcomeKind
{
    /// <summary>It passed its checks, and its program is written to programs/.</summary>
    Accepted,
    /// <summary>It failed its checks after every repair allowed; its replies and the reason are written to programs/rejected/.</summary>
    Rejected,
    /// <summary>It passed its checks but votes exactly like a program kept before it on every checked row; noted in programs/rejected/.</summary>
    Duplicate,
    /// <summary>It waits for a person's reply in an exchange file (<see cref="ProgramOutcome.Path"/>); the next run picks it up.</summary>
    Pending,
    /// <summary>A call failed (the spending cap, a provider error, a replay miss); <see cref="ProgramOutcome.Reason"/> says why.</summary>
    Failed,
}

/// <summary>The result of a synthesis run, in sample order.</summary>
/// <param name="Outcomes">What became of each sample, in sample order.</param>
/// <param name="CallsMade">Requests that reached the provider during the run, retries included (answers from the cache excluded).</param>
/// <param name="CacheHits">Calls the synthesizer's gateway has answered from recordings so far.</param>
/// <param name="SpentThisRunUsd">What the run's calls added to the ledger, in US dollars.</param>
/// <param name="SpentTotalUsd">The project's whole ledger after the run, in US dollars.</param>
public sealed record SynthesisReport(IReadOnlyList<ProgramOutcome> Outcomes, int CallsMade, int CacheHits, decimal SpentThisRunUsd, decimal SpentTotalUsd)
{
    /// <summary>The samples whose programs were accepted.</summary>
    public IEnumerable<ProgramOutcome> Accepted => Outcomes.Where(o => o.Kind == OutcomeKind.Accepted);

    /// <summary>The samples that wait for an exchange reply.</summary>
    public IEnumerable<ProgramOutcome> Pending => Outcomes.Where(o => o.Kind == OutcomeKind.Pending);

    /// <summary>The samples whose calls failed.</summary>
    public IEnumerable<ProgramOutcome> Failed => Outcomes.Where(o => o.Kind == OutcomeKind.Failed);
}
