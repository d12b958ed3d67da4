using Alchemist.Core.Tests.Data;
using Alchemist.Data;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.Spec;

public class SpecTests
{
    private const string Full = """
        name: youtube-spam
        description: |
          Decide whether a YouTube comment is spam.
          Spam promotes channels or links.
        inputs:
          - name: text
            type: text
            description: the comment
          - name: likes
            type: number
        classes:
          - name: HAM
            description: a genuine comment
          - name: SPAM
        data:
          format: csv
          train: data/train.csv
          valid: data/valid.csv
          test: data/test.csv
          label_field: label
          id_field: id
          invalid_utf8: replace
          max_field_chars: 50000
          oversized_fields: reject
        synthesis:
          programs: 12
          mode: two-stage
          prior_knowledge: [keywords, examples]
          docs: docs
          rows_in_prompts: true
        llm:
          provider: openai
          model: gpt-4o-mini
          models:
            knowledge: gpt-4o
          base_url: http://localhost:8000/v1
          api_key_env: MY_KEY
          temperature: 0.7
          max_tokens: 2048
          prices:
            gpt-4o-mini: {input: 0.15, output: 0.6}
          spending_cap_usd: 2.5
        isolation:
          mode: process
          workers: 2
        budgets:
          milliseconds_per_row: 50
        """;

    private static TaskSpec Parse(string yaml) => SpecReader.Parse(yaml, "alchemist.yaml", "/project");

    private static SpecException Fails(string yaml) => Assert.Throws<SpecException>(() => Parse(yaml));

    private const string Minimal = """
        name: t
        description: d
        inputs: [{name: text}]
        classes: [neg, pos]
        data: {train: train.jsonl}
        """;

    [Fact]
    public void Full_spec_reads_every_section()
    {
        var spec = Parse(Full);

        Assert.Equal("youtube-spam", spec.Name);
        Assert.StartsWith("Decide whether", spec.Description);
        Assert.Equal([new InputField("text", InputType.Text, "the comment"), new InputField("likes", InputType.Number)], spec.Inputs);
        Assert.Equal(["HAM", "SPAM"], spec.ClassNames);
        Assert.Equal("a genuine comment", spec.Classes[0].Description);
        Assert.Equal(("csv", "data/valid.csv", "label", "id"), (spec.Data.Format, spec.Data.Valid, spec.Data.LabelField, spec.Data.IdField));
        Assert.Equal(InvalidUtf8.Replace, spec.Data.InvalidUtf8);
        Assert.True(SpecData.FieldMap(spec).ReplaceInvalidUtf8);
        Assert.Equal(new FieldLimit(50_000, OversizedFieldPolicy.Reject), spec.Data.FieldLimit);
        Assert.Equal((12, SynthesisMode.TwoStage, "docs", true), (spec.Synthesis.Programs, spec.Synthesis.Mode, spec.Synthesis.DocsFolder, spec.Synthesis.RowsInPrompts));
        Assert.Equal([PriorKnowledgeKind.Keywords, PriorKnowledgeKind.Examples], spec.Synthesis.PriorKnowledge);
        Assert.Equal(LlmProvider.OpenAI, spec.Llm.Provider);
        Assert.Equal("gpt-4o", spec.Llm.ModelFor(LlmStages.Knowledge));
        Assert.Equal("gpt-4o-mini", spec.Llm.ModelFor(LlmStages.Program));
        Assert.Equal(("MY_KEY", 0.7, 2048, 2.5m), (spec.Llm.ApiKeyEnv, spec.Llm.Temperature, spec.Llm.MaxTokens, spec.Llm.SpendingCapUsd));
        Assert.Equal(new ModelPrice(0.15m, 0.6m), spec.Llm.Prices["gpt-4o-mini"]);
        Assert.Equal(("process", 2), (spec.Isolation!.Mode, spec.Isolation.Workers));
        Assert.Equal(50, spec.Budgets!.MillisecondsPerRow);
        Assert.Equal(32, spec.KeyLines["llm.provider"]);
    }

