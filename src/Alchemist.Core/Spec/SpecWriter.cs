using System.Globalization;
using Alchemist.Data;
using Alchemist.Evaluation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alchemist.Spec;

/// <summary>Writes a spec as <c>alchemist.yaml</c> in the layout <see cref="SpecReader"/> reads; defaults are written out so users see them.</summary>
public static class SpecWriter
{
    /// <summary>Saves to <paramref name="folderOrFile"/> (a project folder gets alchemist.yaml) and returns the file path.</summary>
    public static string Save(TaskSpec spec, string folderOrFile)
    {
        var file = Directory.Exists(folderOrFile) ? Path.Combine(folderOrFile, TaskSpec.FileName) : folderOrFile;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, ToYaml(spec));
        return file;
    }

    /// <summary>
    /// Writes <paramref name="concepts"/> as <c>extractor.concepts</c> of the spec file at <paramref name="file"/>, changing
    /// no other line: the user's comments, order and spacing stay (a whole rewrite, as <see cref="Save"/> does, lost them).
    /// Where the extractor section is not a block mapping this cannot be done line by line, and the whole spec
    /// <paramref name="spec"/> (with the concepts) is written instead; the result says which.
    /// </summary>
    /// <returns>True when only the concepts' lines changed; false when the file was written whole.</returns>
    public static bool SaveConcepts(TaskSpec spec, string file, IReadOnlyList<ConceptSpec> concepts)
    {
        var text = File.ReadAllText(file);
        if (SpliceConcepts(text, concepts) is { } spliced)
        {
            AtomicFile.WriteAllText(file, spliced);
            return true;
        }

        AtomicFile.WriteAllText(file, ToYaml(spec with { Extractor = spec.Extractor! with { Concepts = concepts } }));
        return false;
    }

    /// <summary>
    /// <paramref name="text"/> with its extractor's concepts replaced by (or, with none, followed by) the lines of
    /// <paramref name="concepts"/>, indented as the extractor's other keys; null when the text has no block-style extractor
    /// mapping to edit so.
    /// </summary>
    internal static string? SpliceConcepts(string text, IReadOnlyList<ConceptSpec> concepts)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                return null;
            }

            root = mapping;
        }
        catch (YamlException)
        {
            return null;
        }

        var rootKeys = root.Children.Keys.ToList();
        var extractorKey = rootKeys.FirstOrDefault(k => k is YamlScalarNode { Value: "extractor" });
        if (extractorKey is null || root.Children[extractorKey] is not YamlMappingNode { Style: not YamlDotNet.Core.Events.MappingStyle.Flow } extractor || extractor.Children.Count == 0)
        {
            return null;
        }

        // Lines are 1-based in the marks; the list below is 0-based.
        var lines = text.Split('\n').ToList();
        var keys = extractor.Children.Keys.ToList();
        var indent = new string(' ', (int)keys[0].Start.Column - 1);
        var nextRoot = rootKeys.IndexOf(extractorKey) + 1 < rootKeys.Count ? (int)rootKeys[rootKeys.IndexOf(extractorKey) + 1].Start.Line - 1 : lines.Count;

        // Where a key's lines end: at the next key of the extractor, or where the extractor ends, less the blank and
        // comment lines before that (they belong to what follows).
        int EndOf(int keyIndex)
        {
            var end = keyIndex + 1 < keys.Count ? (int)keys[keyIndex + 1].Start.Line - 1 : nextRoot;
            while (end > (int)keys[keyIndex].Start.Line && lines[end - 1].TrimStart() is "" or ['#', ..])
            {
                end--;
            }

            return end;
        }

        var block = ConceptLines(concepts).Select(line => indent + line).ToList();
        var at = keys.FindIndex(k => k is YamlScalarNode { Value: "concepts" });
        if (at >= 0)
        {
            var start = (int)keys[at].Start.Line - 1;
            lines.RemoveRange(start, EndOf(at) - start);
            lines.InsertRange(start, block);
        }
        else
        {
            lines.InsertRange(EndOf(keys.Count - 1), block);
        }

        return string.Join('\n', lines);
    }

    /// <summary>The concepts as YAML lines, unindented, starting with <c>concepts:</c>.</summary>
    private static IEnumerable<string> ConceptLines(IReadOnlyList<ConceptSpec> concepts)
    {
        var document = new YamlDocument(new YamlMappingNode { { "concepts", ConceptsNode(concepts) } });
        var writer = new StringWriter();
        new YamlStream(document).Save(writer, assignAnchors: false);
        return writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Where(line => line.Length > 0 && line != "..." && line != "---");
    }

    /// <summary>
    /// The spec as the text of alchemist.yaml, defaults written out, in the layout <see cref="SpecReader"/> reads.
    /// </summary>
    public static string ToYaml(TaskSpec spec)
    {
        var root = new YamlMappingNode
        {
            { "name", Scalar(spec.Name) },
            { "description", Scalar(spec.Description) },
            { "inputs", new YamlSequenceNode(spec.Inputs.Select(Input)) },
            { "classes", new YamlSequenceNode(spec.Classes.Select(Class)) },
            { "data", Data(spec.Data) },
            { "synthesis", Synthesis(spec.Synthesis) },
            { "llm", Llm(spec.Llm) },
            { "evaluation", Mapping(("metric", spec.Evaluation.Metric.SpecName())) },
            { "end_model", Mapping(("train_sample_rows", Number(spec.EndModel.TrainSampleRows))) },
        };
        if (spec.Extractor is { } extractor)
        {
            root.Add("extractor", Extractor(extractor));
        }

        if (spec.Isolation is { } isolation)
        {
            root.Add("isolation", Mapping(
                ("mode", isolation.Mode),
                ("workers", Number(isolation.Workers)),
                ("worker_memory_mb", Number(isolation.WorkerMemoryMb)),
                ("cpu_seconds_per_batch", Number(isolation.CpuSecondsPerBatch)),
                ("max_source_kib", Number(isolation.MaxSourceKib)),
                ("max_nesting", Number(isolation.MaxNesting)),
                ("compile_seconds", Number(isolation.CompileSeconds)),
                ("compile_memory_mb", Number(isolation.CompileMemoryMb)),
                ("trust_programs", isolation.TrustPrograms is { } trust ? (trust ? "true" : "false") : null)));
        }

        if (spec.Budgets is { } budgets)
        {
            root.Add("budgets", Mapping(
                ("steps_per_row", Number(budgets.StepsPerRow)),
                ("milliseconds_per_row", Number(budgets.MillisecondsPerRow)),
                ("memory_mb_per_row", Number(budgets.MemoryMbPerRow)),
                ("max_fault_share", Number(budgets.MaxFaultShare))));
        }

        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString().TrimEnd();
        if (text.EndsWith("...", StringComparison.Ordinal))
        {
            text = text[..^3].TrimEnd();
        }

        return text + "\n";
    }

    private static YamlMappingNode Input(InputField input) =>
        Mapping(("name", input.Name), ("type", SpecReader.InputTypes.First(t => t.Value == input.Type).Key), ("description", input.Description));

    private static YamlMappingNode Extractor(ExtractorSpec extractor)
    {
        var map = Mapping(
            ("image_encoder", extractor.ImageEncoder),
            ("text_encoder", extractor.TextEncoder),
            ("vocabulary", extractor.Vocabulary),
            ("merges", extractor.Merges),
            ("prompt", extractor.Prompt),
            ("logit_scale", Number(extractor.LogitScale)),
            ("batch_size", Number(extractor.BatchSize)),
            ("end_model_embeddings", extractor.EndModelEmbeddings ? "true" : null));
        map.Add("concepts", ConceptsNode(extractor.Concepts));
        return map;
    }

    private static YamlSequenceNode ConceptsNode(IReadOnlyList<ConceptSpec> concepts) =>
        new(concepts.Select(c => (YamlNode)(c.Description is null && c.Prompt is null
            ? Scalar(c.Name)
            : Mapping(("name", c.Name), ("description", c.Description), ("prompt", c.Prompt)))));

    private static YamlMappingNode Class(ClassSpec c)
    {
        var map = Mapping(("name", c.Name), ("description", c.Description));
        if (c.DataLabels is { } labels)
        {
            map.Add("data_labels", new YamlSequenceNode(labels.Select(Scalar)));
        }

        return map;
    }

    private static YamlMappingNode Data(DataSpec data)
    {
        var map = Mapping(
            ("format", data.Format),
            ("train", data.Train),
            ("valid", data.Valid),
            ("test", data.Test),
            ("file", data.File),
            ("label_field", data.LabelField),
            ("id_field", data.IdField),
            ("group_field", data.GroupField),
            ("invalid_utf8", data.InvalidUtf8 == InvalidUtf8.Replace ? "replace" : null),
            ("max_field_chars", data.MaxFieldChars == FieldLimit.DefaultMaxChars ? null : Number(data.MaxFieldChars)),
            ("oversized_fields", data.OversizedFields == OversizedFieldPolicy.Reject ? "reject" : null));
        if (data.Classes is { } classes)
        {
            map.Add("classes", new YamlSequenceNode(classes.Select(Scalar)));
        }

        if (data.Split is { } split)
        {
            map.Add("split", Mapping(("valid", Number(split.Valid)), ("test", Number(split.Test)), ("seed", Number(split.Seed))));
        }

        return map;
    }

    private static YamlMappingNode Synthesis(SynthesisSpec synthesis)
    {
        var map = Mapping(
            ("programs", Number(synthesis.Programs)),
            ("mode", SpecReader.Modes.First(p => p.Value == synthesis.Mode).Key));
        map.Add("prior_knowledge", new YamlSequenceNode(synthesis.PriorKnowledge.Select(k => Scalar(SpecReader.PriorKnowledgeKinds.First(p => p.Value == k).Key))));
        if (synthesis.DocsFolder is not null)
        {
            map.Add("docs", Scalar(synthesis.DocsFolder));
        }

        map.Add("rows_in_prompts", synthesis.RowsInPrompts ? "true" : "false");
        map.Add("follow_up_calls", Number(synthesis.FollowUpCalls)!);
        return map;
    }

    private static YamlMappingNode Llm(LlmSpec llm)
    {
        var map = Mapping(
            ("provider", SpecReader.Providers.First(p => p.Value == llm.Provider).Key),
            ("model", llm.Model));
        if (llm.StageModels.Count > 0)
        {
            map.Add("models", Mapping(LlmStages.All.Select(s => (s, llm.StageModels.GetValueOrDefault(s))).ToArray()));
        }

        foreach (var (key, value) in new[]
        {
            ("base_url", llm.BaseUrl),
            ("api_key_env", llm.ApiKeyEnv),
            ("temperature", Number(llm.Temperature)),
            ("max_tokens", Number(llm.MaxTokens)),
        })
        {
            if (value is not null)
            {
                map.Add(key, Scalar(value));
            }
        }

        if (llm.Prices.Count > 0)
        {
            var prices = new YamlMappingNode();
            foreach (var (model, price) in llm.Prices)
            {
                prices.Add(model, Mapping(("input", Number(price.InputPerMillion)), ("output", Number(price.OutputPerMillion))));
            }

            map.Add("prices", prices);
        }

        if (llm.SpendingCapUsd is { } cap)
        {
            map.Add("spending_cap_usd", Number(cap)!);
        }

        return map;
    }

    private static YamlMappingNode Mapping(params (string Key, string? Value)[] entries)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                map.Add(key, Scalar(value));
            }
        }

        return map;
    }

    /// <summary>
    /// A value as YAML writes it: a block of lines literal, and a text the reader would take for null (<c>~</c>, <c>null</c>,
    /// empty) quoted, since the emitter writes those plain and a concept whose description an LLM gave as "~" came back
    /// with none.
    /// </summary>
    private static YamlScalarNode Scalar(string value) =>
        new(value) { Style = value.Contains('\n') ? ScalarStyle.Literal : value is "" or "~" or "null" or "Null" or "NULL" ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };

    private static string? Number<T>(T? value)
        where T : struct, IFormattable =>
        value?.ToString(null, CultureInfo.InvariantCulture);

    private static string Number<T>(T value)
        where T : struct, IFormattable =>
        value.ToString(null, CultureInfo.InvariantCulture);
}
