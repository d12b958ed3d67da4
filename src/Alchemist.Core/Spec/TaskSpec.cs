using Alchemist.Evaluation;

namespace Alchemist.Spec;

/// <summary>
/// The task spec: what a project labels and how (the file <c>alchemist.yaml</c> in a project folder). Relative paths in
/// <see cref="Data"/> and <see cref="SynthesisSpec.DocsFolder"/> are relative to <see cref="ProjectDirectory"/>.
/// Load with <see cref="SpecReader"/>, save with <see cref="SpecWriter"/>, read the data with <see cref="SpecData"/>.
/// </summary>
public sealed record TaskSpec
{
    public const string FileName = "alchemist.yaml";

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyList<InputField> Inputs { get; init; }

    public required IReadOnlyList<ClassSpec> Classes { get; init; }

    public required DataSpec Data { get; init; }

    public SynthesisSpec Synthesis { get; init; } = new();

    public LlmSpec Llm { get; init; } = new();

    public IsolationSpec? Isolation { get; init; }

    public BudgetSpec? Budgets { get; init; }

    public EvaluationSpec Evaluation { get; init; } = new();

    /// <summary>The folder the spec was loaded from (or will be saved to); relative paths resolve against it.</summary>
    public string ProjectDirectory { get; init; } = ".";

    /// <summary>The file the spec was read from, for messages; the project's alchemist.yaml when built in code.</summary>
    public string? SpecFile { get; init; }

    /// <summary>Line of each key in the spec file, by dotted path (llm.provider, inputs[0].name); empty when built in code.</summary>
    public IReadOnlyDictionary<string, long> KeyLines { get; init; } = new Dictionary<string, long>();

    public IReadOnlyList<string> ClassNames => Classes.Select(c => c.Name).ToArray();

    /// <summary>
    /// An error about <paramref name="key"/> (a dotted path) that points at its line in the spec file, or, for a key the file
    /// leaves out, at the line of the section it belongs in.
    /// </summary>
    public SpecException Error(string key, string problem) =>
        new(SpecFile ?? Path.Combine(ProjectDirectory, FileName), LineOf(key), key, problem);

    private long? LineOf(string key)
    {
        for (var path = key; path.Length > 0; path = path[..Math.Max(0, path.LastIndexOf('.'))])
        {
            if (KeyLines.TryGetValue(path, out var line))
            {
                return line;
            }
        }

        return null;
    }

    public string ResolvePath(string path) => Path.GetFullPath(Path.Combine(ProjectDirectory, path));
}

public enum InputType
{
    Text,
    Number,
}

/// <summary>A field of each row that programs read: text (a string) or number (a double, e.g. an image concept score).</summary>
public sealed record InputField(string Name, InputType Type = InputType.Text, string? Description = null);

public sealed record ClassSpec(string Name, string? Description = null);

/// <summary>
/// Where the rows come from: train (and optionally valid and test) files, or one <see cref="File"/> split by
/// <see cref="Split"/>. Fields named in the spec's inputs are read from each row; <see cref="LabelField"/> holds gold labels
/// (a class index or class name) where the files have them.
/// </summary>
public sealed record DataSpec
{
    /// <summary>wrench, csv or jsonl.</summary>
    public required string Format { get; init; }

    public string? Train { get; init; }

    public string? Valid { get; init; }

    public string? Test { get; init; }

    public string? File { get; init; }

    public SplitSpec? Split { get; init; }

    /// <summary>Column or property with gold labels (CSV, JSONL); null when the files have none. WRENCH always uses "label".</summary>
    public string? LabelField { get; init; }

    public string? IdField { get; init; }
}

public sealed record SplitSpec(double Valid = 0.1, double Test = 0.1, int Seed = 42);

public enum SynthesisMode
{
    OneStage,
    TwoStage,
    Retrieval,
}

public enum PriorKnowledgeKind
{
    Heuristics,
    Keywords,
    Descriptions,
    Examples,
}

public sealed record SynthesisSpec
{
    public const int DefaultPrograms = 10;

    public int Programs { get; init; } = DefaultPrograms;

    public SynthesisMode Mode { get; init; } = SynthesisMode.OneStage;

    /// <summary>Kinds of prior knowledge asked for in the first stage (two-stage and retrieval modes).</summary>
    public IReadOnlyList<PriorKnowledgeKind> PriorKnowledge { get; init; } = [PriorKnowledgeKind.Heuristics];

    /// <summary>The user's own documents for retrieval mode, relative to the project folder.</summary>
    public string? DocsFolder { get; init; }

