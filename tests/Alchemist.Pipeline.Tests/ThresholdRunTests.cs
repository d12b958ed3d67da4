using System.Globalization;
using System.Text.Json;
using Alchemist.OfflineSynthesis;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>Projects with number inputs run offline end to end: threshold programs, cross-fitted valid figures, predict.</summary>
public sealed class ThresholdRunTests : IDisposable
{
    private static readonly string[] Classes = ["cat", "dog"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-threshold-" + Guid.NewGuid().ToString("N"));

    public ThresholdRunTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_project_with_number_inputs_only_runs_offline_end_to_end_with_cross_fitted_valid_figures()
    {
        var random = new Random(11);
        var files = new Dictionary<string, string>();
        foreach (var (split, rows) in new[] { ("train", 600), ("valid", 120), ("test", 300) })
        {
            var (features, labels) = CatDogScores.Sample(random, rows);
            files[split] = WriteCsv(split, ["catScore", "dogScore"], features, labels);
        }

        var log = new StringWriter();
        var summary = await InitAndRun(log, new NewProject { Data = files["train"], Valid = files["valid"], Test = files["test"], NumberFields = ["catScore", "dogScore"] });

        Assert.Contains("cross-fitting the offline synthesizer on valid", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("rejected", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(OfflineSynthesizer.Provenance, summary.Synthesizer);
        Assert.InRange(summary.Programs, 2, 20);
        Assert.True(summary.Coverage > 0.9, $"coverage {summary.Coverage}");
        // Two features, each 1.67 standard deviations apart between the classes: the best possible accuracy is about 0.88.
        Assert.True(summary.LabelModelTestAccuracy >= 0.75, $"label model {summary.LabelModelTestAccuracy}");
        Assert.True(summary.FinalTestAccuracy >= 0.8, $"final {summary.FinalTestAccuracy}");
    }

    [Fact]
    public async Task Surface_features_of_the_real_sms_split_label_it_offline_far_above_the_majority_class()
    {
        var folder = SharedFolder.Dataset("sms");
        string[] names = ["length", "digits", "upperShare", "exclamations"];
        var files = new Dictionary<string, string>();
        var testLabels = Array.Empty<int>();
        foreach (var split in new[] { "train", "valid", "test" })
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, split + ".json")));
            var rows = json.RootElement.EnumerateObject().Select(row => row.Value).ToArray();
            var texts = rows.Select(r => r.GetProperty("data").GetProperty("text").GetString()!).ToArray();
            var labels = rows.Select(r => r.GetProperty("label").GetInt32()).ToArray();
            double[][] features =
            [
                [.. texts.Select(t => (double)t.Length)],
                [.. texts.Select(t => (double)t.Count(char.IsDigit))],
                [.. texts.Select(t => t.Count(char.IsUpper) / (double)Math.Max(1, t.Count(char.IsLetter)))],
                [.. texts.Select(t => (double)t.Count(ch => ch == '!'))],
            ];
            files[split] = WriteCsv(split, names, features, labels, ["ham", "spam"]);
            testLabels = split == "test" ? labels : testLabels;
        }

        var summary = await InitAndRun(new StringWriter(), new NewProject { Data = files["train"], Valid = files["valid"], Test = files["test"], NumberFields = names, Classes = "ham,spam" });

