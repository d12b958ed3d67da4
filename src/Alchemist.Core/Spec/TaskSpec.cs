using Alchemist.Data;
using Alchemist.Evaluation;

namespace Alchemist.Spec;

/// <summary>
/// The task spec: what a project labels and how (the file <c>alchemist.yaml</c> in a project folder). Relative paths in
/// <see cref="Data"/> and <see cref="SynthesisSpec.DocsFolder"/> are relative to <see cref="ProjectDirectory"/>.
/// Load with <see cref="SpecReader"/>, save with <see cref="SpecWriter"/>, read the data with <see cref="SpecData"/>.
/// </summary>
public sealed record TaskSpec
{
    /// <summary>The spec's file name in a project folder.</summary>
    public const string FileName = "alchemist.yaml";

    /// <summary>The task's name (<c>name</c>), shown in reports and prompts.</summary>
    public required string Name { get; init; }

    /// <summary>What the task is (<c>description</c>), in words an LLM or a person writing programs can act on.</summary>
    public required string Description { get; init; }

    /// <summary>The fields of each row that programs read (<c>inputs</c>), in the order programs receive them.</summary>
    public required IReadOnlyList<InputField> Inputs { get; init; }

    /// <summary>The classes (<c>classes</c>), 2 to 127, in index order: class k is the label k.</summary>
    public required IReadOnlyList<ClassSpec> Classes { get; init; }

    /// <summary>Where the rows come from (<c>data</c>).</summary>
    public required DataSpec Data { get; init; }

    /// <summary>How programs are written (<c>synthesis</c>).</summary>
    public SynthesisSpec Synthesis { get; init; } = new();

    /// <summary>Which LLM writes programs, if any (<c>llm</c>); offline by default.</summary>
    public LlmSpec Llm { get; init; } = new();

    /// <summary>
    /// How programs are run (<c>isolation</c>); null when the spec has no such section, which means the defaults.
    /// </summary>
    public IsolationSpec? Isolation { get; init; }

    /// <summary>
    /// Per-row limits on programs (<c>budgets</c>); null when the spec has no such section, which means the defaults.
    /// </summary>
    public BudgetSpec? Budgets { get; init; }

    /// <summary>How candidates are judged on the valid split (<c>evaluation</c>).</summary>
    public EvaluationSpec Evaluation { get; init; } = new();

    /// <summary>How the end model is trained (<c>end_model:</c>).</summary>
    public EndModelSpec EndModel { get; init; } = new();

    /// <summary>
    /// How image inputs become numbers (<c>extractor</c>): the CLIP-style model and the concepts each image is scored
    /// against; null when the spec has no image input.
    /// </summary>
    public ExtractorSpec? Extractor { get; init; }

    /// <summary>
    /// The fields programs, the offline synthesizer and the end model read, in order: each text and number input as the spec
    /// lists it, and in place of an image input one number field per concept (<see cref="ExtractorSpec.ScoreField"/>), the
    /// image's score against that concept's prompt. The same as <see cref="Inputs"/> when there is no image input.
    /// </summary>
    public IReadOnlyList<InputField> ProgramInputs =>
        Inputs.SelectMany(input => input.Type != InputType.Image ? [input]
            : (Extractor?.Concepts ?? []).Select(c => new InputField(
                ExtractorSpec.ScoreField(c.Name),
                InputType.Number,
                $"how well image '{input.Name}' matches \"{Extractor!.PromptOf(c)}\" (CLIP-style cosine similarity x {Extractor.LogitScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}; NaN when the image could not be read)"
                + (Extractor.ScoreRanges.TryGetValue(ExtractorSpec.ScoreField(c.Name), out var range) ? "; " + range : string.Empty))))
        .ToArray();

    /// <summary>The spec's image input, if it has one (a spec has at most one).</summary>
    public InputField? ImageInput => Inputs.FirstOrDefault(i => i.Type == InputType.Image);

    /// <summary>The folder the spec was loaded from (or will be saved to); relative paths resolve against it.</summary>
    public string ProjectDirectory { get; init; } = ".";

    /// <summary>The file the spec was read from, for messages; the project's alchemist.yaml when built in code.</summary>
    public string? SpecFile { get; init; }

