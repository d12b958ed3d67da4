using System.CommandLine;
using System.Globalization;
using Alchemist.Data;
using Alchemist.Spec;
using Alchemist.Synthesis;
using Alchemist.Synthesis.Costs;
using Alchemist.Synthesis.Engine;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Cli.Commands;

/// <summary>
/// <c>alchemist cost &lt;project&gt;</c>: what synthesis spent, call by call and in total, next to the estimated cost of having the
/// same model label every row zero-shot, so that the user sees how many times cheaper programs were on their own data.
/// </summary>
internal static class CostCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder (with alchemist.yaml)." };
        var command = new Command("cost", "Show what each LLM call cost, the total, and the estimated cost of labeling every row zero-shot instead.")
        {
            project,
        };
        command.SetAction(result => Run(result.GetValue(project)!));
        return command;
    }

    private static int Run(DirectoryInfo projectFolder)
    {
        var spec = SpecReader.Load(projectFolder.FullName);
        var ledgerPath = new ProjectLayout(spec.ProjectDirectory).LedgerPath;
        var ledger = new CostLedger(ledgerPath);
        var records = ledger.Records;
        var output = Console.Out;
        if (records.Count == 0)
        {
            output.WriteLine($"No LLM calls recorded in {Path.GetRelativePath(spec.ProjectDirectory, ledgerPath)}.");
        }
        else
        {
            output.WriteLine($"{"call",-34} {"model",-24} {"tokens in",10} {"tokens out",10} {"cost USD",10} {"seconds",8}  finished");
            foreach (var record in records.OrderBy(r => r.FinishedAt))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Cut(record.Purpose, 34),-34} {Cut(record.Model, 24),-24} {record.InputTokens,10}{(record.TokensEstimated ? "~" : " ")}{record.OutputTokens,9}{(record.TokensEstimated ? "~" : " ")}{record.CostUsd,10:0.000000} {record.Seconds,8:0.0}  {record.FinishedAt:yyyy-MM-dd HH:mm:ss}Z"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"total: {records.Count} call(s), {records.Sum(r => (long)r.InputTokens)} tokens in, {records.Sum(r => (long)r.OutputTokens)} tokens out, ${ledger.TotalCostUsd:0.000000}"));
            foreach (var byModel in records.GroupBy(r => r.Model).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {byModel.Key}: {byModel.Count()} call(s), ${byModel.Sum(r => r.CostUsd):0.000000} (${byModel.First().InputPricePerMillion}/${byModel.First().OutputPricePerMillion} per million tokens in/out)"));
            }

            if (records.Any(r => r.TokensEstimated))
            {
                output.WriteLine("  ~ marks token counts estimated from characters (exchange replies, or a provider that reported no usage)");
            }
        }

        var model = spec.Llm.ModelFor(LlmStages.Program);
        if (model is null)
        {
            output.WriteLine("No llm.model in alchemist.yaml, so there is no zero-shot labeling cost to compare with.");
            return 0;
        }

        var prices = new PriceTable(SynthesisSettings.FromSpecPrices(spec));
        if (prices.TryFind(model) is not { } price)
        {
            output.WriteLine($"No price is known for {model}; add it under llm.prices in alchemist.yaml to compare with zero-shot labeling.");
            return 0;
        }

        var (train, valid, test) = SpecData.OpenSources(spec);
        var signature = SynthesisSettings.SignatureOf(spec);
        var estimate = ZeroShotEstimate.Measure(
            SynthesisSettings.TaskOf(spec), new[] { train, valid, test }.OfType<IDataSource>(), signature.TextFields, model, price);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"zero-shot labeling of every row with {model}: {estimate.Rows} rows x ~{estimate.MeanPromptTokens:0} prompt tokens " +
            $"(+{estimate.ReplyTokens} reply tokens) at ${price.InputPerMillion}/${price.OutputPerMillion} per million = ${estimate.CostUsd:0.0000}"));
        if (ledger.TotalCostUsd > 0)
        {
            var ratio = (double)(estimate.CostUsd / ledger.TotalCostUsd);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"programs: ${ledger.TotalCostUsd:0.0000} spent once, whatever the number of rows: {ratio:0.#} x cheaper than zero-shot labeling on this data"));
        }
        else
        {
            output.WriteLine("programs: nothing priced was spent (cached, exchanged or local calls), against the zero-shot figure above");
        }

        return 0;
    }

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