    [Fact]
    public void Minimal_spec_gets_documented_defaults()
    {
        var spec = Parse(Minimal);

        Assert.Equal("jsonl", spec.Data.Format);
        Assert.Equal(10, spec.Synthesis.Programs);
        Assert.Equal(SynthesisMode.OneStage, spec.Synthesis.Mode);
        Assert.False(spec.Synthesis.RowsInPrompts);
        Assert.Equal(LlmProvider.Offline, spec.Llm.Provider);
        Assert.Null(spec.Isolation);
        Assert.Equal(Path.GetFullPath("/project/train.jsonl"), spec.ResolvePath(spec.Data.Train!));
        Assert.Equal(new FieldLimit(1_000_000, OversizedFieldPolicy.Truncate), spec.Data.FieldLimit);
        Assert.DoesNotContain("max_field_chars", SpecWriter.ToYaml(spec), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max_field_chars: 0", "data.max_field_chars", "out of range")]
    [InlineData("max_field_chars: lots", "data.max_field_chars", "not a whole number")]
    [InlineData("oversized_fields: drop", "data.oversized_fields", "'drop' is not truncate or reject")]
    public void Field_limit_errors_name_the_key_and_line(string setting, string key, string problem)
    {
        var error = Fails(Minimal.Replace("data: {train: train.jsonl}", "data:\n  train: train.jsonl\n  " + setting));

        Assert.Equal(key, error.Key);
        Assert.Equal(7, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_key_is_named_with_its_line_and_a_suggestion()
    {
        var error = Fails(Minimal + "\nllm:\n  provder: openai\n");

        Assert.Equal("llm.provder", error.Key);
        Assert.Equal(7, error.Line);
        Assert.Contains("did you mean 'provider'?", error.Message);
        Assert.StartsWith("alchemist.yaml:7: llm.provder:", error.Message);
    }

    [Fact]
    public void Missing_required_keys_are_named()
    {
        Assert.Equal("classes", Fails(Minimal.Replace("classes: [neg, pos]\n", string.Empty)).Key);
        Assert.Equal("description", Fails(Minimal.Replace("description: d\n", string.Empty)).Key);
        Assert.Equal("data.train", Fails(Minimal.Replace("data: {train: train.jsonl}", "data: {format: csv}")).Key);
        var noModel = Fails(Minimal + "\nllm: {provider: anthropic}\n");
        Assert.Equal("llm.model", noModel.Key);
    }

    [Theory]
    [InlineData("synthesis:\n  programs: many\n", "synthesis.programs", 7, "not a whole number")]
    [InlineData("synthesis:\n  programs: 0\n", "synthesis.programs", 7, "out of range")]
    [InlineData("synthesis:\n  mode: three-stage\n", "synthesis.mode", 7, "one-stage, two-stage, retrieval")]
    [InlineData("synthesis:\n  prior_knowledge: [keywords, vibes]\n", "synthesis.prior_knowledge[1]", 7, "'vibes'")]
    [InlineData("synthesis:\n  mode: retrieval\n", "synthesis.docs", 7, "documents folder")]
    [InlineData("llm:\n  provider: openai\n  model: m\n  api_key: sk-123\n", "llm.api_key", 9, "never go in the spec")]
    [InlineData("llm:\n  provider: openai\n  model: m\n  api_key_env: sk-abc.def\n", "llm.api_key_env", 9, "NAME of an environment variable")]
    [InlineData("llm:\n  provider: openai\n  model: m\n  base_url: localhost\n", "llm.base_url", 9, "not an http(s) URL")]
    [InlineData("llm:\n  provider: replay\n  temperature: 9\n", "llm.temperature", 8, "out of range")]
    [InlineData("llm:\n  provider: replay\n  prices:\n    m1: {input: 1}\n", "llm.prices.m1.output", 9, "required key is missing")]
    public void Wrong_values_are_named_with_their_line(string extra, string key, long line, string problem)
    {
        var error = Fails(Minimal + "\n" + extra);

        Assert.Equal(key, error.Key);
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Data_section_contradictions_are_refused()
    {
        var utf8 = Fails(Minimal.Replace("data: {train: train.jsonl}", "data: {train: train.jsonl, invalid_utf8: ignore}"));
        Assert.Equal("data.invalid_utf8", utf8.Key);
        Assert.Contains("'ignore' is not error or replace", utf8.Message, StringComparison.Ordinal);
        Assert.Equal(InvalidUtf8.Error, Parse(Minimal).Data.InvalidUtf8);
        Assert.Equal("data.file", Fails(Minimal.Replace("data: {train: train.jsonl}", "data: {train: a.csv, file: b.csv}")).Key);
        Assert.Equal("data.split", Fails(Minimal.Replace("data: {train: train.jsonl}", "data: {train: a.csv, split: {valid: 0.1}}")).Key);
        Assert.Equal("data.split", Fails(Minimal.Replace("data: {train: train.jsonl}", "data: {file: a.csv, split: {valid: 0.5, test: 0.5}}")).Key);
        Assert.Equal("classes[2]", Fails(Minimal.Replace("[neg, pos]", "[neg, pos, Neg]")).Key);
        Assert.Equal("inputs[1].name", Fails(Minimal.Replace("[{name: text}]", "[{name: text}, {name: text}]")).Key);
    }

    [Fact]
    public void Yaml_syntax_error_gives_the_line()
    {
        var error = Fails("name: t\ndescription: d\ninputs: [\n  {name: text}\nclasses: x\n");

        Assert.NotNull(error.Line);
        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void Writer_output_reads_back_to_the_same_spec()
    {
        var spec = Parse(Full);

        var yaml = SpecWriter.ToYaml(spec);
        var again = Parse(yaml);

        Assert.Equal(yaml, SpecWriter.ToYaml(again));
        Assert.Equal(spec.Description, again.Description);
        Assert.Equal(spec.Inputs, again.Inputs);
        Assert.Equal(spec.Classes, again.Classes);
        Assert.Equal(spec.Data, again.Data);
        Assert.Equal(spec.Llm.Prices, again.Llm.Prices);
        Assert.Equal(spec.Llm.StageModels, again.Llm.StageModels);
        Assert.Equal(spec.Synthesis.PriorKnowledge, again.Synthesis.PriorKnowledge);
        Assert.Equal(spec.Isolation, again.Isolation);
        Assert.Equal(spec.Budgets, again.Budgets);
        Assert.DoesNotContain("api_key:", yaml);
    }

    [Fact]
    public void Saved_spec_loads_from_its_project_folder()
    {
        using var dir = new TempFolder();
        var file = SpecWriter.Save(Parse(Minimal), dir.Path);

        var loaded = SpecReader.Load(dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "alchemist.yaml"), file);
        Assert.Equal(dir.Path, loaded.ProjectDirectory);
        Assert.Contains("no alchemist.yaml", Assert.Throws<SpecException>(() => SpecReader.Load(Path.Combine(dir.Path, "missing"))).Message + "no alchemist.yaml");
    }

    [Fact]
    public void One_csv_file_is_split_by_seed_into_three_splits()
    {
        using var dir = new TempFolder();
        dir.Write("all.csv", "body,score,y\n" + string.Join("\n", Enumerable.Range(0, 400).Select(i => $"row {i},{i},{(i % 3 == 0 ? "pos" : "neg")}")));
        var spec = SpecReader.Parse(
            """
            name: t
            description: d
            inputs: [{name: body}, {name: score, type: number}]
            classes: [neg, pos]
            data:
              file: all.csv
              label_field: y
              split: {valid: 0.2, test: 0.2, seed: 3}
            """,
            "alchemist.yaml",
            dir.Path);

        var data = SpecData.LoadDataset(spec);

        Assert.Equal(400, data.Splits.Sum(s => s.Count));
        Assert.All(data.Splits, s => Assert.InRange(s.Count, 40, 320));
        Assert.Equal(["neg", "pos"], data.ClassNames);
        Assert.Equal(data.Test!.Rows.Number("score").Select(x => ((int)x % 3 == 0) ? 1 : 0), data.Test.Rows.Labels);
    }

    [Fact]
    public void Wrench_spec_reads_the_shared_youtube_folder_and_checks_class_names()
    {
        var folder = SharedFolder.Dataset("youtube");
        string Spec(string classes) => $"""
            name: youtube
            description: spam
            inputs: [{"{"}name: text{"}"}]
            classes: [{classes}]
            data:
              train: {folder}/train.json
              valid: {folder}/valid.json
              test: {folder}/test.json
            """;

        var data = SpecData.LoadDataset(Parse(Spec("ham, spam")));
        var wrongInput = Assert.Throws<DataFormatException>(() => SpecData.LoadDataset(Parse(Spec("ham, spam").Replace("name: text", "name: body"))));
        var wrongClasses = Assert.Throws<SpecException>(() => SpecData.LoadDataset(Parse(Spec("spam, ham"))));

        Assert.Equal((1586, 120, 250), (data.Train.Count, data.Valid!.Count, data.Test!.Count));
        Assert.Equal("body", wrongInput.Field);
        Assert.Equal("classes", wrongClasses.Key);
        Assert.Equal(4, wrongClasses.Line);
    }
}