    /// <summary>Line of each key in the spec file, by dotted path (llm.provider, inputs[0].name); empty when built in code.</summary>
    public IReadOnlyDictionary<string, long> KeyLines { get; init; } = new Dictionary<string, long>();

    /// <summary>The classes' names in index order.</summary>
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

    /// <summary>The full path of <paramref name="path"/>, which may be relative to <see cref="ProjectDirectory"/>.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(Path.Combine(ProjectDirectory, path));
}

/// <summary>What an input field holds.</summary>
public enum InputType
{
    /// <summary>A string.</summary>
    Text,

    /// <summary>A number, read as a double; a missing value is NaN.</summary>
    Number,

    /// <summary>
    /// An image: the value is a file path, relative to the data file (or, in an image folder layout, the image itself).
    /// Programs never see it: they read its scores against the spec's concepts (<see cref="TaskSpec.ProgramInputs"/>).
    /// </summary>
    Image,
}

/// <summary>
/// A field of each row: text (a string), number (a double, e.g. an image concept score), or an image (a file path, read
/// through the extractor's concept scores).
/// </summary>
public sealed record InputField(string Name, InputType Type = InputType.Text, string? Description = null)
{
    /// <summary>How a program reads a field as a member of its row record: the name with its first letter upper-cased (C# convention).</summary>
    public static string PropertyName(string field) =>
        field.Length == 0 || char.IsUpper(field[0]) ? field : char.ToUpperInvariant(field[0]) + field[1..];
}

/// <summary>One class of the task.</summary>
/// <param name="Name">The class's name; names are unique, ignoring case.</param>
/// <param name="Description">What belongs in the class, for prompts and reports; null when not given.</param>
/// <param name="DataLabels">
/// The labels of the data files (names from <see cref="DataSpec.Classes"/>) whose rows are gold for this class
/// (<c>data_labels</c>); null takes the data label of the same name, if there is one. Written by <c>alchemist classes</c> when
/// the classes change after the data were labeled: a merged class takes both labels, a new class none.
/// </param>
public sealed record ClassSpec(string Name, string? Description = null, IReadOnlyList<string>? DataLabels = null);

/// <summary>
/// Where the rows come from: train (and optionally valid and test) files, or one <see cref="File"/> split by
/// <see cref="Split"/>. Fields named in the spec's inputs are read from each row; <see cref="LabelField"/> holds gold labels
/// (a class index or class name) where the files have them.
/// </summary>
public sealed record DataSpec
{
    /// <summary>wrench, csv, jsonl, parquet, or images (a folder with a subfolder of images per class).</summary>
    public required string Format { get; init; }

    /// <summary>
    /// The train file (<c>data.train</c>), relative to the project folder; null when the data come from one <see cref="File"/>.
    /// </summary>
    public string? Train { get; init; }

    /// <summary>
    /// The valid file (<c>data.valid</c>): labeled rows every choice is made on; null when absent or split from
    /// <see cref="File"/>.
    /// </summary>
    public string? Valid { get; init; }

    /// <summary>
    /// The test file (<c>data.test</c>): labeled rows only read to report figures; null when absent or split from
    /// <see cref="File"/>.
    /// </summary>
    public string? Test { get; init; }

    /// <summary>
    /// One file that <see cref="Split"/> divides into train, valid and test (<c>data.file</c>); null when <see cref="Train"/>
    /// is given.
    /// </summary>
    public string? File { get; init; }

    /// <summary>How <see cref="File"/> is divided (<c>data.split</c>); null with separate files.</summary>
    public SplitSpec? Split { get; init; }

    /// <summary>Column or property with gold labels (CSV, JSONL); null when the files have none. WRENCH always uses "label".</summary>
    public string? LabelField { get; init; }

    /// <summary>
    /// The classes as the data files label them, in their index order (<c>data.classes</c>); null when they are the spec's
    /// classes. <c>alchemist classes</c> sets it when it first changes the classes, so the gold labels keep their meaning:
    /// each spec class takes the data labels it names (<see cref="ClassSpec.DataLabels"/>), and a data label no class takes
    /// leaves its rows without gold.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Column or property with each row's id (<c>data.id_field</c>); null numbers rows by their position.</summary>
    public string? IdField { get; init; }

