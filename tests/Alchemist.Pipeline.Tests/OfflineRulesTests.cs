using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>The offline programs vote in the sandbox exactly as their evaluation in process says, which the cross-fit relies on.</summary>
public sealed class OfflineRulesTests
{
    private static readonly string[] Classes = ["ham", "spam"];
    private static readonly string[] Words = ["check", "out", "my", "channel", "subscribe", "please", "video", "free", "win", "now", "great", "song"];

    [Fact]
    public void One_text_input_rows_without_text_get_no_vote_in_process_either()
    {
        var (texts, _, gold) = Sample(new Random(3), 120);
        var rules = OfflineRules.Learn(new OfflineShape(Classes, true, [], [], null), new OfflineInputs([.. texts.Select(t => t[0]!)], [], gold.Length), gold);
        string?[] probe = ["", null, "nice", "x", "check out my channel please"];

        AssertSameVotes(rules, ProgramSignature.SingleText("text", Classes), [probe], []);
    }

    [Fact]
    public void Two_text_inputs_and_a_number_vote_alike_in_process_and_in_the_sandbox_with_empty_cells_and_new_lines()
    {
        var signature = new ProgramSignature(
            [new InputField("text", InputType.Text), new InputField("title", InputType.Text), new InputField("len", InputType.Number)], Classes);
        var shape = new OfflineShape(Classes, true, ["len"], ["Len"], signature.JoinedTextFromRow);
        var (texts, numbers, gold) = Sample(new Random(5), 160);
        var rules = OfflineRules.Learn(shape, new OfflineInputs(Joined(texts), [numbers], gold.Length), gold);
        Assert.Contains(rules.Programs, p => p.Source.Contains("public static int Label(Row row)", StringComparison.Ordinal));

        var (probeTexts, probeNumbers, _) = Sample(new Random(6), 300);
        probeTexts[0] = ["", ""];
        probeTexts[1] = [null, ""];
        probeTexts[2] = ["", "line one\nline two"];
        probeNumbers[3] = double.NaN;
        AssertSameVotes(rules, signature, [[.. probeTexts.Select(t => t[0])], [.. probeTexts.Select(t => t[1])]], [probeNumbers]);
    }

    [Fact]
    public void Threshold_programs_over_relative_concept_differences_vote_alike_in_process_and_in_the_sandbox()
    {
        var spec = SpecReader.Load(Path.Combine(SharedFolder.RepositoryRoot, "examples", "fruit-ripeness"));
        var shape = OfflineShape.Of(spec);
        var inputs = ConceptMargins.ThresholdInputs(spec);
        // Four concept scores per row (red, orange, green, yellow): RIPE rows redder, each row's scores shrunk by a factor of
        // its own as a background does; some rows missing a score or scoring zero everywhere.
        double[][] Scores(Random random, int rows, int[] gold)
        {
            var scores = Enumerable.Range(0, 4).Select(_ => new double[rows]).ToArray();
            for (var r = 0; r < rows; r++)
            {
                var shrink = 0.4 + (0.6 * random.NextDouble());
                var redness = (gold[r] == 0 ? 40 : -20) + (30 * random.NextDouble());
                scores[0][r] = shrink * redness;
                scores[1][r] = shrink * (redness + 30);
                scores[2][r] = shrink * (40 - redness);
                scores[3][r] = shrink * (20 + (20 * random.NextDouble()));
            }

            return scores;
        }

        double[][] Columns(double[][] scores) => [.. inputs.Select((_, i) => ConceptMargins.RelativeDifference(scores[PairOf(i).First], scores[PairOf(i).Second], scores))];
        var gold = Enumerable.Range(0, 120).Select(r => r % 2).ToArray();
        var sample = Scores(new Random(7), gold.Length, gold);
        var rules = OfflineRules.Learn(shape, new OfflineInputs(null, Columns(sample), gold.Length), gold);
        Assert.Contains(rules.Programs, p => p.Source.Contains("Math.Sqrt(row.Red_score * row.Red_score", StringComparison.Ordinal));

        var probeGold = Enumerable.Range(0, 300).Select(r => r % 2).ToArray();
        var probe = Scores(new Random(8), probeGold.Length, probeGold);
        probe[2][0] = double.NaN;
        foreach (var column in probe)
        {
            column[1] = 0;
        }

        var expected = rules.Votes(new OfflineInputs(null, Columns(probe), probeGold.Length));
        var compiler = new ProgramCompiler(ProjectApply.SignatureFor(spec));
        for (var j = 0; j < rules.Programs.Count; j++)
        {
            var (name, source) = rules.Programs[j];
            var compiled = compiler.Compile(source, name);
            Assert.True(compiled.Succeeded, $"{name}: {compiled.FeedbackForLlm()}");
            using var loaded = compiled.Program!.Load();
            var votes = new sbyte[probeGold.Length];
            loaded.CreateInvoker().LabelRange(new ProgramColumns([], probe, probeGold.Length), 0, votes, 0);
            Assert.True(expected.Column(j).SequenceEqual(votes), $"{name}: in process and compiled votes differ");
            Assert.Equal(-1, votes[0]);
            Assert.Equal(-1, votes[1]);
        }
    }