    /// <summary>Whether real data rows may be put into prompts (fenced as data); off unless the user says so.</summary>
    public bool RowsInPrompts { get; init; }

    public const int DefaultFollowUpCalls = 2;

    /// <summary>
    /// At most this many extra LLM calls after the first programs, each asking for programs for the classes that are left
    /// without a program that beats the class's prior on valid. 0 turns follow-ups off.
    /// </summary>
    public int FollowUpCalls { get; init; } = DefaultFollowUpCalls;
}

/// <summary>How the run judges candidates on the valid split.</summary>
public sealed record EvaluationSpec
{
    public const EvaluationMetric DefaultMetric = EvaluationMetric.Accuracy;

    /// <summary>What every choice on valid maximises (the label model auto keeps, the final labels' source, the offline synthesizer's settings).</summary>
    public EvaluationMetric Metric { get; init; } = DefaultMetric;
}

public enum LlmProvider
{
    OpenAI,
    Anthropic,
    Exchange,
    Replay,
    Offline,
}

/// <summary>Stage names for per-stage models: the prior-knowledge call, the program call, and repair calls.</summary>
public static class LlmStages
{
    public const string Knowledge = "knowledge";
    public const string Program = "program";
    public const string Repair = "repair";

    public static readonly string[] All = [Knowledge, Program, Repair];
}

/// <summary>US dollars per million tokens of prompt (input) and reply (output): a price from the spec, or a list price.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal OutputPerMillion)
{
    public static ModelPrice Free { get; } = new(0m, 0m);

    public decimal Cost(int inputTokens, int outputTokens) =>
        ((inputTokens * InputPerMillion) + (outputTokens * OutputPerMillion)) / 1_000_000m;
}

/// <summary>
/// Which LLM writes programs. The API key itself never appears here: <see cref="ApiKeyEnv"/> names the environment variable
/// that holds it.
/// </summary>
public sealed record LlmSpec
{
    public LlmProvider Provider { get; init; } = LlmProvider.Offline;

    /// <summary>The model for every stage that <see cref="StageModels"/> does not name.</summary>
    public string? Model { get; init; }

    /// <summary>Per-stage models, keyed by <see cref="LlmStages"/> names.</summary>
    public IReadOnlyDictionary<string, string> StageModels { get; init; } = new Dictionary<string, string>();

    public string? BaseUrl { get; init; }

    public string? ApiKeyEnv { get; init; }

    public double? Temperature { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>Prices per model that override the built-in table, USD per million tokens.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Prices { get; init; } = new Dictionary<string, ModelPrice>();

    public decimal? SpendingCapUsd { get; init; }

    /// <summary>The model used for <paramref name="stage"/>: its own entry, else <see cref="Model"/>; null when neither is set.</summary>
    public string? ModelFor(string stage) => StageModels.TryGetValue(stage, out var model) ? model : Model;

    /// <summary>The environment variable with the key: the spec's, else the provider's usual one.</summary>
    public string? EffectiveApiKeyEnv => ApiKeyEnv ?? Provider switch
    {
        LlmProvider.OpenAI => "OPENAI_API_KEY",
        LlmProvider.Anthropic => "ANTHROPIC_API_KEY",
        _ => null,
    };
}

/// <summary>How labeling programs are run; every value is optional and null means the runtime's default.</summary>
public sealed record IsolationSpec
{
    /// <summary>process (killable worker processes) or none (in this process, trusted programs only).</summary>
    public string? Mode { get; init; }

    public int? Workers { get; init; }

    public int? WorkerMemoryMb { get; init; }

    public double? CpuSecondsPerBatch { get; init; }

    /// <summary>Largest program source the sandbox compiles, in KiB.</summary>
    public int? MaxSourceKib { get; init; }

    /// <summary>Deepest nesting of brackets, braces and generic arguments in a program's source.</summary>
    public int? MaxNesting { get; init; }

    /// <summary>Seconds the compiler process may spend on one program.</summary>
    public double? CompileSeconds { get; init; }

    /// <summary>Managed heap limit of the compiler process, in MiB.</summary>
    public int? CompileMemoryMb { get; init; }

    /// <summary>Programs written by an LLM may run in this process (mode none) only when this is true.</summary>
    public bool? TrustPrograms { get; init; }
}

/// <summary>Limits on one program call (one row); null means the runtime's default.</summary>
public sealed record BudgetSpec
{
    public long? StepsPerRow { get; init; }

    public double? MillisecondsPerRow { get; init; }

    public int? MemoryMbPerRow { get; init; }

    /// <summary>A program failing on more than this share of rows is disabled.</summary>
    public double? MaxFaultShare { get; init; }
}