    /// <summary>
    /// Column or property with each row's group (<c>data.group_field</c>), such as a photo's background: programs never read
    /// it; the report, summary.json and <c>--json</c> give accuracy per group and the worst group's, and
    /// <c>evaluation.metric: worst_group</c> ranks the choices on valid by it. Null when the data have no groups.
    /// </summary>
    public string? GroupField { get; init; }

    /// <summary>
    /// What invalid UTF-8 in a data file does (<c>data.invalid_utf8</c>): an error naming the file and line (the default), or
    /// each invalid sequence read as U+FFFD, with the lines counted in the run's warnings and report.
    /// </summary>
    public InvalidUtf8 InvalidUtf8 { get; init; } = InvalidUtf8.Error;

    /// <summary>
    /// The most characters one text value of a row keeps (<c>data.max_field_chars</c>); a longer one does what
    /// <see cref="OversizedFields"/> says, and the run's warnings count them and name the first rows. Default
    /// <see cref="FieldLimit.DefaultMaxChars"/> (see there why).
    /// </summary>
    public int MaxFieldChars { get; init; } = FieldLimit.DefaultMaxChars;

    /// <summary>
    /// What a text value over <see cref="MaxFieldChars"/> does (<c>data.oversized_fields</c>): cut to the limit (the
    /// default), or its row rejected, so that every program abstains on it.
    /// </summary>
    public OversizedFieldPolicy OversizedFields { get; init; } = OversizedFieldPolicy.Truncate;

    /// <summary><see cref="MaxFieldChars"/> and <see cref="OversizedFields"/> together.</summary>
    public FieldLimit FieldLimit => new(MaxFieldChars, OversizedFields);
}

/// <summary>What invalid UTF-8 in a data file does (<c>data.invalid_utf8</c>).</summary>
public enum InvalidUtf8
{
    /// <summary>An error that names the file and line (<c>error</c>).</summary>
    Error,

    /// <summary>Each invalid sequence reads as U+FFFD, and the lines are counted in the report (<c>replace</c>).</summary>
    Replace,
}

/// <summary>How one data file is divided into splits by a seeded hash of each row's position (<c>data.split</c>).</summary>
/// <param name="Valid">Share of rows for valid, 0 to 0.9.</param>
/// <param name="Test">Share of rows for test, 0 to 0.9; with <paramref name="Valid"/> under 1.</param>
/// <param name="Seed">Seed of the hash: the same seed gives the same split on every run.</param>
public sealed record SplitSpec(double Valid = 0.1, double Test = 0.1, int Seed = 42);

/// <summary>How the LLM is asked for programs (<c>synthesis.mode</c>).</summary>
public enum SynthesisMode
{
    /// <summary>One call per program asks for the program directly (<c>one-stage</c>).</summary>
    OneStage,

    /// <summary>
    /// A first call asks for prior knowledge of a kind in <see cref="SynthesisSpec.PriorKnowledge"/>, a second for a program
    /// that uses it (<c>two-stage</c>).
    /// </summary>
    TwoStage,

    /// <summary>
    /// As two-stage, with passages retrieved from the user's documents in <see cref="SynthesisSpec.DocsFolder"/>
    /// (<c>retrieval</c>).
    /// </summary>
    Retrieval,
}

/// <summary>
/// What the first stage of two-stage and retrieval synthesis asks the LLM for (<c>synthesis.prior_knowledge</c>).
/// </summary>
public enum PriorKnowledgeKind
{
    /// <summary>Labeling heuristics, rules and guidance.</summary>
    Heuristics,

    /// <summary>Keywords and phrases typical of each class.</summary>
    Keywords,

    /// <summary>A description of the data and of each class.</summary>
    Descriptions,

    /// <summary>Made-up example inputs for each class.</summary>
    Examples,
}

/// <summary>How programs are written (<c>synthesis</c>).</summary>
public sealed record SynthesisSpec
{
    /// <summary>Programs asked for when the spec does not say.</summary>
    public const int DefaultPrograms = 10;

