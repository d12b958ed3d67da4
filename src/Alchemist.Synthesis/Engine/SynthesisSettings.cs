using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;
using Alchemist.Synthesis.Prompts;

namespace Alchemist.Synthesis.Engine;

/// <summary>
/// Everything a synthesis run needs, resolved from the task spec: the task as prompts describe it, the runtime signature,
/// the mode and knowledge kinds, the LLM endpoint and per-stage models, sampling settings, prices, the cap, and the checks'
/// limits. Values the spec does not set take the defaults below.
/// </summary>
public sealed record SynthesisSettings
{
    public const int DefaultMaxTokens = 1500;

    public required string ProjectDirectory { get; init; }

    public required SynthesisTask Task { get; init; }

    public required ProgramSignature Signature { get; init; }

    public int Programs { get; init; } = SynthesisSpec.DefaultPrograms;

    public SynthesisMode Strategy { get; init; } = SynthesisMode.OneStage;

    public IReadOnlyList<PriorKnowledgeKind> Kinds { get; init; } = [PriorKnowledgeKind.Heuristics];

    public string? DocsFolder { get; init; }

    public bool RowsInPrompts { get; init; }

    public int PromptRows { get; init; } = 8;

    public required LlmEndpoint Endpoint { get; init; }

    public required string ProgramModel { get; init; }

    public required string KnowledgeModel { get; init; }

    public required string RepairModel { get; init; }

    /// <summary>Sampling temperature; the recorded research runs used 1.0 for one-stage and 0.7 for two-stage.</summary>
    public double Temperature { get; init; } = 1.0;

    public int MaxTokens { get; init; } = DefaultMaxTokens;

    public IReadOnlyDictionary<string, ModelPrice> Prices { get; init; } = new Dictionary<string, ModelPrice>();

    public decimal? SpendingCapUsd { get; init; }

    public int MaxConcurrency { get; init; } = 4;

    public int MaxRepairs { get; init; } = 2;

    /// <summary>Rows of the train split the smoke test and the duplicate check run on.</summary>
    public int CheckRows { get; init; } = 1000;

    public double MinCoverage { get; init; } = 0.01;

    public int PassagesPerPrompt { get; init; } = 4;

    public int Seed { get; init; } = 17;

    public IsolationMode Isolation { get; init; } = IsolationMode.Process;

    /// <summary>Source limits and the compiler process's time and memory, for every reply.</summary>
    public SourceLimits Limits { get; init; } = SourceLimits.Default;

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    public ProjectLayout Layout => new(ProjectDirectory);

    public string StateFolder => Layout.StateFolder;

    public string ProgramsFolder => Layout.ProgramsFolder;

    public string RejectedFolder => Layout.RejectedFolder;

    public string CacheFolder => Layout.CacheFolder;

    public string LedgerPath => Layout.LedgerPath;

    public static SynthesisSettings FromSpec(TaskSpec spec)
    {
        var llm = spec.Llm;
        var endpoint = EndpointOf(llm);
        string ModelFor(string stage) =>
            llm.ModelFor(stage) ?? llm.ModelFor(LlmStages.Program) ?? throw spec.Error(
                "llm.model", $"no model is set for the {stage} stage: set llm.model (or llm.models.{stage})");

        var strategy = spec.Synthesis.Mode;
        if (strategy == SynthesisMode.Retrieval && spec.Synthesis.DocsFolder is null)
        {
            throw spec.Error("synthesis.docs", "retrieval mode needs a documents folder");
        }

        return new SynthesisSettings
        {
            ProjectDirectory = Path.GetFullPath(spec.ProjectDirectory),
            Task = TaskOf(spec),
            Signature = SignatureOf(spec),
            Programs = spec.Synthesis.Programs,
            Strategy = strategy,
            Kinds = spec.Synthesis.PriorKnowledge,
            DocsFolder = spec.Synthesis.DocsFolder is { } docs ? spec.ResolvePath(docs) : null,
            RowsInPrompts = spec.Synthesis.RowsInPrompts,
            Endpoint = endpoint,
            ProgramModel = ModelFor(LlmStages.Program),
            KnowledgeModel = ModelFor(LlmStages.Knowledge),
            RepairModel = ModelFor(LlmStages.Repair),
            Temperature = llm.Temperature ?? (strategy == SynthesisMode.OneStage ? 1.0 : 0.7),
            MaxTokens = llm.MaxTokens ?? DefaultMaxTokens,
            Prices = FromSpecPrices(spec),
            SpendingCapUsd = llm.SpendingCapUsd,
            // Candidates are LLM-written: they run in this process only where the spec says to trust them.
            Isolation = spec.Isolation is { Mode: "none", TrustPrograms: true } ? IsolationMode.None : IsolationMode.Process,
            Limits = ProjectApply.LimitsFor(spec),
        };
    }

    /// <summary>The spec's price overrides in the synthesis library's terms.</summary>
    public static IReadOnlyDictionary<string, ModelPrice> FromSpecPrices(TaskSpec spec) =>
        spec.Llm.Prices.ToDictionary(p => p.Key, p => p.Value);

    public static ProgramSignature SignatureOf(TaskSpec spec) =>
        new(
            spec.Inputs.Select(i => new InputField(i.Name, i.Type)).ToArray(),
            spec.ClassNames);

    public static SynthesisTask TaskOf(TaskSpec spec)
    {
        var signature = SignatureOf(spec);
        return new SynthesisTask(
            spec.Name,
            spec.Description,
            spec.Inputs,
            spec.Classes.Select(c => new TaskClass(c.Name, c.Description)).ToArray(),
            signature.LabelMethodSignature,
            signature.RowRecordSource);
    }

    private static LlmEndpoint EndpointOf(LlmSpec llm) => llm.Provider switch
    {
        LlmProvider.OpenAI when llm.BaseUrl is null => new LlmEndpoint(LlmEndpoint.OpenAi, null, llm.ApiKeyEnv),
        LlmProvider.OpenAI when llm.BaseUrl.Contains(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
            || llm.BaseUrl.Contains(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase) =>
            new LlmEndpoint(LlmEndpoint.AzureOpenAi, llm.BaseUrl, llm.ApiKeyEnv),
        LlmProvider.OpenAI => new LlmEndpoint(LlmEndpoint.OpenAiCompatible, llm.BaseUrl, llm.ApiKeyEnv),
        LlmProvider.Anthropic => new LlmEndpoint(LlmEndpoint.Anthropic, llm.BaseUrl, llm.ApiKeyEnv),
        LlmProvider.Exchange => new LlmEndpoint(LlmEndpoint.Exchange),
        LlmProvider.Replay => new LlmEndpoint(LlmEndpoint.Replay),
        _ => throw new SynthesisException(
            $"llm.provider '{llm.Provider.ToString().ToLowerInvariant()}' writes no programs through an LLM; set llm.provider to openai, anthropic, exchange or replay"),
    };
}
