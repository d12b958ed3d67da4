using Alchemist.Spec;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Cli.Pipeline;

/// <summary>LLM calls and cost from the project's ledger (.alchemist/ledger.jsonl), and what zero-shot labeling would cost.</summary>
public sealed record Ledger(int Calls, decimal CostUsd, IReadOnlyList<CallRecord> Records)
{
    /// <summary>Model priced for the zero-shot estimate when the project configures none (the offline synthesizer).</summary>
    public const string ReferenceModel = "gpt-4o-mini";

    /// <summary>Tokens of instructions and class list around each row in a zero-shot prompt, and of the reply.</summary>
    public const int ZeroShotPromptOverheadTokens = 120;
    public const int ZeroShotReplyTokens = 5;

    public static Ledger Read(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, ".alchemist", "ledger.jsonl");
        if (!File.Exists(path))
        {
            return new Ledger(0, 0m, []);
        }

        var ledger = new CostLedger(path);
        return new Ledger(ledger.Records.Count, ledger.TotalCostUsd, ledger.Records);
    }

    /// <summary>Estimated cost of asking the model to label every row once (tokens estimated from characters).</summary>
    public static (string Model, decimal CostUsd, long Rows) ZeroShotEstimate(TaskSpec spec, IEnumerable<string> texts)
    {
        var model = spec.Llm.ModelFor(LlmStages.Program) ?? ReferenceModel;
        var prices = new PriceTable(spec.Llm.Prices.ToDictionary(kv => kv.Key, kv => new Synthesis.Llm.ModelPrice(kv.Value.InputPerMillionTokens, kv.Value.OutputPerMillionTokens)));
        var price = prices.TryFind(model) ?? prices.Find(ReferenceModel);
        long rows = 0, input = 0;
        foreach (var text in texts)
        {
            rows++;
            input += TokenEstimator.Estimate(text) + ZeroShotPromptOverheadTokens;
        }

        var cost = (input * price.InputPerMillion / 1_000_000m) + (rows * ZeroShotReplyTokens * price.OutputPerMillion / 1_000_000m);
        return (prices.TryFind(model) is null ? ReferenceModel : model, cost, rows);
    }
}