    /// <summary>How many programs to ask the LLM for (<c>synthesis.programs</c>), 1 to 1000; one call each.</summary>
    public int Programs { get; init; } = DefaultPrograms;

    /// <summary>How the LLM is asked (<c>synthesis.mode</c>).</summary>
    public SynthesisMode Mode { get; init; } = SynthesisMode.OneStage;

    /// <summary>Kinds of prior knowledge asked for in the first stage (two-stage and retrieval modes).</summary>
    public IReadOnlyList<PriorKnowledgeKind> PriorKnowledge { get; init; } = [PriorKnowledgeKind.Heuristics];

    /// <summary>The user's own documents for retrieval mode, relative to the project folder.</summary>
    public string? DocsFolder { get; init; }

    /// <summary>Whether real data rows may be put into prompts (fenced as data); off unless the user says so.</summary>
    public bool RowsInPrompts { get; init; }

    internal const int DefaultFollowUpCalls = 2;

    /// <summary>
    /// At most this many extra LLM calls after the first programs, each asking for programs for the classes that are left
    /// without a program that beats the class's prior on valid. 0 turns follow-ups off.
    /// </summary>
    public int FollowUpCalls { get; init; } = DefaultFollowUpCalls;
}

/// <summary>How the run judges candidates on the valid split.</summary>
public sealed record EvaluationSpec
{
    /// <summary>The metric when the spec does not say: accuracy.</summary>
    public const EvaluationMetric DefaultMetric = EvaluationMetric.Accuracy;

    /// <summary>What every choice on valid maximises (the label model auto keeps, the final labels' source, the offline synthesizer's settings).</summary>
    public EvaluationMetric Metric { get; init; } = DefaultMetric;
}

/// <summary>How the end model is trained (<c>end_model:</c>).</summary>
public sealed record EndModelSpec
{
    /// <summary>
    /// The default of <see cref="TrainSampleRows"/>. The benchmarks' train splits (1,586 to 5,005 rows) sit far below it, so
    /// their end models see every row. At 100,000 generated rows the end model and its five cross-fit models took 43 s of an
    /// 89 s run on 2 cores, growing with the rows; a bounded sample keeps everything after the apply to the end model's
    /// fixed cost plus one streamed labeling pass.
    /// </summary>
    public const int DefaultTrainSampleRows = 50_000;

    /// <summary>
    /// At most this many train rows are read into memory for the stages that learn from train rows (the end model and the
    /// cross-fits on valid): all of them when train has no more, else a sample stratified by the label model's class (and
    /// the rows no program voted on), drawn the same way every run. The label model still fits on every row's votes, and
    /// every row is labeled.
    /// </summary>
    public int TrainSampleRows { get; init; } = DefaultTrainSampleRows;
}

/// <summary>Who answers the LLM calls (<c>llm.provider</c>).</summary>
public enum LlmProvider
{
    /// <summary>OpenAI's API, or any OpenAI-compatible server at <see cref="LlmSpec.BaseUrl"/> (<c>openai</c>).</summary>
    OpenAI,

    /// <summary>Anthropic's API (<c>anthropic</c>).</summary>
    Anthropic,

    /// <summary>
    /// Prompts written to files in the project's exchange folder, for a person or another tool to answer (<c>exchange</c>).
    /// </summary>
    Exchange,

    /// <summary>Answers from the cache of earlier calls only (<c>replay</c>).</summary>
    Replay,

    /// <summary>No LLM: the offline synthesizer writes programs from the valid split's labeled rows (<c>offline</c>).</summary>
    Offline,
}

/// <summary>Stage names for per-stage models: the prior-knowledge call, the program call, and repair calls.</summary>
public static class LlmStages
{
    /// <summary>The first-stage call that asks for prior knowledge.</summary>
    public const string Knowledge = "knowledge";
    /// <summary>The call that asks for a program.</summary>
    public const string Program = "program";
    /// <summary>A call that sends a failed program back to be repaired.</summary>
    public const string Repair = "repair";

    internal static readonly string[] All = [Knowledge, Program, Repair];
}