        var majority = testLabels.GroupBy(l => l).Max(g => g.Count()) / (double)testLabels.Length;
        Assert.True(summary.FinalTestAccuracy >= majority + 0.05, $"final {summary.FinalTestAccuracy}, majority class {majority:0.000}");
        Assert.True(summary.LabelModelTestAccuracy >= majority + 0.03, $"label model {summary.LabelModelTestAccuracy}, majority class {majority:0.000}");
    }

    [Fact]
    public async Task A_project_with_text_and_number_inputs_gets_text_rules_and_threshold_programs_that_all_compile()
    {
        // The youtube comments with their length in characters as a number input beside the text.
        var folder = SharedFolder.Dataset("youtube");
        var files = new Dictionary<string, string>();
        foreach (var split in new[] { "train", "valid", "test" })
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, split + ".json")));
            var lines = json.RootElement.EnumerateObject().Select(row =>
            {
                var text = row.Value.GetProperty("data").GetProperty("text").GetString()!;
                return string.Join(',', [row.Name, Quoted(text), text.Length.ToString(CultureInfo.InvariantCulture), row.Value.GetProperty("label").GetInt32() == 1 ? "spam" : "ham"]);
            });
            files[split] = Path.Combine(_root, split + ".csv");
            File.WriteAllLines(files[split], ["id,text,length,label", .. lines]);
        }

        var log = new StringWriter();
        var summary = await InitAndRun(log, new NewProject { Data = files["train"], Valid = files["valid"], Test = files["test"], TextFields = ["text"], NumberFields = ["length"], Classes = "ham,spam" });

        Assert.DoesNotContain("rejected", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("cross-fitting the offline synthesizer on valid", log.ToString(), StringComparison.Ordinal);
        var programs = Directory.GetFiles(Path.Combine(_root, "project", "programs")).Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.Contains(programs, p => p!.Contains("-length-at-", StringComparison.Ordinal));
        Assert.Contains(programs, p => p!.EndsWith("-keywords", StringComparison.Ordinal));
        Assert.Equal(programs.Length, summary.Programs);
        Assert.True(summary.FinalTestAccuracy >= 0.92, $"final {summary.FinalTestAccuracy}");

        // The end model reads the text and the number, and `predict` labels new rows the same way.
        Assert.Equal(EndModel.EndModelInput.TextAndFeatures, EndModel.EndModel.Load(Path.Combine(_root, "project", summary.EndModelFolder)).Info.Input);
        var predicted = Path.Combine(_root, "predicted.jsonl");
        var predictor = Predictor.Open(SpecReader.Load(Path.Combine(_root, "project")));
        using (var output = File.Create(predicted))
        {
            predictor.Write(Predictor.OpenRows(predictor.Spec, files["test"]), output, LabelFileFormat.Jsonl, cancellation: TestContext.Current.CancellationToken);
        }

        Assert.Equal(File.ReadAllLines(files["test"]).Length - 1, File.ReadAllLines(predicted).Length);
    }

    [Fact]
    public async Task The_middle_class_of_an_ordinal_score_gets_a_program_between_two_thresholds_and_is_labeled()
    {
        // A noisy score whose low third is "low", middle third "middle" and top third "high": no stump holds "middle".
        string[] classes = ["low", "middle", "high"];
        var random = new Random(5);
        var files = new Dictionary<string, string>();
        foreach (var (split, rows) in new[] { ("train", 600), ("valid", 150), ("test", 300) })
        {
            var labels = Enumerable.Range(0, rows).Select(r => r % 3).ToArray();
            double[] score = [.. labels.Select(l => l + (0.35 * (random.NextDouble() + random.NextDouble() - 1)))];
            files[split] = WriteCsv(split, ["score"], [score], labels, classes);
        }

        var log = new StringWriter();
        var summary = await InitAndRun(log, new NewProject { Data = files["train"], Valid = files["valid"], Test = files["test"], NumberFields = ["score"], Classes = string.Join(',', classes) });

        var programs = Directory.GetFiles(Path.Combine(_root, "project", "programs")).Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.Contains("middle-score-between", programs);
        Assert.DoesNotContain("wrote no program", log.ToString(), StringComparison.Ordinal);
        var middle = Assert.Single(summary.FinalTestPerClass, c => c.Class == "middle");
        Assert.True(middle.Recall > 0.8 && middle.Precision > 0.8, $"middle: precision {middle.Precision}, recall {middle.Recall}");
        Assert.True(summary.FinalTestAccuracy >= 0.9, $"final {summary.FinalTestAccuracy}");
    }

    private static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private string WriteCsv(string split, string[] names, double[][] features, int[] labels, string[]? classNames = null)
    {
        var path = Path.Combine(_root, split + ".csv");
        var lines = Enumerable.Range(0, labels.Length).Select(r =>
            string.Join(',', [$"{split}-{r}", .. features.Select(f => f[r].ToString("R", CultureInfo.InvariantCulture)), (classNames ?? Classes)[labels[r]]]));
        File.WriteAllLines(path, [string.Join(',', ["id", .. names, "label"]), .. lines]);
        return path;
    }

    private Task<RunSummary> InitAndRun(StringWriter log, NewProject data)
    {
        var project = Path.Combine(_root, "project");
        ProjectInit.Create(project, data with { LabelField = "label", IdField = "id", Classes = data.Classes ?? string.Join(',', Classes) });
        return new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);
    }
}
