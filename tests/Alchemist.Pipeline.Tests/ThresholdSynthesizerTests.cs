using System.Globalization;
using System.Text.Json;
using Alchemist.OfflineSynthesis;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>The offline synthesizer for number inputs (threshold programs), alone and through a whole run.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class ThresholdSynthesizerTests : IDisposable
{
    private static readonly string[] Classes = ["cat", "dog"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-threshold-" + Guid.NewGuid().ToString("N"));

    public ThresholdSynthesizerTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_separating_feature_gets_one_rule_per_class_with_the_threshold_between_the_groups_and_a_noise_feature_none()
    {
        // dogScore: cats 0.10..0.39, dogs 0.61..0.90; noise: the same values under both classes.
        var dogScore = new List<double>();
        var noise = new List<double>();
        var labels = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            dogScore.Add(0.1 + (i / 100.0));
            noise.Add(i % 10);
            labels.Add(0);
            dogScore.Add(0.61 + (i / 100.0));
            noise.Add(i % 10);
            labels.Add(1);
        }

        var programs = ThresholdSynthesizer.Synthesize([[.. dogScore], [.. noise]], ["dogScore", "noise"], labels, Classes);

        Assert.Equal(2, programs.Count);
        Assert.All(programs, p => Assert.Equal("dogScore", p.Rule.Feature));
        var dog = Assert.Single(programs, p => p.Rule.Class == 1);
        Assert.Equal(ThresholdDirection.AtLeast, dog.Rule.Direction);
        Assert.Equal(0.5, dog.Rule.Threshold, 9);
        Assert.Equal((30, 30), (dog.Rule.Fires, dog.Rule.Correct));
        var cat = Assert.Single(programs, p => p.Rule.Class == 0);
        Assert.Equal(ThresholdDirection.AtMost, cat.Rule.Direction);
        Assert.Equal(0.5, cat.Rule.Threshold, 9);
        Assert.Equal("dog-dogscore-at-least", dog.Name);
        Assert.Contains("public static int Label(Row row)", dog.Source, StringComparison.Ordinal);
        Assert.Contains("offline synthesizer", dog.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Written_programs_compile_in_the_sandbox_and_vote_exactly_as_the_rules_do_missing_values_abstaining()
    {
        var random = new Random(7);
        var (features, labels) = Gaussians(random, 200);
        var programs = ThresholdSynthesizer.Synthesize(features, ["catScore", "dogScore"], labels, Classes, ["CatScore", "DogScore"]);
        Assert.NotEmpty(programs);

        var (unseen, _) = Gaussians(random, 300);
        unseen[0][3] = double.NaN;
        unseen[1][3] = double.NaN;
        // Values exactly at each program's threshold, and infinities, where a comparison written otherwise would differ.
        for (var j = 0; j < programs.Count; j++)
        {
            unseen[programs[j].Rule.FeatureIndex][10 + j] = programs[j].Rule.Threshold;
        }

        unseen[0][4] = double.PositiveInfinity;
        unseen[1][4] = double.NegativeInfinity;
        unseen[0][5] = double.NegativeInfinity;
        unseen[1][5] = double.PositiveInfinity;
        var expected = ThresholdSynthesizer.Votes(programs, unseen, 300, 2);
        var compiler = new ProgramCompiler(new ProgramSignature([new InputField("catScore", InputType.Number), new InputField("dogScore", InputType.Number)], Classes));
        var columns = new ProgramColumns([], unseen, 300);
        for (var j = 0; j < programs.Count; j++)
        {
            var compiled = compiler.Compile(programs[j].Source, programs[j].Name);
            Assert.True(compiled.Succeeded, $"{programs[j].Name}: {compiled.FeedbackForLlm()}");
            using var loaded = compiled.Program!.Load();
            var votes = new sbyte[300];
            loaded.CreateInvoker().LabelRange(columns, 0, votes, 0);
            Assert.Equal(expected.Column(j).ToArray(), votes);
            Assert.Equal(-1, votes[3]);
        }
    }

    [Fact]
    public void Equal_values_are_never_split_and_the_threshold_lies_between_the_last_value_in_and_the_first_out()
    {
        double[] x = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4];
        int[] labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];

        var programs = ThresholdSynthesizer.Synthesize([x], ["x"], labels, Classes);

        Assert.Equal(2.5, Assert.Single(programs, p => p.Rule.Class == 1).Rule.Threshold);
        Assert.Equal(2.5, Assert.Single(programs, p => p.Rule.Class == 0).Rule.Threshold);
    }

    [Fact]
    public void Infinite_and_huge_values_give_thresholds_that_are_finite_literals_and_count_what_the_rule_fires_on()
    {
        double[] x = [double.NegativeInfinity, -1.6e308, -1.5e308, -1.5e308, 1.5e308, 1.5e308, 1.6e308, double.PositiveInfinity];
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1];

        var programs = ThresholdSynthesizer.Synthesize([x], ["x"], labels, Classes, options: new OfflineSynthesisOptions { MinSupport = 2 });

        Assert.Equal(2, programs.Count);
        foreach (var program in programs)
        {
            Assert.True(double.IsFinite(program.Rule.Threshold), program.Source);
            Assert.Equal(4, program.Rule.Fires);
            Assert.Equal(4, x.Count(program.Rule.FiresOn));
            Assert.DoesNotContain("Infinity", program.Source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rules_whose_names_would_be_the_same_get_distinct_names_so_no_program_file_overwrites_another()
    {
        // Two features that slug alike, each separating a different half of the dogs.
        // A third, with a field name longer than a program name may be, separates yet another set of dogs.
        var first = new double[80];
        var second = new double[80];
        var third = new double[80];
        var labels = new int[80];
        for (var r = 0; r < 80; r++)
        {
            labels[r] = r < 40 ? 1 : 0;
            first[r] = r < 20 ? 0.9 : 0.1;
            second[r] = r is >= 20 and < 40 ? 0.9 : 0.1;
            third[r] = r is < 10 or (>= 20 and < 30) ? 0.9 : 0.1;
        }

        var longName = "clip_similarity_to_the_prompt_a_photograph_of_a_domestic_dog_sitting_indoors_on_a_sofa_or_a_bed";
        var programs = ThresholdSynthesizer.Synthesize([first, second, third], ["a_b", "a__b", longName], labels, Classes);

        Assert.Equal(3, programs.Count);
        Assert.Equal(["dog-a-b-at-least", "dog-a-b-at-least-2"], programs.Where(p => p.Name.StartsWith("dog-a-b", StringComparison.Ordinal)).Select(p => p.Name).Order());
        var clip = Assert.Single(programs, p => p.Name.StartsWith("dog-clip-similarity", StringComparison.Ordinal));
        Assert.InRange(clip.Name.Length, 1, 100);
        _ = new ProgramFile(clip.Name, new ProgramProvenance { Kind = ProgramAuthorKind.Synthesizer, Created = DateTimeOffset.UnixEpoch }, clip.Source);
    }

    [Fact]
    public void Inputs_that_do_not_line_up_are_refused_with_what_is_wrong()
    {
        var ragged = Assert.Throws<ArgumentException>(() => ThresholdSynthesizer.Synthesize([[0.1, 0.2], [0.3]], ["a", "b"], [0, 1], Classes));
        Assert.Contains("a feature column has 1 values for 2 labeled rows", ragged.Message, StringComparison.Ordinal);
        var label = Assert.Throws<ArgumentException>(() => ThresholdSynthesizer.Synthesize([[0.1, 0.2]], ["a"], [0, 2], Classes));
        Assert.Contains("label 2 is not a class index (0..1)", label.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_project_with_number_inputs_only_runs_offline_end_to_end_with_cross_fitted_valid_figures()
    {
        var random = new Random(11);
        var files = new Dictionary<string, string>();
        foreach (var (split, rows) in new[] { ("train", 600), ("valid", 120), ("test", 300) })
        {
            var (features, labels) = Gaussians(random, rows);
            files[split] = WriteCsv(split, ["catScore", "dogScore"], features, labels);
        }

        var log = new StringWriter();
        var summary = InitAndRun(log, ["--data", files["train"], "--valid", files["valid"], "--test", files["test"], "--number-field", "catScore", "dogScore"]);

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
    public void Surface_features_of_the_real_sms_split_label_it_offline_far_above_the_majority_class()
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

        var summary = InitAndRun(new StringWriter(), ["--data", files["train"], "--valid", files["valid"], "--test", files["test"], "--number-field", .. names], "ham,spam");

        var majority = testLabels.GroupBy(l => l).Max(g => g.Count()) / (double)testLabels.Length;
        Assert.True(summary.FinalTestAccuracy >= majority + 0.05, $"final {summary.FinalTestAccuracy}, majority class {majority:0.000}");
        Assert.True(summary.LabelModelTestAccuracy >= majority + 0.03, $"label model {summary.LabelModelTestAccuracy}, majority class {majority:0.000}");
    }

    [Fact]
    public void A_project_with_text_and_number_inputs_gets_text_rules_and_threshold_programs_that_all_compile()
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
        var summary = InitAndRun(log, ["--data", files["train"], "--valid", files["valid"], "--test", files["test"], "--text-field", "text", "--number-field", "length"], "ham,spam");

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
        var predict = CliBadInputTests.Invoke(["predict", Path.Combine(_root, "project"), files["test"], "--output", predicted]);
        Assert.True(predict.Code == 0, predict.Error);
        Assert.Equal(File.ReadAllLines(files["test"]).Length - 1, File.ReadAllLines(predicted).Length);
    }

    private static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Two classes, each feature 0.25 apart between them with standard deviation 0.15 (catScore high for cats, dogScore for dogs).</summary>
    private static (double[][] Features, int[] Labels) Gaussians(Random random, int rows)
    {
        var labels = new int[rows];
        double[][] features = [new double[rows], new double[rows]];
        for (var r = 0; r < rows; r++)
        {
            labels[r] = random.Next(2);
            features[0][r] = Normal(random, labels[r] == 0 ? 0.6 : 0.35, 0.15);
            features[1][r] = Normal(random, labels[r] == 0 ? 0.35 : 0.6, 0.15);
        }

        return (features, labels);
    }

    private static double Normal(Random random, double mean, double deviation) =>
        mean + (deviation * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private string WriteCsv(string split, string[] names, double[][] features, int[] labels, string[]? classNames = null)
    {
        var path = Path.Combine(_root, split + ".csv");
        var lines = Enumerable.Range(0, labels.Length).Select(r =>
            string.Join(',', [$"{split}-{r}", .. features.Select(f => f[r].ToString("R", CultureInfo.InvariantCulture)), (classNames ?? Classes)[labels[r]]]));
        File.WriteAllLines(path, [string.Join(',', ["id", .. names, "label"]), .. lines]);
        return path;
    }

    private RunSummary InitAndRun(StringWriter log, string[] dataOptions, string classes = "cat,dog")
    {
        var project = Path.Combine(_root, "project");
        var init = CliBadInputTests.Invoke(["init", project, .. dataOptions, "--label-field", "label", "--id-field", "id", "--classes", classes]);
        Assert.True(init.Code == 0, init.Error);
        return new RunPipeline(log).Run(project);
    }
}
