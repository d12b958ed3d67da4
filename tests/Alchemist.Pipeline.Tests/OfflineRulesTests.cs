using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Spec;
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
