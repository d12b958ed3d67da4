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
    /// <summary>Reply token allowance of each call when the spec sets none (llm.max_tokens).</summary>
    public const int DefaultMaxTokens = 1500;

    /// <summary>The project's folder, as a full path; <see cref="Layout"/> places the cache, ledger and programs in it.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The task as prompts describe it.</summary>
    public required SynthesisTask Task { get; init; }

    /// <summary>The signature programs are compiled and run against: the inputs and the classes.</summary>
    public required ProgramSignature Signature { get; init; }

    /// <summary>Programs a run asks for: one sample each, before repairs.</summary>
    public int Programs { get; init; } = SynthesisSpec.DefaultPrograms;

    /// <summary>How programs are asked for: one-stage, two-stage, or two-stage with passages retrieved from <see cref="DocsFolder"/>.</summary>
    public SynthesisMode Strategy { get; init; } = SynthesisMode.OneStage;

    /// <summary>Kinds of prior knowledge the first stage asks for in two-stage modes, taken in turn: sample i asks for <c>Kinds[(i - 1) % Kinds.Count]</c>.</summary>
    public IReadOnlyList<PriorKnowledgeKind> Kinds { get; init; } = [PriorKnowledgeKind.Heuristics];

    /// <summary>The user's documents folder, full path, that retrieval mode draws passages from; null outside retrieval mode.</summary>
    public string? DocsFolder { get; init; }

    /// <summary>Whether real rows of the train split may go into prompts (sample rows, the row a program failed on, follow-up examples); off unless the spec allows it.</summary>
    public bool RowsInPrompts { get; init; }

    /// <summary>Rows shown in each prompt when <see cref="RowsInPrompts"/>; each sample's slice of the checked rows starts further along.</summary>
    public int PromptRows { get; init; } = 8;

    /// <summary>Where the LLM lives: provider kind, base URL and the variable holding the key.</summary>
    public required LlmEndpoint Endpoint { get; init; }

    /// <summary>Model that writes the programs (the call that asks for one).</summary>
    public required string ProgramModel { get; init; }

    /// <summary>Model that answers the first stage of two-stage modes (prior knowledge).</summary>
    public required string KnowledgeModel { get; init; }

    /// <summary>Model asked to repair a program that failed its checks.</summary>
    public required string RepairModel { get; init; }

    /// <summary>Sampling temperature; the recorded research runs used 1.0 for one-stage and 0.7 for two-stage.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Reply token allowance of each call.</summary>
    public int MaxTokens { get; init; } = DefaultMaxTokens;

    /// <summary>The spec's prices by model id, replacing or adding to <see cref="PriceTable.Defaults"/>.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Prices { get; init; } = new Dictionary<string, ModelPrice>();

    /// <summary>Most the project's whole ledger may reach, in US dollars; null for no cap.</summary>
    public decimal? SpendingCapUsd { get; init; }

    /// <summary>Most remote calls in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Repair rounds a program that fails its checks gets before it is rejected (0: none).</summary>
    public int MaxRepairs { get; init; } = 2;

    /// <summary>Rows of the train split the smoke test and the duplicate check run on.</summary>
    public int CheckRows { get; init; } = 1000;

    /// <summary>Share of the checked rows (0 to 1) a program must vote on to be accepted.</summary>
    public double MinCoverage { get; init; } = 0.01;

    /// <summary>Passages of the user's documents retrieved into each first-stage prompt, in retrieval mode.</summary>
    public int PassagesPerPrompt { get; init; } = 4;

    /// <summary>Seed of the sample of train rows the checks run on.</summary>
    public int Seed { get; init; } = 17;

    /// <summary>Where candidates run during their checks: in killable worker processes, unless the spec trusts programs and turns isolation off.</summary>
    public IsolationMode Isolation { get; init; } = IsolationMode.Process;

    /// <summary>Source limits and the compiler process's time and memory, for every reply.</summary>
    public SourceLimits Limits { get; init; } = SourceLimits.Default;

    /// <summary>Retries and the per-attempt timeout of remote calls.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>The project's folders and files.</summary>
    public ProjectLayout Layout => new(ProjectDirectory);

    /// <summary>The project's state folder (.alchemist).</summary>
    public string StateFolder => Layout.StateFolder;

    /// <summary>Where accepted programs are written (programs/).</summary>
    public string ProgramsFolder => Layout.ProgramsFolder;

    /// <summary>Where notes on rejected and duplicate programs are written (programs/rejected/).</summary>
    public string RejectedFolder => Layout.RejectedFolder;

    /// <summary>The folder of the LLM response cache.</summary>
    public string CacheFolder => Layout.CacheFolder;

    /// <summary>The project's ledger of LLM calls.</summary>
    public string LedgerPath => Layout.LedgerPath;

    /// <summary>
    /// The settings of a spec. Stages without a model of their own use the program model; the temperature is 1.0 for one-stage
    /// and 0.7 otherwise unless the spec sets it; candidates run isolated unless the spec trusts programs and turns isolation
    /// off. A stage with no model or retrieval mode without a documents folder throws <see cref="SpecException"/>; a provider
    /// that writes no programs through an LLM (offline) throws <see cref="SynthesisException"/>.
    /// </summary>
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
            Isolation = spec.Isolation?.TrustPrograms == true && ProjectApply.ParseIsolation(spec.Isolation.Mode) == IsolationMode.None ? IsolationMode.None : IsolationMode.Process,
            Limits = ProjectApply.LimitsFor(spec),
        };
    }

    /// <summary>The spec's price overrides in the synthesis library's terms.</summary>
    public static IReadOnlyDictionary<string, ModelPrice> FromSpecPrices(TaskSpec spec) =>
        spec.Llm.Prices.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>The signature of the spec's task: its inputs (name and type) and its class names.</summary>
    public static ProgramSignature SignatureOf(TaskSpec spec) =>
        new(
            spec.ProgramInputs.Select(i => new InputField(i.Name, i.Type)).ToArray(),
            spec.ClassNames);

    /// <summary>The spec's task as prompts describe it, with the exact Label signature and row record the runtime compiles against.</summary>
    public static SynthesisTask TaskOf(TaskSpec spec)
    {
        var signature = SignatureOf(spec);
        return new SynthesisTask(
            spec.Name,
            spec.Description,
            spec.ProgramInputs,
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
