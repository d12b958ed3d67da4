using Alchemist.Evaluation;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Core.Tests.Spec;

/// <summary>Image inputs, the extractor section and groups in the spec: read, written back, and refused with key and line.</summary>
public class ImageSpecTests
{
    private const string Images = """
        name: birds
        description: Water bird or land bird?
        inputs:
          - name: photo
            type: image
            description: a photo of one bird
        classes: [WATER, LAND]
        data:
          format: csv
          train: data/train.csv
          label_field: label
          group_field: place
        extractor:
          image_encoder: clip/image-encoder.onnx
          text_encoder: clip/text-encoder.onnx
          vocabulary: clip/vocab.json
          merges: clip/merges.txt
          prompt: a photo of a bird with {concept}.
          logit_scale: 50
          batch_size: 16
          concepts:
            - webbed_feet
            - name: long_legs
              description: long thin legs
            - name: beak
              prompt: a close-up of a flat beak
        evaluation:
          metric: worst_group
        """;

    private static TaskSpec Parse(string yaml) => SpecReader.Parse(yaml, "alchemist.yaml", "/project");

    private static SpecException Fails(string yaml) => Assert.Throws<SpecException>(() => Parse(yaml));

    [Fact]
    public void An_image_input_reads_as_one_score_field_per_concept_and_survives_a_round_trip()
    {
        var spec = Parse(Images);

        Assert.Equal(InputType.Image, spec.ImageInput!.Type);
        Assert.Equal(["webbed_feet_score", "long_legs_score", "beak_score"], spec.ProgramInputs.Select(i => i.Name));
        Assert.All(spec.ProgramInputs, i => Assert.Equal(InputType.Number, i.Type));
        var extractor = spec.Extractor!;
        Assert.Equal("a photo of a bird with webbed feet.", extractor.PromptOf(extractor.Concepts[0]));
        Assert.Equal("a photo of a bird with long thin legs.", extractor.PromptOf(extractor.Concepts[1]));
        Assert.Equal("a close-up of a flat beak", extractor.PromptOf(extractor.Concepts[2]));
        Assert.Contains("\"a photo of a bird with webbed feet.\"", spec.ProgramInputs[0].Description, StringComparison.Ordinal);
        Assert.Equal((50.0, 16), (extractor.LogitScale, extractor.BatchSize));
        Assert.Equal("place", spec.Data.GroupField);
        Assert.Equal(EvaluationMetric.WorstGroup, spec.Evaluation.Metric);

        var again = Parse(SpecWriter.ToYaml(spec));
        Assert.Equal(spec.Extractor!.Concepts, again.Extractor!.Concepts);
        Assert.Equal(spec.Inputs, again.Inputs);
        Assert.Equal((extractor.Prompt, extractor.LogitScale, extractor.BatchSize, extractor.ImageEncoder), (again.Extractor.Prompt, again.Extractor.LogitScale, again.Extractor.BatchSize, again.Extractor.ImageEncoder));
        Assert.Equal("place", again.Data.GroupField);
        Assert.Equal(EvaluationMetric.WorstGroup, again.Evaluation.Metric);

        // A description the reader would take for null is written quoted, and comes back as written.
        var tilde = spec with { Extractor = extractor with { Concepts = [new ConceptSpec("webbed_feet", "~"), new ConceptSpec("beak", "null")] } };
        Assert.Equal(["~", "null"], Parse(SpecWriter.ToYaml(tilde)).Extractor!.Concepts.Select(c => c.Description));
    }