    /// <summary>The concepts compared by the i-th pair of four (red-orange, red-green, red-yellow, orange-green, orange-yellow, green-yellow).</summary>
    private static (int First, int Second) PairOf(int i) => i switch
    {
        0 => (0, 1),
        1 => (0, 2),
        2 => (0, 3),
        3 => (1, 2),
        4 => (1, 3),
        _ => (2, 3),
    };

    /// <summary>Rows of two text inputs (a comment, empty in every fourth ham row; a title) and a number (the comment's length).</summary>
    private static (string?[][] Texts, double[] Numbers, int[] Gold) Sample(Random random, int rows)
    {
        var texts = new string?[rows][];
        var numbers = new double[rows];
        var gold = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            gold[r] = r % 2;
            var comment = gold[r] == 0
                ? (r % 4 == 0 ? "" : "nice")
                : string.Join(' ', Enumerable.Range(0, 8 + random.Next(8)).Select(_ => Words[random.Next(Words.Length)]));
            texts[r] = [comment, r % 5 == 0 ? "" : $"title {random.Next(3)}"];
            numbers[r] = comment.Length;
        }

        return (texts, numbers, gold);
    }

    private static string[] Joined(string?[][] texts) => [.. texts.Select(ProgramSignature.JoinTextInputs)];

    private static void AssertSameVotes(OfflineRules rules, ProgramSignature signature, string?[][] textColumns, double[][] numberColumns)
    {
        var rows = textColumns[0].Length;
        var joined = textColumns.Length == 1 ? textColumns[0] : Joined([.. Enumerable.Range(0, rows).Select(r => textColumns.Select(c => c[r]).ToArray())]);
        var expected = rules.Votes(new OfflineInputs([.. joined.Select(t => t!)], numberColumns, rows));
        var compiler = new ProgramCompiler(signature);
        Assert.NotEmpty(rules.Programs);
        for (var j = 0; j < rules.Programs.Count; j++)
        {
            var (name, source) = rules.Programs[j];
            var compiled = compiler.Compile(source, name);
            Assert.True(compiled.Succeeded, $"{name}: {compiled.FeedbackForLlm()}");
            using var loaded = compiled.Program!.Load();
            var votes = new sbyte[rows];
            loaded.CreateInvoker().LabelRange(new ProgramColumns([.. textColumns.Select(c => c.Select(t => t!).ToArray())], numberColumns, rows), 0, votes, 0);
            Assert.True(expected.Column(j).SequenceEqual(votes), $"{name}: in process [{string.Join(",", expected.Column(j).ToArray().Take(12))}...], compiled [{string.Join(",", votes.Take(12))}...]");
        }
    }
}