/// <summary>US dollars per million tokens of prompt (input) and reply (output): a price from the spec, or a list price.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal OutputPerMillion)
{
    /// <summary>No cost: local models, and calls a person answers through the exchange folder.</summary>
    public static ModelPrice Free { get; } = new(0m, 0m);

    /// <summary>The cost in US dollars of one call with these token counts.</summary>
    public decimal Cost(int inputTokens, int outputTokens) =>
        ((inputTokens * InputPerMillion) + (outputTokens * OutputPerMillion)) / 1_000_000m;
}

/// <summary>
/// Which LLM writes programs. The API key itself never appears here: <see cref="ApiKeyEnv"/> names the environment variable
/// that holds it.
/// </summary>
public sealed record LlmSpec
{
    /// <summary>Who answers the calls (<c>llm.provider</c>); offline by default.</summary>
    public LlmProvider Provider { get; init; } = LlmProvider.Offline;

    /// <summary>The model for every stage that <see cref="StageModels"/> does not name.</summary>
    public string? Model { get; init; }

    /// <summary>Per-stage models, keyed by <see cref="LlmStages"/> names.</summary>
    public IReadOnlyDictionary<string, string> StageModels { get; init; } = new Dictionary<string, string>();

    /// <summary>The http(s) address of an OpenAI-compatible server (<c>llm.base_url</c>); null uses the provider's own.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>
    /// The name of the environment variable holding the API key (<c>llm.api_key_env</c>), never the key; null uses the
    /// provider's usual one (<see cref="EffectiveApiKeyEnv"/>).
    /// </summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>
    /// Sampling temperature, 0 to 2 (<c>llm.temperature</c>); null uses 1.0 for one-stage synthesis and 0.7 otherwise.
    /// </summary>
    public double? Temperature { get; init; }

    /// <summary>Most tokens one reply may have (<c>llm.max_tokens</c>); null uses the synthesizer's default.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Prices per model that override the built-in table, USD per million tokens.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Prices { get; init; } = new Dictionary<string, ModelPrice>();

    /// <summary>
    /// The most the project's LLM calls may cost in all, in US dollars, counting the whole ledger
    /// (<c>llm.spending_cap_usd</c>); a call that could pass it is refused. Null sets no cap.
    /// </summary>
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

    /// <summary>Worker processes running programs (<c>isolation.workers</c>), 1 to 1024; null runs one per core.</summary>
    public int? Workers { get; init; }

    /// <summary>
    /// Managed heap cap of each worker process in MiB (<c>isolation.worker_memory_mb</c>), at least 32; null means 512.
    /// </summary>
    public int? WorkerMemoryMb { get; init; }

    /// <summary>
    /// CPU seconds a program may use on one batch before its worker is killed and the program disabled
    /// (<c>isolation.cpu_seconds_per_batch</c>); null means 10.
    /// </summary>
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
    /// <summary>
    /// Loop iterations and calls a program may make on one row (<c>budgets.steps_per_row</c>), at least 1,000; null means 50
    /// million.
    /// </summary>
    public long? StepsPerRow { get; init; }

    /// <summary>
    /// Wall-clock milliseconds a program may take on one row (<c>budgets.milliseconds_per_row</c>); null means 1,000.
    /// </summary>
    public double? MillisecondsPerRow { get; init; }

    /// <summary>MiB a program may allocate on one row (<c>budgets.memory_mb_per_row</c>); null means 256.</summary>
    public int? MemoryMbPerRow { get; init; }

    /// <summary>A program failing on more than this share of rows is disabled.</summary>
    public double? MaxFaultShare { get; init; }
}

/// <summary>
/// How image inputs become the numbers programs read (<c>extractor</c>): a CLIP-style pair of ONNX encoders scores each image
/// against each concept's prompt. Paths are relative to the project folder. See docs/images.md for exporting CLIP ViT-B/32.
/// </summary>
public sealed record ExtractorSpec
{
    /// <summary>The prompt template when the spec does not say: CLIP's own.</summary>
    public const string DefaultPrompt = "a photo of {concept}.";

    /// <summary>CLIP's learned logit scale after training, exp(4.6052): the factor on every cosine similarity.</summary>
    public const double DefaultLogitScale = 100;

    /// <summary>Images per encoder call when the spec does not say.</summary>
    public const int DefaultBatchSize = 32;

