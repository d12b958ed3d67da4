using System.Text.RegularExpressions;
using Alchemist.Data;
using Alchemist.Evaluation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alchemist.Spec;

/// <summary>Reads <c>alchemist.yaml</c>. Every problem is a <see cref="SpecException"/> naming the file, line and key.</summary>
public static partial class SpecReader
{
    internal static readonly string[] Formats = ["wrench", "csv", "jsonl", "parquet", "images"];

    /// <summary>The values data.format may take.</summary>
    public static IReadOnlyList<string> DataFormats => Formats;

    internal static readonly IReadOnlyDictionary<string, InputType> InputTypes = new Dictionary<string, InputType>
    {
        ["text"] = InputType.Text,
        ["number"] = InputType.Number,
        ["image"] = InputType.Image,
    };

    internal static readonly IReadOnlyDictionary<string, SynthesisMode> Modes = new Dictionary<string, SynthesisMode>
    {
        ["one-stage"] = SynthesisMode.OneStage,
        ["two-stage"] = SynthesisMode.TwoStage,
        ["retrieval"] = SynthesisMode.Retrieval,
    };

    internal static readonly IReadOnlyDictionary<string, PriorKnowledgeKind> PriorKnowledgeKinds = new Dictionary<string, PriorKnowledgeKind>
    {
        ["heuristics"] = PriorKnowledgeKind.Heuristics,
        ["keywords"] = PriorKnowledgeKind.Keywords,
        ["descriptions"] = PriorKnowledgeKind.Descriptions,
        ["examples"] = PriorKnowledgeKind.Examples,
    };

    internal static readonly IReadOnlyDictionary<string, LlmProvider> Providers = new Dictionary<string, LlmProvider>
    {
        ["openai"] = LlmProvider.OpenAI,
        ["anthropic"] = LlmProvider.Anthropic,
        ["exchange"] = LlmProvider.Exchange,
        ["replay"] = LlmProvider.Replay,
        ["offline"] = LlmProvider.Offline,
    };

    internal static readonly string[] IsolationModes = ["process", "none"];

    /// <summary>Loads a spec from a project folder (its alchemist.yaml) or from a spec file.</summary>
    public static TaskSpec Load(string folderOrFile)
    {
        var file = Directory.Exists(folderOrFile) ? Path.Combine(folderOrFile, TaskSpec.FileName) : folderOrFile;
        if (!File.Exists(file))
        {
            throw new SpecException(file, null, null, Directory.Exists(folderOrFile)
                ? $"no {TaskSpec.FileName} in this project folder (create one with `alchemist init`)"
                : Path.GetExtension(folderOrFile).ToLowerInvariant() is ".yaml" or ".yml" ? "spec file not found" : "no such project folder (create one with `alchemist init`)");
        }

        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return Parse(File.ReadAllText(file), file, projectDirectory);
    }

    /// <summary>Parses spec text; <paramref name="file"/> is only used in messages.</summary>
    public static TaskSpec Parse(string yaml, string file, string projectDirectory)
    {
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new SpecException(file, e.Start.Line, null, $"not valid YAML: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this for some malformed input; the last event it parsed tells where.
            throw new SpecException(file, parser.LastLine, null, "not valid YAML (check brackets, quotes and indentation at or after this line)", e);
        }

        if (stream.Documents.Count != 1)
        {
            throw new SpecException(file, null, null, stream.Documents.Count == 0 ? "the file is empty" : "expected one YAML document");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SpecException(file, stream.Documents[0].RootNode.Start.Line, null, "expected a mapping of keys at the top level");
        }

        var lines = new Dictionary<string, long>(StringComparer.Ordinal);
        var top = new YamlMap(file, string.Empty, root, lines);
        var spec = new TaskSpec
        {
            Name = top.RequiredString("name"),
            Description = top.RequiredString("description"),
            Inputs = ReadInputs(top),
            Classes = ReadClasses(top),
            Data = ReadData(top.RequiredMap("data")),
            Synthesis = top.OptionalMap("synthesis") is { } synthesis ? ReadSynthesis(synthesis) : new SynthesisSpec(),
            Llm = top.OptionalMap("llm") is { } llm ? ReadLlm(llm) : new LlmSpec(),
            Isolation = top.OptionalMap("isolation") is { } isolation ? ReadIsolation(isolation) : null,
            Budgets = top.OptionalMap("budgets") is { } budgets ? ReadBudgets(budgets) : null,
            Evaluation = top.OptionalMap("evaluation") is { } evaluation ? ReadEvaluation(evaluation) : new EvaluationSpec(),
            EndModel = top.OptionalMap("end_model") is { } endModel ? ReadEndModel(endModel) : new EndModelSpec(),
            Extractor = top.OptionalMap("extractor") is { } extractor ? ReadExtractor(extractor) : null,
            ProjectDirectory = projectDirectory,
            SpecFile = file,
            KeyLines = lines,
        };
        top.RejectUnknownKeys();
        CheckImageInputs(spec, top);

        // Checked here so that a wrong data_labels is named before any data is read.
        _ = ClassMapping.Of(spec);
        return spec;
    }

