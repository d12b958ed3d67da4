using Alchemist.Data;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;
using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Engine;

/// <summary>
/// Wires a synthesis run for one project: the gateway over the project's cache and ledger, the sandbox checker over a
/// seeded sample of the train split, and the synthesizer. <see cref="OpenForEstimate"/> reads no data and builds no client,
/// for dry runs.
/// </summary>
public static class SynthesisSession
{
    /// <summary>
    /// A synthesizer for the project, ready to run: a gateway over the project's cache and ledger with the configured provider's
    /// client, and the sandbox checker over <see cref="SampleRows"/> (real rows reach prompts only where
    /// <see cref="SynthesisSettings.RowsInPrompts"/>). Dispose it to end the checker's worker and compiler processes.
    /// </summary>
    /// <param name="spec">The project's spec, whose train split is sampled.</param>
    /// <param name="settings">The run's settings, usually <see cref="SynthesisSettings.FromSpec"/>.</param>
    /// <param name="log">Receives progress lines (programs accepted, rejected or sent for repair, retries); null logs nothing.</param>
    public static Synthesizer Open(TaskSpec spec, SynthesisSettings settings, Action<string>? log = null)
    {
        var gateway = OpenGateway(settings, log);
        var train = SpecData.OpenSources(spec).Train;
        var sample = SampleRows(train, settings);
        var checker = new SandboxProgramChecker(
            settings.Signature,
            sample,
            new ApplyOptions { Isolation = settings.Isolation, Parallelism = 1 },
            minCoverage: settings.MinCoverage,
            showRowsInFeedback: settings.RowsInPrompts,
            limits: settings.Limits);
        return new Synthesizer(settings, gateway, checker, settings.RowsInPrompts ? PromptRows(sample, settings.Signature) : null, log);
    }

    /// <summary>A synthesizer that can plan and price calls but not run them (no data read, no client built, no key needed).</summary>
    public static Synthesizer OpenForEstimate(SynthesisSettings settings, IReadOnlyList<string>? promptRows = null) =>
        new(settings, OpenEstimateGateway(settings), new NoChecks(), promptRows);

    /// <summary>
    /// A gateway that keys and prices calls exactly as the configured provider's does, over the project's cache and ledger,
    /// but sends nothing: what a dry run looks calls up and prices with.
    /// </summary>
    public static LlmGateway OpenEstimateGateway(SynthesisSettings settings) =>
        new(settings.Endpoint.Provider, new PlanningChatClient(), new ResponseCache(settings.CacheFolder), new CostLedger(settings.LedgerPath),
            new PriceTable(settings.Prices), GatewayOptions(settings, log: null) with { Remote = false });

    internal static LlmGateway OpenGateway(SynthesisSettings settings, Action<string>? log = null)
    {
        var cache = new ResponseCache(settings.CacheFolder);
        return new(
            settings.Endpoint.Provider,
            settings.Endpoint.CreateClient(settings.Layout, settings.Retry.AttemptTimeout, cache),
            cache,
            new CostLedger(settings.LedgerPath),
            new PriceTable(settings.Prices),
            GatewayOptions(settings, log));
    }

    /// <summary>
    /// Local servers, exchange and replay cost nothing for models the price table does not know; exchange costs nothing for
    /// any model, since a person answers it.
    /// </summary>
    private static LlmGatewayOptions GatewayOptions(SynthesisSettings settings, Action<string>? log)
    {
        var local = settings.Endpoint.IsLocal || settings.Endpoint.Provider is LlmEndpoint.Exchange or LlmEndpoint.Replay;
        return new LlmGatewayOptions
        {
            Remote = settings.Endpoint.IsRemote,
            SpendingCapUsd = settings.SpendingCapUsd,
            MaxConcurrency = settings.MaxConcurrency,
            Retry = settings.Retry,
            FallbackPrice = local ? ModelPrice.Free : null,
            FixedPrice = settings.Endpoint.Provider == LlmEndpoint.Exchange ? ModelPrice.Free : null,
            Log = log,
        };
    }

    /// <summary>
    /// The rows candidates are checked on: a seeded uniform sample of <see cref="SynthesisSettings.CheckRows"/> rows of train (all
    /// of them when it has fewer), in source order, with only the signature's fields and no labels.
    /// </summary>
    public static DataBatch SampleRows(IDataSource train, SynthesisSettings settings) =>
        RowSampler.Sample(train, settings.CheckRows, settings.Seed, settings.Signature.TextFields, settings.Signature.NumberFields);

    /// <summary>Rows as prompts show them: the text itself for single-text tasks, "field: value" lines otherwise.</summary>
    public static IReadOnlyList<string> PromptRows(DataBatch sample, ProgramSignature signature) =>
        Enumerable.Range(0, sample.Count).Select(row => FormatRow(sample, signature, row)).ToArray();

    private static string FormatRow(DataBatch sample, ProgramSignature signature, int row)
    {
        if (signature.IsSingleText)
        {
            return sample.Text(signature.Fields[0].Name)[row];
        }

        return string.Join('\n', signature.Fields.Select(f => f.Type == InputType.Text
            ? $"{f.Name}: {sample.Text(f.Name)[row]}"
            : $"{f.Name}: {sample.Number(f.Name)[row].ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    /// <summary>Stands for the configured provider in a dry run, whose name keys the calls as the real ones are keyed; it answers nothing.</summary>
    private sealed class PlanningChatClient() : LocalChatClient("planning")
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException($"a dry run sends no call ({LlmChat.RequestOf(options).Purpose})");
    }

    private sealed class NoChecks : IProgramChecker
    {
        public int SampleRows => 0;

        public ProgramCheck Check(string name, string code, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a synthesizer opened for estimates runs no programs");
    }
}
