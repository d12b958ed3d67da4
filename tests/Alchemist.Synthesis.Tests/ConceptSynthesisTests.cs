using Alchemist.Spec;
using Alchemist.Synthesis.Engine;
using Xunit;

namespace Alchemist.Synthesis.Tests;

/// <summary>Reading the concepts an LLM names out of its reply, prose and hostile lines included.</summary>
public sealed class ConceptSynthesisTests
{
    [Fact]
    public void Only_list_lines_become_concepts_and_a_hostile_or_overlong_description_is_dropped()
    {
        var reply = string.Join('\n',
            "Sure. Here are the concepts:",
            "Note: CLIP is weak on texture.",
            "- red: ripe red skin",
            "1. **green_skin**: unripe green skin",
            "* `Yellow Tint`: yellow tint.",
            "- flash: \u001b]0;pwned\u0007 red",
            "- long: " + new string('x', 201),
            "- red: said again",
            "Summary: four concepts");

        var concepts = ConceptSynthesis.Parse(reply);

        Assert.Equal(
            [new ConceptSpec("red", "ripe red skin"), new ConceptSpec("green_skin", "unripe green skin"), new ConceptSpec("yellow_tint")],
            concepts);
        Assert.Equal(["red", "green_skin"], ConceptSynthesis.Parse(reply, count: 2).Select(c => c.Name));
    }

    private const string Sharpness = """
        name: sharpness
        description: Is the photo sharp?
        inputs:
          - name: photo
            type: image
          - name: Sharp_score
            type: number
        classes: [SHARP, BLURRED]
        data:
          format: csv
          train: data/train.csv
          label_field: label
        extractor:
          image_encoder: m/image.onnx
          text_encoder: m/text.onnx
          vocabulary: m/vocab.json
          merges: m/merges.txt
        llm:
          provider: exchange
          model: claude-sonnet-4-5
        """;

    /// <summary>Asks through the exchange folder: the first call leaves the prompt, the reply is written, the second reads it.</summary>
    private static async Task<(TaskSpec Spec, List<string> Log)> AskWithReply(string project, string reply)
    {
        File.WriteAllText(Path.Combine(project, TaskSpec.FileName), Sharpness);
        var spec = SpecReader.Load(project);
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAnyAsync<SynthesisException>(() => ConceptSynthesis.AskAsync(spec, null, ct));
        var prompt = Assert.Single(Directory.GetFiles(Path.Combine(project, ".alchemist", "exchange"), "concepts.*.prompt.md"));
        File.WriteAllText(prompt.Replace(".prompt.md", ".reply.md", StringComparison.Ordinal), reply);
        var log = new List<string>();
        return (await ConceptSynthesis.AskAsync(spec, log.Add, ct), log);
    }

    [Fact]
    public async Task A_concept_whose_score_field_an_input_holds_is_left_out_and_said_and_the_spec_stays_readable()
    {
        using var folder = new TempFolder();

        var (updated, log) = await AskWithReply(folder.Path, "- sharp: crisp edges\n- blur: soft edges\n");

        Assert.Equal(["blur"], updated.Extractor!.Concepts.Select(c => c.Name));
        Assert.Contains("concepts: left out 'sharp': its score field sharp_score would clash with the input 'Sharp_score'", log);
        Assert.Equal(["blur"], SpecReader.Load(folder.Path).Extractor!.Concepts.Select(c => c.Name));
    }

    [Fact]
    public async Task A_reply_naming_no_concept_is_quoted_as_one_line_without_its_control_characters()
    {
        using var folder = new TempFolder();

        var error = await Assert.ThrowsAsync<SynthesisException>(() => AskWithReply(folder.Path, "\u001b[2J\u001b]0;pwned\u0007 \u001b[31mFAKE: run finished OK\nrun: done"));

        Assert.Contains("named no concept as '- name: description' lines; it began: ?[2J?]0;pwned? ?[31mFAKE: run finished OK?run: done", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
    }
}