    private static List<InputField> ReadInputs(YamlMap top)
    {
        var items = top.OptionalList("inputs") ?? throw top.Missing("inputs", "list the fields each row has (name, type text or number, description)");
        var inputs = new List<InputField>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = Item(top, "inputs", i, items[i]);
            var input = new InputField(
                item.RequiredString("name"),
                item.OptionalChoice("type", InputTypes) ?? InputType.Text,
                item.OptionalString("description"));
            item.RejectUnknownKeys();
            if (inputs.Any(x => x.Name == input.Name))
            {
                throw item.Error("name", $"input '{input.Name}' is listed twice");
            }

            inputs.Add(input);
        }

        return inputs.Count > 0 ? inputs : throw top.Error("inputs", "needs at least one input field");
    }

    private static List<ClassSpec> ReadClasses(YamlMap top)
    {
        var items = top.OptionalList("classes") ?? throw top.Missing("classes", "list the classes (name, description)");
        var classes = new List<ClassSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            ClassSpec entry;
            if (items[i] is YamlScalarNode { Value: { Length: > 0 } plain })
            {
                entry = new ClassSpec(plain.Trim());
            }
            else
            {
                var item = Item(top, "classes", i, items[i]);
                entry = new ClassSpec(item.RequiredString("name"), item.OptionalString("description"), StringList(item, "data_labels"));
                item.RejectUnknownKeys();
            }

            // Class names go into prompts and program comments, where a line break would end the comment.
            if (entry.Name.Any(char.IsControl) || entry.Name.Any(c => c is '\u2028' or '\u2029'))
            {
                throw new SpecException(top.File, items[i].Start.Line, $"classes[{i}]", "a class name may not hold a line break or another control character");
            }

            if (classes.Any(c => string.Equals(c.Name, entry.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new SpecException(top.File, items[i].Start.Line, $"classes[{i}]", $"class '{entry.Name}' is listed twice");
            }

            classes.Add(entry);
        }

        return classes.Count switch
        {
            1 when items[0] is YamlScalarNode && classes[0].Name.Contains(',', StringComparison.Ordinal)
                => throw top.Error("classes", $"'{classes[0].Name}' is one class; list each class on its own line ('- name: ...' or '- ...')"),
            < 2 => throw top.Error("classes", $"needs at least two classes, found {classes.Count}"),
            > sbyte.MaxValue => throw top.Error("classes", $"at most {sbyte.MaxValue} classes are supported"),
            _ => classes,
        };
    }

    private static DataSpec ReadData(YamlMap map)
    {
        var train = map.OptionalString("train");
        var file = map.OptionalString("file");
        var format = map.OptionalWord("format", Formats) ?? GuessFormat(map, train ?? file);
        SplitSpec? split = null;
        if (map.OptionalMap("split") is { } splitMap)
        {
            split = new SplitSpec(
                splitMap.OptionalDouble("valid", 0, 0.9) ?? 0.1,
                splitMap.OptionalDouble("test", 0, 0.9) ?? 0.1,
                splitMap.OptionalInt("seed", int.MinValue, int.MaxValue) ?? 42);
            splitMap.RejectUnknownKeys();
            if (split.Valid + split.Test >= 1)
            {
                throw map.Error("split", "valid and test fractions leave no rows for train");
            }
        }

        var data = new DataSpec
        {
            Format = format,
            Train = train,
            Valid = map.OptionalString("valid"),
            Test = map.OptionalString("test"),
            File = file,
            Split = split,
            LabelField = map.OptionalString("label_field"),
            IdField = map.OptionalString("id_field"),
            GroupField = map.OptionalString("group_field"),
            Classes = StringList(map, "classes"),
            InvalidUtf8 = map.OptionalString("invalid_utf8") switch
            {
                null or "error" => InvalidUtf8.Error,
                "replace" => InvalidUtf8.Replace,
                var other => throw map.Error("invalid_utf8", $"'{other}' is not error or replace"),
            },
            MaxFieldChars = map.OptionalInt("max_field_chars", 1, int.MaxValue) ?? FieldLimit.DefaultMaxChars,
            OversizedFields = map.OptionalString("oversized_fields") switch
            {
                null or "truncate" => OversizedFieldPolicy.Truncate,
                "reject" => OversizedFieldPolicy.Reject,
                var other => throw map.Error("oversized_fields", $"'{other}' is not truncate or reject"),
            },
        };
        map.RejectUnknownKeys();

        if (data.File is not null && data.Train is not null)
        {
            throw map.Error("file", "give either 'file' (one file, split by 'split') or 'train' (with optional 'valid' and 'test'), not both");
        }

        if (data.File is null && data.Train is null)
        {
            throw map.Missing("train", "name the train file, or one 'file' plus 'split'");
        }

        if (data.File is null && data.Split is not null)
        {
            throw map.Error("split", "'split' divides one 'file'; with separate train/valid/test files leave it out");
        }

        if (data.File is not null && (data.Valid ?? data.Test) is not null)
        {
            throw map.Error(data.Valid is not null ? "valid" : "test", "with one 'file', valid and test rows come from 'split'");
        }

        foreach (var (key, path) in new[] { ("train", data.Train), ("valid", data.Valid), ("test", data.Test), ("file", data.File) })
        {
            // Only a text/JSON clash is refused: JSON Lines saved as .json is common, but a .jsonl read as CSV fails with a
            // baffling quoting error.
            if (FormatOfExtension(path) is { } implied && (implied == "csv") != (data.Format == "csv"))
            {
                throw map.Error(key, $"'{path}' looks like {implied} but data.format is {data.Format}; every file of a project has the one format");
            }
        }

        if (data.GroupField is not null && data.Format is "wrench" or "images")
        {
            throw map.Error("group_field", $"{data.Format} data have no group column; groups come from a CSV, JSONL or Parquet field");
        }

        if (data.Format == "wrench" && data.LabelField is not null && data.LabelField != "label")
        {
            throw map.Error("label_field", "WRENCH files keep gold labels in 'label'; leave label_field out");
        }

        return data.File is not null && data.Split is null ? data with { Split = new SplitSpec() } : data;
    }

    /// <summary>A list of non-empty names (a single scalar is a one-name list); null when the key is absent.</summary>
    private static List<string>? StringList(YamlMap map, string key)
    {
        if (map.OptionalList(key) is not { } items)
        {
            return null;
        }

        var names = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not YamlScalarNode { Value: { } value } || value.Trim().Length == 0)
            {
                throw new SpecException(map.File, items[i].Start.Line, map.Qualify($"{key}[{i}]"), $"expected a name, found a {YamlMap.Describe(items[i])}");
            }

            names.Add(value.Trim());
        }

        return names;
    }

    private static string GuessFormat(YamlMap map, string? path) =>
        FormatOfExtension(path) ?? throw map.Missing("format", $"say wrench, csv, jsonl, parquet or images (cannot tell from '{path}')");

    private static string? FormatOfExtension(string? path) =>
        Path.GetExtension(path ?? string.Empty).ToLowerInvariant() switch
        {
            ".json" => "wrench",
            ".csv" or ".tsv" => "csv",
            ".jsonl" or ".ndjson" => "jsonl",
            ".parquet" => "parquet",
            _ => null,
        };

    private static SynthesisSpec ReadSynthesis(YamlMap map)
    {
        var defaults = new SynthesisSpec();
        var kinds = new List<PriorKnowledgeKind>();
        if (map.OptionalList("prior_knowledge") is { } items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                var text = (items[i] as YamlScalarNode)?.Value?.Trim().ToLowerInvariant() ?? string.Empty;
                if (!PriorKnowledgeKinds.TryGetValue(text, out var kind))
                {
                    throw new SpecException(map.File, items[i].Start.Line, map.Qualify($"prior_knowledge[{i}]"), $"'{text}' is not one of {string.Join(", ", PriorKnowledgeKinds.Keys)}");
                }

                if (!kinds.Contains(kind))
                {
                    kinds.Add(kind);
                }
            }
        }

        var spec = new SynthesisSpec
        {
            Programs = map.OptionalInt("programs", 1, 1000) ?? defaults.Programs,
            Mode = map.OptionalChoice("mode", Modes) ?? defaults.Mode,
            PriorKnowledge = kinds.Count > 0 ? kinds : defaults.PriorKnowledge,
            DocsFolder = map.OptionalString("docs"),
            RowsInPrompts = map.OptionalBool("rows_in_prompts") ?? false,
            FollowUpCalls = map.OptionalInt("follow_up_calls", 0, 100) ?? defaults.FollowUpCalls,
        };
        map.RejectUnknownKeys();
        if (spec.Mode == SynthesisMode.Retrieval && spec.DocsFolder is null)
        {
            throw new SpecException(map.File, map.LineOf("mode"), map.Qualify("docs"), "retrieval mode needs a documents folder to retrieve from");
        }

        return spec;
    }

    private static LlmSpec ReadLlm(YamlMap map)
    {
        if (map.Has("api_key"))
        {
            throw map.Error("api_key", "API keys never go in the spec; put the key in an environment variable and name that variable with api_key_env");
        }

        var stageModels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map.OptionalMap("models") is { } models)
        {
            foreach (var stage in LlmStages.All)
            {
                if (models.OptionalString(stage) is { } model)
                {
                    stageModels[stage] = model;
                }
            }

            models.RejectUnknownKeys();
        }

        var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        if (map.OptionalMap("prices") is { } priceMap)
        {
            foreach (var (model, value, line) in priceMap.Entries())
            {
                if (value is not YamlMappingNode entry)
                {
                    throw new SpecException(map.File, line, priceMap.Qualify(model), "expected input and output prices (USD per million tokens)");
                }

                var price = new YamlMap(map.File, priceMap.Qualify(model), entry, map.Lines);
                prices[model] = new ModelPrice(
                    price.OptionalDecimal("input", 0) ?? throw new SpecException(map.File, line, price.Qualify("input"), "required key is missing (USD per million input tokens)"),
                    price.OptionalDecimal("output", 0) ?? throw new SpecException(map.File, line, price.Qualify("output"), "required key is missing (USD per million output tokens)"));
                price.RejectUnknownKeys();
                priceMap.Known(model);
            }
        }

        var spec = new LlmSpec
        {
            Provider = map.OptionalChoice("provider", Providers) ?? throw map.Missing("provider", $"one of {string.Join(", ", Providers.Keys)}"),
            Model = map.OptionalString("model"),
            StageModels = stageModels,
            BaseUrl = map.OptionalString("base_url"),
            ApiKeyEnv = map.OptionalString("api_key_env"),
            Temperature = map.OptionalDouble("temperature", 0, 2),
            MaxTokens = map.OptionalInt("max_tokens", 1, 1_000_000),
            Prices = prices,
            SpendingCapUsd = map.OptionalDecimal("spending_cap_usd", 0),
        };
        map.RejectUnknownKeys();

        if (spec.BaseUrl is not null && (!Uri.TryCreate(spec.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw map.Error("base_url", $"'{spec.BaseUrl}' is not an http(s) URL");
        }

        if (spec.ApiKeyEnv is not null && !EnvironmentVariableName().IsMatch(spec.ApiKeyEnv))
        {
            throw map.Error("api_key_env", "must be the NAME of an environment variable (letters, digits, underscores), not the key itself");
        }

        if (spec.Provider is LlmProvider.OpenAI or LlmProvider.Anthropic && spec.ModelFor(LlmStages.Program) is null)
        {
            throw new SpecException(map.File, map.LineOf("provider"), map.Qualify("model"), $"required for provider {map.OptionalString("provider")}: the model that writes programs");
        }

        return spec;
    }

    private static IsolationSpec ReadIsolation(YamlMap map)
    {
        var spec = new IsolationSpec
        {
            Mode = map.OptionalWord("mode", IsolationModes),
            Workers = map.OptionalInt("workers", 1, 1024),
            WorkerMemoryMb = map.OptionalInt("worker_memory_mb", 32, 1 << 20),
            CpuSecondsPerBatch = map.OptionalDouble("cpu_seconds_per_batch", 0.001, 86_400),
            MaxSourceKib = map.OptionalInt("max_source_kib", 1, 1 << 20),
            MaxNesting = map.OptionalInt("max_nesting", 8, 100_000),
            CompileSeconds = map.OptionalDouble("compile_seconds", 0.1, 86_400),
            CompileMemoryMb = map.OptionalInt("compile_memory_mb", 128, 1 << 20),
            TrustPrograms = map.OptionalBool("trust_programs"),
        };
        map.RejectUnknownKeys();
        return spec;
    }

    internal static readonly IReadOnlyDictionary<string, EvaluationMetric> Metrics =
        Enum.GetValues<EvaluationMetric>().ToDictionary(m => m.SpecName(), m => m);

    private static EvaluationSpec ReadEvaluation(YamlMap map)
    {
        var spec = new EvaluationSpec { Metric = map.OptionalChoice("metric", Metrics) ?? EvaluationSpec.DefaultMetric };
        map.RejectUnknownKeys();
        return spec;
    }

    private static EndModelSpec ReadEndModel(YamlMap map)
    {
        // Below a few hundred rows per class the sample would starve the end model; 1,000 is the floor.
        var spec = new EndModelSpec { TrainSampleRows = map.OptionalInt("train_sample_rows", 1_000, int.MaxValue) ?? EndModelSpec.DefaultTrainSampleRows };
        map.RejectUnknownKeys();
        return spec;
    }

    private static BudgetSpec ReadBudgets(YamlMap map)
    {
        var spec = new BudgetSpec
        {
            StepsPerRow = map.OptionalLong("steps_per_row", 1_000, long.MaxValue),
            MillisecondsPerRow = map.OptionalDouble("milliseconds_per_row", 0.001, 3_600_000),
            MemoryMbPerRow = map.OptionalInt("memory_mb_per_row", 1, 1 << 20),
            MaxFaultShare = map.OptionalDouble("max_fault_share", 0, 1),
        };
        map.RejectUnknownKeys();
        return spec;
    }

    private static ExtractorSpec ReadExtractor(YamlMap map)
    {
        var concepts = new List<ConceptSpec>();
        var items = map.OptionalList("concepts") ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            ConceptSpec concept;
            if (items[i] is YamlScalarNode { Value: { Length: > 0 } plain })
            {
                concept = new ConceptSpec(plain.Trim());
            }
            else
            {
                var item = Item(map, "concepts", i, items[i]);
                concept = new ConceptSpec(item.RequiredString("name"), item.OptionalString("description"), item.OptionalString("prompt"));
                item.RejectUnknownKeys();
            }

            if (!ConceptName().IsMatch(concept.Name))
            {
                throw new SpecException(map.File, items[i].Start.Line, map.Qualify($"concepts[{i}]"), $"'{concept.Name}' is not a concept name: lower-case letters, digits and underscores, starting with a letter (its score field is NAME_score)");
            }

            if (concepts.Any(c => c.Name == concept.Name))
            {
                throw new SpecException(map.File, items[i].Start.Line, map.Qualify($"concepts[{i}]"), $"concept '{concept.Name}' is listed twice");
            }

            concepts.Add(concept);
        }

        var spec = new ExtractorSpec
        {
            ImageEncoder = map.RequiredString("image_encoder"),
            TextEncoder = map.RequiredString("text_encoder"),
            Vocabulary = map.RequiredString("vocabulary"),
            Merges = map.RequiredString("merges"),
            Prompt = map.OptionalString("prompt") ?? ExtractorSpec.DefaultPrompt,
            LogitScale = map.OptionalDouble("logit_scale", 1e-6, 1e6) ?? ExtractorSpec.DefaultLogitScale,
            BatchSize = map.OptionalInt("batch_size", 1, 4096) ?? ExtractorSpec.DefaultBatchSize,
            EndModelEmbeddings = map.OptionalBool("end_model_embeddings") ?? false,
            Concepts = concepts,
        };
        map.RejectUnknownKeys();
        if (!spec.Prompt.Contains("{concept}", StringComparison.Ordinal))
        {
            throw map.Error("prompt", "the template needs {concept} where each concept's description goes");
        }

        return spec;
    }

    /// <summary>An image input needs the extractor (and a spec has one at most); score fields may not shadow other inputs.</summary>
    private static void CheckImageInputs(TaskSpec spec, YamlMap top)
    {
        var images = spec.Inputs.Where(i => i.Type == InputType.Image).ToList();
        if (images.Count > 1)
        {
            throw spec.Error("inputs", $"one image input is supported; this spec has {string.Join(", ", images.Select(i => i.Name))}");
        }

        if (images.Count == 1 && spec.Extractor is null)
        {
            throw top.Missing("extractor", $"image input '{images[0].Name}' needs an extractor: image_encoder, text_encoder, vocabulary, merges and concepts (see docs/images.md)");
        }

        if (images.Count == 0 && spec.Extractor is not null)
        {
            throw spec.Error("extractor", "scores images, but no input has type image");
        }

        if (images.Count == 0 && spec.Data.Format == "images")
        {
            throw spec.Error("data.format", "an image folder needs an input of type image to hold each image");
        }

        if (spec.Data.Format == "images" && spec.Inputs.Count > 1)
        {
            throw spec.Error("inputs", "an image folder has only the images; its spec has one input, of type image");
        }

        if (spec.Data.GroupField is { } group && spec.Inputs.Any(i => i.Name == group))
        {
            throw spec.Error("data.group_field", $"'{group}' is an input; a group is what programs must not lean on, so it cannot also be one");
        }

        if (spec.Evaluation.Metric == EvaluationMetric.WorstGroup && spec.Data.GroupField is null)
        {
            throw spec.Error("evaluation.metric", "worst_group needs data.group_field: the column that says each row's group");
        }

        foreach (var concept in spec.Extractor?.Concepts ?? [])
        {
            if (ExtractorSpec.ClashingInput(spec, concept) is { } input)
            {
                var field = ExtractorSpec.ScoreField(concept.Name);
                throw spec.Error("extractor.concepts", input.Name == field
                    ? $"concept '{concept.Name}' scores into '{field}', which is already an input's name"
                    : $"concept '{concept.Name}' scores into '{field}', which programs would read as row.{InputField.PropertyName(field)}, as they read the input '{input.Name}'");
            }
        }

        if (spec.Extractor is { EndModelEmbeddings: true } && spec.Inputs.FirstOrDefault(i => i.Name.StartsWith(ExtractorSpec.EmbeddingPrefix, StringComparison.Ordinal)) is { } taken)
        {
            throw spec.Error("inputs", $"'{taken.Name}' starts with {ExtractorSpec.EmbeddingPrefix}, the names the image embedding's dimensions take under extractor.end_model_embeddings; rename it");
        }

        foreach (var (key, name) in new[] { ("data.label_field", spec.Data.LabelField), ("data.id_field", spec.Data.IdField) })
        {
            if (spec.Data.GroupField is { } groupField && name == groupField)
            {
                throw spec.Error("data.group_field", $"'{groupField}' is also {key}; a group is a column of its own, such as a photo's background");
            }
        }
    }

    private static YamlMap Item(YamlMap parent, string key, int index, YamlNode node) =>
        node is YamlMappingNode mapping
            ? new YamlMap(parent.File, parent.Qualify($"{key}[{index}]"), mapping, parent.Lines)
            : throw new SpecException(parent.File, node.Start.Line, parent.Qualify($"{key}[{index}]"), $"expected a mapping with a name, found a {YamlMap.Describe(node)}");

    private sealed class TrackingParser(IParser inner) : IParser
    {
        public long LastLine { get; private set; } = 1;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current is { } current)
            {
                LastLine = current.End.Line;
            }

            return moved;
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentVariableName();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex ConceptName();
}