    [Theory]
    [InlineData("    - webbed_feet\n    - name: long_legs\n      description: long thin legs\n    - name: beak\n      prompt: a close-up of a flat beak\n")]
    [InlineData("")]
    [InlineData("    []\n")]
    public void Concepts_are_written_into_the_spec_changing_no_other_line(string conceptsBefore)
    {
        // The user's file, comments and all, its concepts listed, none yet, or an empty list; a section after the extractor.
        var withConcepts = Images.Replace("  prompt:", "  # the prompt every concept goes into\n  prompt:", StringComparison.Ordinal);
        var head = withConcepts[..withConcepts.IndexOf("  concepts:", StringComparison.Ordinal)];
        var tail = withConcepts[withConcepts.IndexOf("evaluation:", StringComparison.Ordinal)..];
        var before = head + (conceptsBefore.Length == 0 ? "" : conceptsBefore == "    []\n" ? "  concepts: []\n" : "  concepts:\n" + conceptsBefore) + "\n# how the run is judged\n" + tail;
        var folder = Directory.CreateTempSubdirectory("alchemist-spec-concepts-").FullName;
        try
        {
            var file = Path.Combine(folder, TaskSpec.FileName);
            File.WriteAllText(file, before);
            var spec = SpecReader.Load(folder);
            ConceptSpec[] concepts = [new("red_skin", "red skin"), new("leaves")];

            Assert.True(SpecWriter.SaveConcepts(spec, file, concepts));

            var after = File.ReadAllText(file);
            Assert.Equal(concepts, SpecReader.Load(folder).Extractor!.Concepts);
            Assert.Equal(head + "  concepts:\n  - name: red_skin\n    description: red skin\n  - leaves\n\n# how the run is judged\n" + tail, after);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_extractor_written_in_flow_style_is_written_whole_with_its_concepts()
    {
        var flow = Images[..Images.IndexOf("extractor:", StringComparison.Ordinal)]
            + "extractor: {image_encoder: clip/image-encoder.onnx, text_encoder: clip/text-encoder.onnx, vocabulary: clip/vocab.json, merges: clip/merges.txt}\n";
        var folder = Directory.CreateTempSubdirectory("alchemist-spec-concepts-").FullName;
        try
        {
            var file = Path.Combine(folder, TaskSpec.FileName);
            File.WriteAllText(file, flow);

            Assert.False(SpecWriter.SaveConcepts(SpecReader.Load(folder), file, [new("red_skin", "red skin")]));

            Assert.Equal([new ConceptSpec("red_skin", "red skin")], SpecReader.Load(folder).Extractor!.Concepts);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Mistakes_are_named_by_key_and_line()
    {
        var noExtractor = Fails(Images[..Images.IndexOf("extractor:", StringComparison.Ordinal)]);
        Assert.Equal("extractor", noExtractor.Key);
        Assert.Contains("needs an extractor", noExtractor.Message, StringComparison.Ordinal);

        var badName = Fails(Images.Replace("- webbed_feet", "- Webbed Feet", StringComparison.Ordinal));
        Assert.Equal("extractor.concepts[0]", badName.Key);
        Assert.Equal(22, badName.Line);

        var twice = Fails(Images.Replace("- name: beak", "- name: long_legs", StringComparison.Ordinal));
        Assert.Contains("listed twice", twice.Message, StringComparison.Ordinal);

        var template = Fails(Images.Replace("prompt: a photo of a bird with {concept}.", "prompt: a photo of a bird", StringComparison.Ordinal));
        Assert.Equal("extractor.prompt", template.Key);

        var missingModel = Fails(Images.Replace("  merges: clip/merges.txt\n", "", StringComparison.Ordinal));
        Assert.Equal("extractor.merges", missingModel.Key);

        var noGroups = Fails(Images.Replace("  group_field: place\n", "", StringComparison.Ordinal));
        Assert.Equal("evaluation.metric", noGroups.Key);
        Assert.Contains("worst_group needs data.group_field", noGroups.Message, StringComparison.Ordinal);

        var twoImages = Fails(Images.Replace("classes:", "  - name: second\n    type: image\nclasses:", StringComparison.Ordinal));
        Assert.Contains("one image input is supported", twoImages.Message, StringComparison.Ordinal);

        var shadow = Fails(Images.Replace("classes:", "  - name: beak_score\n    type: number\nclasses:", StringComparison.Ordinal));
        Assert.Contains("'beak_score', which is already an input's name", shadow.Message, StringComparison.Ordinal);

        // Programs read Beak_score and beak_score alike, as row.Beak_score.
        var member = Fails(Images.Replace("classes:", "  - name: Beak_score\n    type: number\nclasses:", StringComparison.Ordinal));
        Assert.Contains("concept 'beak' scores into 'beak_score', which programs would read as row.Beak_score, as they read the input 'Beak_score'", member.Message, StringComparison.Ordinal);

        var embedding = Fails(Images.Replace("classes:", "  - name: image_embedding_norm\n    type: number\nclasses:", StringComparison.Ordinal)
            .Replace("  batch_size: 16\n", "  batch_size: 16\n  end_model_embeddings: true\n", StringComparison.Ordinal));
        Assert.Equal("inputs", embedding.Key);
        Assert.Contains("'image_embedding_norm' starts with image_embedding_", embedding.Message, StringComparison.Ordinal);

        foreach (var field in new[] { "label", "id" })
        {
            var yaml = Images.Replace("  label_field: label\n", "  label_field: label\n  id_field: id\n", StringComparison.Ordinal).Replace("group_field: place", $"group_field: {field}", StringComparison.Ordinal);
            var same = Fails(yaml);
            Assert.Equal("data.group_field", same.Key);
            Assert.Contains($"'{field}' is also data.{field}_field", same.Message, StringComparison.Ordinal);
        }

        var stray = Fails(Images.Replace("type: image", "type: text", StringComparison.Ordinal));
        Assert.Equal("extractor", stray.Key);
        Assert.Contains("no input has type image", stray.Message, StringComparison.Ordinal);
    }
}
