using System.CommandLine;
using System.Globalization;
using Alchemist.Data;
using Alchemist.Spec;
using Alchemist.Synthesis;
using Alchemist.Synthesis.Engine;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Cli.Commands;

/// <summary>
/// <c>alchemist synthesize &lt;project&gt; [--dry-run]</c>: asks the configured LLM for labeling programs and writes the accepted ones
/// to programs/. With --dry-run it prints the prompts and the estimated cost and calls nothing.
/// </summary>
internal static class SynthesizeCommand
{
    public const int ExitWaitingForReplies = 2;

    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder (with alchemist.yaml)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the prompts and the estimated cost; call nothing." };
        var command = new Command("synthesize", "Ask the LLM for labeling programs; verify, smoke-test and repair them; write the accepted ones to programs/.")
        {
            project,
            dryRun,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(project)!, result.GetValue(dryRun), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo projectFolder, bool dryRun, CancellationToken cancellationToken)
    {
        var spec = SpecReader.Load(projectFolder.FullName);
        if (spec.Llm.Provider == LlmProvider.Offline)
        {
            Console.Error.WriteLine(
                "synthesize: llm.provider is offline, which writes programs without an LLM as part of `alchemist run`; " +
                "set llm.provider to openai, anthropic, exchange or replay (and llm.model) to synthesize with an LLM");
            return 1;
        }

        var settings = SynthesisSettings.FromSpec(spec);
        return dryRun ? DryRun(spec, settings) : await SynthesizeAsync(spec, settings, cancellationToken).ConfigureAwait(false);
    }

    private static int DryRun(TaskSpec spec, SynthesisSettings settings)
    {
        IReadOnlyList<string>? rows = null;
        if (settings.RowsInPrompts)
        {
            var sample = SynthesisSession.SampleRows(SpecData.OpenSources(spec).Train, settings);
            rows = SynthesisSession.PromptRows(sample, settings.Signature);
        }

        var synthesizer = SynthesisSession.OpenForEstimate(settings, rows);
        var gateway = SynthesisSession.OpenEstimateGateway(settings);
        var calls = synthesizer.PlannedCalls();
        var output = Console.Out;
        output.WriteLine($"Dry run: {settings.Programs} program(s), {Describe(settings)}, provider {settings.Endpoint.Provider}; nothing is sent.");
        output.WriteLine();
        foreach (var group in calls.Select(c => c.Request).GroupBy(c => string.Join("\u0001", c.Messages.Select(m => m.Role + "\u0002" + m.Content)) + "\u0003" + c.Model))
        {
            var first = group.First();
            var names = group.Select(c => c.Purpose).ToArray();
            output.WriteLine($"==== {(names.Length == 1 ? names[0] : $"{string.Join(", ", names)} ({names.Length} calls, same prompt)")}, model {first.Model} ====");
            output.WriteLine(first.ToMarkdown().TrimEnd());
            output.WriteLine();
        }

        decimal total = 0;
        var cached = 0;
        output.WriteLine("Estimated cost (upper bound: every reply as long as max_tokens allows; repairs not included):");
        foreach (var (call, unknownTokens) in calls)
        {
            var isCached = unknownTokens == 0 && gateway.Cache.TryGet(call, out _);
            var price = gateway.PriceOf(call.Model);
            var input = TokenEstimator.EstimatePrompt(call.Messages) + unknownTokens;
            var cost = isCached ? 0m : price.Cost(input, call.MaxTokens);
            cached += isCached ? 1 : 0;
            total += cost;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {call.Purpose,-34} {call.Model,-22} ~{input,6} in  <={call.MaxTokens,6} out  {(isCached ? "cached" : $"${cost:0.0000}"),10}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  total: up to ${total:0.0000} for {calls.Count - cached} call(s){(cached > 0 ? $" ({cached} already cached)" : "")}, " +
            $"plus up to {settings.MaxRepairs} repair call(s) per program that fails its checks"));
        if (settings.SpendingCapUsd is { } cap)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  spending cap: ${cap:0.####}, of which ${gateway.Ledger.TotalCostUsd:0.####} is already spent"));
        }

        return 0;
    }

    private static async Task<int> SynthesizeAsync(TaskSpec spec, SynthesisSettings settings, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"synthesize: {settings.Programs} program(s), {Describe(settings)}, provider {settings.Endpoint.Provider}, model {settings.ProgramModel}");
        using var synthesizer = SynthesisSession.Open(spec, settings, line => Program.Progress.WriteLine("  " + line));
        var report = await synthesizer.RunAsync(cancellationToken).ConfigureAwait(false);
        var output = Console.Out;
        foreach (var outcome in report.Outcomes)
        {
            var cost = string.Create(CultureInfo.InvariantCulture, $"${outcome.CostUsd:0.0000}");
            var line = outcome.Kind switch
            {
                OutcomeKind.Accepted => $"accepted   {outcome.Name,-28} coverage {outcome.Coverage,6:P1}  repairs {outcome.Repairs}  {cost}  {Relative(settings, outcome.Path)}",
                OutcomeKind.Duplicate => $"duplicate  {outcome.Name,-28} {outcome.Reason} ({Relative(settings, outcome.Path)})",
                OutcomeKind.Rejected => $"rejected   {outcome.Name,-28} {outcome.Reason} ({Relative(settings, outcome.Path)})",
                OutcomeKind.Pending => $"waiting    {outcome.Name,-28} fill in {Relative(settings, outcome.Path)}",
                _ => $"failed     {outcome.Name,-28} {outcome.Reason}",
            };
            output.WriteLine(line);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Accepted.Count()} accepted of {report.Outcomes.Count}; {report.CallsMade} call(s) made, {report.CacheHits} answered from the cache; " +
            $"spent ${report.SpentThisRunUsd:0.0000} now, ${report.SpentTotalUsd:0.0000} in all (see `alchemist cost {spec.ProjectDirectory}`)"));
        if (report.Pending.Any())
        {
            output.WriteLine();
            output.WriteLine($"Waiting for {report.Pending.Count()} reply file(s): send each .prompt.md in {Relative(settings, settings.Layout.ExchangeFolder)} " +
                "to a chat model, paste its whole reply into the .reply.md file named in the prompt, then run synthesize again.");
            return ExitWaitingForReplies;
        }

        return report.Failed.Any() ? 1 : 0;
    }

    private static string Describe(SynthesisSettings settings) => settings.Strategy switch
    {
        SynthesisMode.OneStage => "one-stage",
        SynthesisMode.TwoStage => $"two-stage ({string.Join(", ", settings.Kinds).ToLowerInvariant()})",
        _ => $"two-stage with retrieval from {settings.DocsFolder} ({string.Join(", ", settings.Kinds).ToLowerInvariant()})",
    };

    private static string Relative(SynthesisSettings settings, string? path) =>
        path is null ? "" : Path.GetRelativePath(settings.ProjectDirectory, path);
}
