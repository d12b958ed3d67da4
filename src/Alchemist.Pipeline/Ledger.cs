using Alchemist.Data;
using Alchemist.Spec;
using Alchemist.Synthesis.Costs;
using Alchemist.Synthesis.Engine;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Pipeline;

/// <summary>LLM calls and cost from the project's ledger (.alchemist/ledger.jsonl), and what zero-shot labeling would cost.</summary>
public sealed record Ledger(int Calls, decimal CostUsd, IReadOnlyList<CallRecord> Records)
{
    /// <summary>Model priced for the zero-shot estimate when the project configures none (the offline synthesizer).</summary>
    public const string ReferenceModel = "gpt-4o-mini";

    /// <summary>The project's ledger of LLM calls (.alchemist/ledger.jsonl); empty when no call was made.</summary>
    public static Ledger Read(string projectDirectory)
    {
        var path = new ProjectLayout(projectDirectory).LedgerPath;
        if (!File.Exists(path))
        {
            return new Ledger(0, 0m, []);
        }

        var ledger = new CostLedger(path);
        return new Ledger(ledger.Records.Count, ledger.TotalCostUsd, ledger.Records);
    }

    /// <summary>
    /// What labeling every row of the project once with the configured model (or the reference model, for offline
    /// projects) would cost: the same estimate `alchemist cost` prints, so the report and the command agree.
    /// </summary>
    public static ZeroShotEstimate EstimateZeroShot(TaskSpec spec)
    {
        var prices = new PriceTable(SynthesisSettings.FromSpecPrices(spec));
        var configured = spec.Llm.ModelFor(LlmStages.Program);
        var model = configured is not null && prices.TryFind(configured) is not null ? configured : ReferenceModel;
        var (train, valid, test) = SpecData.OpenSources(spec);
        return ZeroShotEstimate.Measure(
            SynthesisSettings.TaskOf(spec), new[] { train, valid, test }.OfType<IDataSource>(), SynthesisSettings.SignatureOf(spec).TextFields, model, prices.Find(model));
    }
}
