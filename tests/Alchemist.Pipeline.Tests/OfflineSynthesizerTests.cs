using System.Text.Json;
using Alchemist.OfflineSynthesis;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public sealed class OfflineSynthesizerTests
{
    private static readonly string[] Classes = ["ham", "spam"];

    [Fact]
    public void Rules_abstain_outside_the_words_that_predict_their_class()
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
}