    /// <summary>The image encoder (<c>extractor.image_encoder</c>): an ONNX model from pixel values [n, 3, h, w] to embeddings [n, d].</summary>
    public required string ImageEncoder { get; init; }

    /// <summary>The text encoder (<c>extractor.text_encoder</c>): an ONNX model from token ids [n, l] (and an optional attention mask) to embeddings [n, d].</summary>
    public required string TextEncoder { get; init; }

    /// <summary>The tokenizer's vocabulary (<c>extractor.vocabulary</c>): CLIP's vocab.json, token to id.</summary>
    public required string Vocabulary { get; init; }

    /// <summary>The tokenizer's merges (<c>extractor.merges</c>): CLIP's merges.txt, one byte-pair merge a line, by rank.</summary>
    public required string Merges { get; init; }

    /// <summary>
    /// How a concept becomes the text the text encoder reads (<c>extractor.prompt</c>), with <c>{concept}</c> standing for
    /// the concept's description; a concept with a prompt of its own uses that instead.
    /// </summary>
    public string Prompt { get; init; } = DefaultPrompt;

    /// <summary>The factor on each cosine similarity (<c>extractor.logit_scale</c>), as CLIP scales its logits.</summary>
    public double LogitScale { get; init; } = DefaultLogitScale;

    /// <summary>Images per encoder call (<c>extractor.batch_size</c>), 1 to 4096.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>
    /// Whether the end model also reads each image's embedding (<c>extractor.end_model_embeddings</c>), one number feature
    /// per dimension (<see cref="EmbeddingPrefix"/>0, 1, ...), beside the scores; programs never see them. Off by default:
    /// CLIP ViT-B/32's 512 dimensions are 4 KB a row in memory.
    /// </summary>
    public bool EndModelEmbeddings { get; init; }

    /// <summary>The start of the embedding features' names: image_embedding_0, image_embedding_1, ...</summary>
    public const string EmbeddingPrefix = "image_embedding_";

    /// <summary>
    /// The visual concepts every image is scored against (<c>extractor.concepts</c>), each a number field
    /// <c>NAME_score</c> for programs; written by the LLM's concept step or by a person, and edited freely.
    /// </summary>
    public IReadOnlyList<ConceptSpec> Concepts { get; init; } = [];

    /// <summary>
    /// Each score field's range on the valid split, in words (the run fills it in after extracting; never in the spec file):
    /// prompts show it beside the field, so that the LLM's thresholds are on the scores' own scale.
    /// </summary>
    public IReadOnlyDictionary<string, string> ScoreRanges { get; init; } = new Dictionary<string, string>();

    /// <summary>The number field that holds an image's score against the concept <paramref name="concept"/>.</summary>
    public static string ScoreField(string concept) => concept + "_score";

    /// <summary>
    /// The input a concept's score field would clash with: one of its name, or one programs would read as the same member
    /// (<see cref="InputField.PropertyName"/>: <c>Sharp_score</c> and <c>sharp_score</c> are both <c>row.Sharp_score</c>); null when none.
    /// </summary>
    public static InputField? ClashingInput(TaskSpec spec, ConceptSpec concept)
    {
        var field = ScoreField(concept.Name);
        return spec.Inputs.FirstOrDefault(i => i.Name == field || InputField.PropertyName(i.Name) == InputField.PropertyName(field));
    }

    /// <summary>The text the text encoder reads for <paramref name="concept"/>.</summary>
    public string PromptOf(ConceptSpec concept) =>
        concept.Prompt ?? Prompt.Replace("{concept}", concept.Description ?? concept.Name.Replace('_', ' '), StringComparison.Ordinal);
}

/// <summary>A visual concept that tells classes apart, such as webbed feet.</summary>
/// <param name="Name">A lower-case identifier (letters, digits, underscores), unique; its score field is <c>NAME_score</c>.</param>
/// <param name="Description">What to look for, in words; null reads the name with spaces for underscores.</param>
/// <param name="Prompt">The whole text for the text encoder, instead of the spec's template; null uses the template.</param>
public sealed record ConceptSpec(string Name, string? Description = null, string? Prompt = null);
