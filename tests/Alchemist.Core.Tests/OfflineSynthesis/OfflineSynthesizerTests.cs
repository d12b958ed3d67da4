using System.Text.Json;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Programs.Compilation;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.OfflineSynthesis;

public sealed class OfflineSynthesizerTests
{
    private static readonly string[] Classes = ["ham", "spam"];

    [Fact]
    public void Classes_whose_names_slug_alike_get_distinct_program_names()
    {
        var (texts, labels) = ChannelComments();

        var programs = OfflineSynthesizer.Synthesize(texts, labels, ["+", "-"]);

        Assert.Contains(programs, p => p.Class == 0 && p.Name.StartsWith("class-", StringComparison.Ordinal) && !p.Name.StartsWith("class-2-", StringComparison.Ordinal));
        Assert.Contains(programs, p => p.Class == 1 && p.Name.StartsWith("class-2-", StringComparison.Ordinal));
        Assert.Equal(programs.Count, programs.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public void Rules_abstain_outside_the_words_that_predict_their_class()
    {
        var (texts, labels) = ChannelComments();

        var programs = OfflineSynthesizer.Synthesize(texts, labels, Classes);

        Assert.NotEmpty(programs);
        var spamKeywords = Assert.Single(programs, p => p.Name == "spam-keywords" || p.Name == "spam-keywords-strong");
        Assert.Contains(spamKeywords.Rules, r => r.Key == "subscribe");
        Assert.DoesNotContain(spamKeywords.Rules, r => r.Key is "song" or "lovely");
        var matcher = new RuleMatcher(spamKeywords.Rules);
        Assert.True(matcher.Fires("you should subscribe"));
        Assert.False(matcher.Fires("nice weather today"));
        Assert.All(programs, p => Assert.Contains("public static int Label(string text)", p.Source, StringComparison.Ordinal));
        Assert.All(programs, p => Assert.Contains("offline synthesizer", p.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_labels_are_rejected_with_the_row()
    {
        var error = Assert.Throws<ArgumentException>(() => OfflineSynthesizer.Synthesize(["a", "b"], [0, 5], Classes));
        Assert.Contains("row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Youtube_programs_are_precise_on_the_sample_and_fire_beyond_it()
    {
        var folder = SharedFolder.Dataset("youtube");
        var (validTexts, validLabels) = ReadWrench(Path.Combine(folder, "valid.json"));
        var (trainTexts, trainLabels) = ReadWrench(Path.Combine(folder, "train.json"));

        var programs = OfflineSynthesizer.Synthesize(validTexts, validLabels, ["HAM", "SPAM"]);

        Assert.InRange(programs.Count, 4, 20);
        Assert.All(programs, p => Assert.True(p.Correct >= 0.8 * p.Fires, $"{p.Name}: {p.Correct}/{p.Fires} on the sample"));
        // Train gold is never used by the synthesizer; here it checks that the rules generalize beyond the sample.
        var fired = 0;
        var correct = 0;
        foreach (var program in programs)
        {
            var matcher = new RuleMatcher(program.Rules);
            for (var i = 0; i < trainTexts.Count; i++)
            {
                if (matcher.Fires(trainTexts[i]))
                {
                    fired++;
                    correct += trainLabels[i] == program.Class ? 1 : 0;
                }
            }
        }

        Assert.True(fired > trainTexts.Count, $"programs fired {fired} times on {trainTexts.Count} train rows");
        Assert.True(correct > 0.7 * fired, $"votes on train: {correct}/{fired} correct");
    }

    [Fact]
    public void Written_programs_compile_in_the_sandbox_and_vote_exactly_as_their_rules()
    {
        var folder = SharedFolder.Dataset("youtube");
        var (validTexts, validLabels) = ReadWrench(Path.Combine(folder, "valid.json"));
        var (trainTexts, _) = ReadWrench(Path.Combine(folder, "train.json"));
        var result = OfflineSynthesizer.SynthesizeWithChoice(validTexts, validLabels, ["HAM", "SPAM"]);

        Assert.Contains(result.Programs, p => p.Rules is [{ Scorer: not null }]);
        Assert.Contains(result.Programs, p => p.Rules.All(r => r.Scorer is null));
        var compiler = new ProgramCompiler(ProgramSignature.SingleText("text", ["HAM", "SPAM"]));
        var tokens = trainTexts.Select(RuleFeatures.Tokenize).ToArray();
        foreach (var program in result.Programs)
        {
            var compiled = compiler.Compile(program.Source, program.Name);
            Assert.True(compiled.Succeeded, $"{program.Name}: {compiled}");
            using var loaded = compiled.Program!.Load();
            var invoker = loaded.CreateInvoker();
            var matcher = new RuleMatcher(program.Rules);
            for (var i = 0; i < trainTexts.Count; i++)
            {
                var expected = matcher.Fires(trainTexts[i], tokens[i]) ? program.Class : -1;
                Assert.True(expected == invoker.Label(trainTexts[i], i), $"{program.Name} on train row {i}: rules say {expected}");
            }
        }
    }

    /// <summary>
    /// The synthesizer's own claim, checked on rows it never saw: programs written from one half of youtube's valid split,
    /// fitted by majority vote on train votes (no train gold), label the other half about as well as the dev-only baseline
    /// does on test (0.95) and cover nearly all of it; and beat the old fixed settings (rules at strictness 0.6, no scoring).
    /// </summary>
    [Fact]
    public void Youtube_majority_vote_of_programs_from_half_the_sample_labels_the_other_half()
    {
        var folder = SharedFolder.Dataset("youtube");
        var (validTexts, validLabels) = ReadWrench(Path.Combine(folder, "valid.json"));
        var (trainTexts, _) = ReadWrench(Path.Combine(folder, "train.json"));
        var chosen = HeldOutMajorityVote(validTexts, validLabels, trainTexts, null);
        var fixedOld = HeldOutMajorityVote(validTexts, validLabels, trainTexts, new OfflineSynthesisOptions { Strictness = 0.6, Scoring = ScoringSettings.None });

        Assert.True(chosen.Coverage >= 0.9, $"held-out coverage {chosen.Coverage:0.000}");
        Assert.True(chosen.Accuracy >= 0.88, $"held-out majority-vote accuracy {chosen.Accuracy:0.000}");
        Assert.True(chosen.Accuracy >= fixedOld.Accuracy, $"chosen settings {chosen.Accuracy:0.000}, old fixed settings {fixedOld.Accuracy:0.000}");
    }

    private static (double Accuracy, double Coverage) HeldOutMajorityVote(List<string> texts, List<int> labels, List<string> trainTexts, OfflineSynthesisOptions? options)
    {
        int correct = 0, covered = 0;
        var trainTokens = trainTexts.Select(RuleFeatures.Tokenize).ToArray();
        for (var half = 0; half < 2; half++)
        {
            var learn = Enumerable.Range(0, texts.Count).Where(r => r % 2 != half).ToArray();
            var hold = Enumerable.Range(0, texts.Count).Where(r => r % 2 == half).ToArray();
            var programs = OfflineSynthesizer.Synthesize(learn.Select(r => texts[r]).ToArray(), learn.Select(r => labels[r]).ToArray(), ["HAM", "SPAM"], options);
            var holdTexts = hold.Select(r => texts[r]).ToArray();
            var trainVotes = Votes(programs, trainTexts, trainTokens);
            var holdVotes = Votes(programs, holdTexts, holdTexts.Select(RuleFeatures.Tokenize).ToArray());
            var model = LabelModelCatalog.Create("mv");
            var spam = learn.Count(r => labels[r] == 1) / (double)learn.Length;
            model.Fit(trainVotes, ClassBalance.FromGiven([1 - spam, spam]));
            var predicted = LabelModelCatalog.PredictLabels(model, holdVotes);
            for (var k = 0; k < hold.Length; k++)
            {
                correct += predicted[k] == labels[hold[k]] ? 1 : 0;
                covered += Enumerable.Range(0, programs.Count).Any(j => holdVotes[k, j] != LabelMatrix.Abstain) ? 1 : 0;
            }
        }

        return (correct / (double)texts.Count, covered / (double)texts.Count);
    }

    private static LabelMatrix Votes(IReadOnlyList<OfflineProgram> programs, IReadOnlyList<string> texts, string[][] tokens)
    {
        var matrix = new LabelMatrix(texts.Count, 2, programs.Select(p => p.Name).ToArray());
        for (var j = 0; j < programs.Count; j++)
        {
            var matcher = new RuleMatcher(programs[j].Rules);
            var column = matrix.ColumnForWriting(j);
            for (var r = 0; r < texts.Count; r++)
            {
                column[r] = matcher.Fires(texts[r], tokens[r]) ? (sbyte)programs[j].Class : LabelMatrix.Abstain;
            }
        }

        return matrix;
    }

    internal static (List<string> Texts, List<int> Labels) ReadWrench(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var texts = new List<string>();
        var labels = new List<int>();
        foreach (var row in document.RootElement.EnumerateObject())
        {
            texts.Add(row.Value.GetProperty("data").GetProperty("text").GetString() ?? "");
            labels.Add(row.Value.GetProperty("label").GetInt32());
        }

        return (texts, labels);
    }

    /// <summary>Thirty comments asking to subscribe (class 1) and thirty about the song (class 0), alternating.</summary>
    private static (List<string> Texts, List<int> Labels) ChannelComments()
    {
        var texts = new List<string>();
        var labels = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            texts.Add($"please subscribe to my channel number {i}");
            labels.Add(1);
            texts.Add($"what a lovely song, she sings well {i}");
            labels.Add(0);
        }

        return (texts, labels);
    }
}
