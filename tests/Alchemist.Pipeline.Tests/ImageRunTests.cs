using Alchemist.Spec;
using Alchemist.Synthesis;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The bundled image example (examples/fruit-ripeness: generated photos, a CLIP-shaped toy model) runs offline end to end:
/// the scores are extracted first, threshold programs vote over them, and the summary gives each group's accuracy.
/// </summary>
public sealed class ImageRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("alchemist-image-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string CopyExample() => ExampleProject.CopyImageExampleTo(_root);

    [Fact]
    public async Task The_image_example_extracts_its_scores_and_runs_offline_reporting_worst_group_accuracy()
    {
        var project = CopyExample();
        var log = new StringWriter();

        var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);

        var text = log.ToString();
        Assert.Contains("image scores: 540 images x 4 concepts (540 encoded, 0 from the cache)", text, StringComparison.Ordinal);
        Assert.Contains("threshold programs over red_minus_orange_relative, red_minus_green_relative, red_minus_yellow_relative, orange_minus_green_relative, orange_minus_yellow_relative, green_minus_yellow_relative)", text, StringComparison.Ordinal);
        Assert.True(summary.Programs >= 2, $"{summary.Programs} programs");
        Assert.Equal("worst_group", summary.Metric);
        Assert.Equal(["ripe on leaves", "ripe on table", "unripe on leaves", "unripe on table"], summary.FinalTestPerGroup.Select(g => g.Group));
        Assert.Equal(120, summary.FinalTestPerGroup.Sum(g => g.Rows));
        Assert.Equal(summary.FinalTestPerGroup.Min(g => g.FinalAccuracy), summary.FinalTestWorstGroupAccuracy);
        Assert.NotNull(summary.DevOnlyBaselineTestWorstGroupAccuracy);
        Assert.True(summary.FinalTestAccuracy > 0.75, $"final test accuracy {summary.FinalTestAccuracy}");
        Assert.True(summary.FinalTestWorstGroupAccuracy > 0.6, $"worst group {summary.FinalTestWorstGroupAccuracy}");
        var json = File.ReadAllText(Path.Combine(project, "out", "summary.json"));
        Assert.Contains("\"final_test_worst_group_accuracy\"", json, StringComparison.Ordinal);
        var report = File.ReadAllText(Path.Combine(project, "out", "report.html"));
        Assert.Contains("id=\"per-group-table\"", report, StringComparison.Ordinal);
        Assert.Contains("<tr><td>red_score</td><td>a photo of a red fruit.</td><td>on valid: 5th percentile ", report, StringComparison.Ordinal);

        // The scores are current: a second run extracts nothing.
        var again = new StringWriter();
        await new RunPipeline(again) { Force = true }.RunAsync(project, TestContext.Current.CancellationToken);
        Assert.Contains("image scores: current for 540 images and 4 concepts", again.ToString(), StringComparison.Ordinal);

        // With nothing changed a run reuses the last one's outputs; an image changed under the same file name is a change.
        var unchanged = new StringWriter();
        Assert.True((await new RunPipeline(unchanged).RunAsync(project, TestContext.Current.CancellationToken)).Reused);
        File.Copy(Path.Combine(project, "data", "images", "test", "011.png"), Path.Combine(project, "data", "images", "test", "010.png"), overwrite: true);
        var changed = new StringWriter();
        Assert.False((await new RunPipeline(changed).RunAsync(project, TestContext.Current.CancellationToken)).Reused, changed.ToString());
        Assert.Contains("image scores: 540 images x 4 concepts (0 encoded, 120 from the cache)", changed.ToString(), StringComparison.Ordinal);

        // New images are labeled as the run labeled its own: scored first (a missing one abstains), then the final rule.
        var fresh = Path.Combine(_root, "new");
        Directory.CreateDirectory(fresh);
        File.Copy(Path.Combine(project, "data", "images", "test", "000.png"), Path.Combine(fresh, "a.png")); // ripe
        File.Copy(Path.Combine(project, "data", "images", "test", "003.png"), Path.Combine(fresh, "b.png")); // unripe
        File.WriteAllText(Path.Combine(fresh, "rows.csv"), "id,image\nx,a.png\ny,b.png\nz,gone.png\n");
        var spec = Spec.SpecReader.Load(project);
        using var predictor = Predictor.OpenFinalRule(spec);
        using var output = new MemoryStream();
        var warnings = new List<string>();
        Assert.Equal(3, predictor.Write(Predictor.OpenRows(spec, Path.Combine(fresh, "rows.csv"), warn: warnings.Add), output, LabelFileFormat.Csv, cancellation: TestContext.Current.CancellationToken));
        var warning = Assert.Single(warnings);
        Assert.StartsWith("1 image could not be read and score NaN (their rows are labeled without an image to read: every program abstains, and the end model sees only missing scores): ", warning, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(fresh, "gone.png")} (row 3, id z): ", warning, StringComparison.Ordinal);

        // A folder of new images is read as one, though the project's own data lists its images in CSV files.
        using var fromFolder = new MemoryStream();
        Assert.Equal(2, predictor.Write(Predictor.OpenRows(spec, fresh), fromFolder, LabelFileFormat.Csv, cancellation: TestContext.Current.CancellationToken));
        Assert.Equal(["a.png,RIPE", "b.png,UNRIPE"], System.Text.Encoding.UTF8.GetString(fromFolder.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => string.Join(',', l.Split(',')[..2])));
        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("x,RIPE,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("y,UNRIPE,", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("z,", lines[3], StringComparison.Ordinal);

        // The end model reads its features by position: concepts reordered, or scored by another prompt, are refused by name.
        var yaml = File.ReadAllText(spec.SpecFile!);
        var reordered = SpecReader.Parse(yaml.Replace("  - red\n  - orange\n  - green\n  - yellow\n", "  - green\n  - yellow\n  - red\n  - orange\n", StringComparison.Ordinal), spec.SpecFile!, project);
        var moved = Assert.Throws<UserError>(() => Predictor.Open(reordered));
        Assert.Contains("the end model was trained on other number features than alchemist.yaml gives now (feature 1 was 'red_score' when it was trained and is 'green_score' in the spec now); run `alchemist run` again", moved.Message, StringComparison.Ordinal);
        var reprompted = SpecReader.Parse(yaml.Replace("{concept} fruit.", "{concept} apple.", StringComparison.Ordinal), spec.SpecFile!, project);
        Assert.Contains("the extractor changed", Assert.Throws<UserError>(() => Predictor.Open(reprompted)).Message, StringComparison.Ordinal);
        Assert.Equal(["red_score", "orange_score", "green_score", "yellow_score"], File.ReadAllLines(Path.Combine(project, "out", "model", EndModelStage.FeaturesFile))[..4]);
    }

    [Fact]
    public async Task A_concept_removed_after_a_run_names_the_offline_programs_that_read_it_and_how_to_write_them_anew()
    {
        var project = CopyExample();
        var ct = TestContext.Current.CancellationToken;
        await new RunPipeline(new StringWriter()).RunAsync(project, ct);
        var specFile = Path.Combine(project, TaskSpec.FileName);
        File.WriteAllText(specFile, File.ReadAllText(specFile).Replace("  - orange\n", "", StringComparison.Ordinal));

        var log = new StringWriter();
        await Assert.ThrowsAnyAsync<Exception>(() => new RunPipeline(log).RunAsync(project, ct));

        var text = log.ToString();
        Assert.Contains("rejected: it does not compile:", text, StringComparison.Ordinal);
        Assert.Contains("The offline synthesizer wrote it: delete its programs from programs/ and run again", text, StringComparison.Ordinal);
        Assert.DoesNotContain("reply with the whole program", text, StringComparison.Ordinal);
        Directory.Delete(Path.Combine(project, "programs"), recursive: true);
        var summary = await new RunPipeline(new StringWriter()).RunAsync(project, ct);
        Assert.True(summary.Programs >= 2, $"{summary.Programs} programs");
    }

    [Fact]
    public async Task Under_worst_group_a_valid_split_without_groups_ranks_by_accuracy_and_says_so()
    {
        var project = CopyExample();
        var valid = Path.Combine(project, "data", "valid.csv");
        // id,image,group,label: every valid row's group emptied.
        File.WriteAllLines(valid, File.ReadAllLines(valid).Select((line, i) => i == 0 ? line : string.Join(',', line.Split(',').Select((field, k) => k == 2 ? "" : field))));
        var log = new StringWriter();

        var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);

        var text = log.ToString();
        Assert.Contains("evaluation.metric is worst_group, but no labeled valid row has a group (group is empty on every one): the choices on valid and the verdict against the dev-only baseline rank by accuracy instead", text, StringComparison.Ordinal);
        Assert.Contains("label model: chose 'mv' by valid accuracy", text, StringComparison.Ordinal);
        Assert.DoesNotContain("by valid worst-group accuracy", text, StringComparison.Ordinal);
        Assert.Equal("accuracy", summary.Metric);
        Assert.Equal(120, summary.FinalTestPerGroup.Sum(g => g.Rows));
    }

    [Fact]
    public async Task With_the_exchange_provider_the_LLM_names_the_concepts_then_writes_programs_over_their_scores()
    {
        var project = CopyExample();
        var specFile = Path.Combine(project, TaskSpec.FileName);
        var yaml = File.ReadAllText(specFile);
        yaml = yaml[..yaml.IndexOf("  concepts:", StringComparison.Ordinal)]
            + "synthesis:\n  programs: 3\n  follow_up_calls: 0\nllm:\n  provider: exchange\n  model: claude-sonnet-4-5\nevaluation:\n  metric: worst_group\n";
        File.WriteAllText(specFile, yaml);
        Assert.Empty(SpecReader.Load(project).Extractor!.Concepts);
        var exchange = Path.Combine(project, ".alchemist", "exchange");
        var ct = TestContext.Current.CancellationToken;

        // First run: the concepts prompt waits for its reply.
        var pending = await Assert.ThrowsAnyAsync<SynthesisException>(() => new RunPipeline(new StringWriter()).RunAsync(project, ct));
        Assert.Contains("concepts: waiting for a reply", pending.Message, StringComparison.Ordinal);
        var conceptsPrompt = Assert.Single(Directory.GetFiles(exchange, "concepts.*.prompt.md"));
        var promptText = File.ReadAllText(conceptsPrompt);
        Assert.Contains("- RIPE: the skin is red or orange", promptText, StringComparison.Ordinal);
        Assert.Contains("Name up to 8 visual concepts", promptText, StringComparison.Ordinal);
        File.WriteAllText(conceptsPrompt.Replace(".prompt.md", ".reply.md", StringComparison.Ordinal),
            "Here are concepts that separate ripe from unripe fruit:\n\n- red_skin: red\n- **green_skin**: green\n- orange: orange\n- yellow: yellow\n");

        // Second run: the concepts go into the spec, the images are scored, and the program prompts wait.
        var log = new StringWriter();
        var waiting = await Assert.ThrowsAnyAsync<UserError>(() => new RunPipeline(log).RunAsync(project, ct));
        Assert.Contains("waiting for 3 reply file(s)", waiting.Message, StringComparison.Ordinal);
        var spec = SpecReader.Load(project);
        Assert.Equal(["red_skin", "green_skin", "orange", "yellow"], spec.Extractor!.Concepts.Select(c => c.Name));
        Assert.Equal("red", spec.Extractor.Concepts[0].Description);
        Assert.Contains("image scores: 540 images x 4 concepts", log.ToString(), StringComparison.Ordinal);
        var programPrompts = Directory.GetFiles(exchange, "*.prompt.md").Where(f => !Path.GetFileName(f).StartsWith("concepts.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, programPrompts.Length);
        var programPrompt = File.ReadAllText(programPrompts[0]);
        Assert.Contains("Red_skin_score", programPrompt, StringComparison.Ordinal);
        Assert.Contains("on valid: 5th percentile", programPrompt, StringComparison.Ordinal);
        string[] programs =
        [
            "public static int Label(Row row) => row.Red_skin_score > row.Green_skin_score + 1 ? 0 : -1;",
            "public static int Label(Row row) => row.Green_skin_score > row.Red_skin_score + 1 ? 1 : -1;",
            "public static int Label(Row row) => row.Orange_score > row.Yellow_score + 1 ? 0 : row.Yellow_score > row.Orange_score + 3 ? 1 : -1;",
        ];
        for (var i = 0; i < programPrompts.Length; i++)
        {
            File.WriteAllText(programPrompts[i].Replace(".prompt.md", ".reply.md", StringComparison.Ordinal), $"```csharp\n{programs[i]}\n```\n");
        }

        // Third run: the programs are checked, written and applied; the run ends with its figures per group.
        var summary = await new RunPipeline(new StringWriter()).RunAsync(project, ct);

        Assert.StartsWith("llm exchange", summary.Synthesizer, StringComparison.Ordinal);
        Assert.Equal(3, summary.Programs);
        Assert.Equal(4, summary.FinalTestPerGroup.Count);
        Assert.True(summary.FinalTestAccuracy > 0.75, $"final test accuracy {summary.FinalTestAccuracy}");
        Assert.Single(File.ReadAllLines(Path.Combine(project, ".alchemist", "ledger.jsonl")), line => line.Contains("\"concepts\"", StringComparison.Ordinal));
    }
}
