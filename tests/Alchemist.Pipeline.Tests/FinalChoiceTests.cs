using Alchemist.Cli.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public class FinalChoiceTests
{
    private const int Rows = 200;

    [Fact]
    public void Paired_lead_counts_rows_only_one_side_gets_right_and_its_standard_error_is_of_the_paired_difference()
    {
        var gold = Enumerable.Range(0, 100).Select(r => r % 2).Append(-1).ToArray();
        // a alone is right on rows 0-4, b alone on row 5, both on the rest; the unlabeled last row does not count.
        var a = gold.Select((g, r) => r == 5 ? 1 - g : g).ToArray();
        var b = gold.Select((g, r) => r < 5 ? 1 - g : g).ToArray();

        var (leadRows, standardErrorRows) = FinalChoice.PairedLead(a, b, gold);

        Assert.Equal(4, leadRows);
        // Per-row differences: five +1, one -1, 94 zeros; sample variance (6 - 100 * 0.04^2) / 99, times 100 rows.
        Assert.Equal(Math.Sqrt((6 - (100 * 0.04 * 0.04)) / 99 * 100), standardErrorRows, 9);
        Assert.Equal((-4, standardErrorRows), FinalChoice.PairedLead(b, a, gold));
    }

    [Fact]
    public void A_candidate_far_ahead_of_the_default_blend_on_valid_replaces_it()
    {
        var gold = Gold();
        // The label model is wrong on every tenth row, the end model never: 20 rows of 200 separate them.
        var choice = FinalChoice.Choose(Probabilities(gold, r => r % 10 == 0), Probabilities(gold, _ => false), null, AllCovered(), gold, 2);

        Assert.NotEqual(FinalChoice.DefaultWeight, choice.LabelModelWeight);
        Assert.Equal(1.0, choice.Scores.Single(s => s.Weight == choice.LabelModelWeight).ValidAccuracy);
        var lead = Assert.NotNull(choice.LeadOverDefault);
        Assert.Equal(choice.Describe(), lead.Best);
        Assert.True(lead.LeadRows > FinalChoice.RequiredLead * lead.StandardErrorRows, $"lead {lead.LeadRows}, standard error {lead.StandardErrorRows}");
    }

    [Fact]
    public void A_candidate_a_row_ahead_of_the_default_blend_on_valid_does_not_replace_it()
    {
        var gold = Gold();
        // The label model is wrong on rows 0 and 100, the end model on row 7: the best candidate leads the default by one row.
        var choice = FinalChoice.Choose(Probabilities(gold, r => r is 0 or 100), Probabilities(gold, r => r == 7), null, AllCovered(), gold, 2);

        Assert.Equal("blend:0.75", choice.Describe());
        Assert.Equal(FinalChoice.DefaultWeight, choice.LabelModelWeight);
        var lead = Assert.NotNull(choice.LeadOverDefault);
        Assert.NotEqual("blend:0.75", lead.Best);
        Assert.Equal(1, lead.LeadRows);
        Assert.InRange(lead.StandardErrorRows, 1.6, 1.8);
        Assert.Equal(choice.Scores.Max(s => s.ValidAccuracy) - (1.0 / Rows), choice.Scores.Single(s => s.Weight == FinalChoice.DefaultWeight).ValidAccuracy, 9);
    }

    [Fact]
    public void The_dev_only_baseline_replaces_the_default_only_when_far_ahead_too()
    {
        var gold = Gold();
        var weak = Probabilities(gold, r => r % 5 == 0);
        var choice = FinalChoice.Choose(weak, weak, Probabilities(gold, _ => false), AllCovered(), gold, 2);
        Assert.True(choice.UseDevOnly);
        Assert.Equal(FinalChoice.DevOnlyName, choice.Describe());

        var close = FinalChoice.Choose(weak, weak, Probabilities(gold, r => r % 5 == 0 && r != 0), AllCovered(), gold, 2);
        Assert.False(close.UseDevOnly);
        Assert.Equal(FinalChoice.DevOnlyName, Assert.NotNull(close.LeadOverDefault).Best);
    }

    [Fact]
    public void Valid_predictions_hold_each_weight_then_the_dev_only_baseline()
    {
        var gold = Gold();
        var devOnly = Probabilities(gold, r => r % 3 == 0);
        var choice = FinalChoice.Choose(Probabilities(gold, r => r % 10 == 0), Probabilities(gold, r => r % 4 == 0), devOnly, AllCovered(), gold, 2);

        Assert.Equal(FinalChoice.Weights.Count + 1, choice.ValidPredictions.Count);
        Assert.Equal(Enumerable.Range(0, Rows).Select(r => r % 3 == 0 ? 1 - gold[r] : gold[r]), choice.ValidPredictions[^1]);
        for (var k = 0; k < FinalChoice.Weights.Count; k++)
        {
            var right = choice.ValidPredictions[k].Where((p, r) => p == gold[r]).Count();
            Assert.Equal(choice.Scores[k].ValidAccuracy, right / (double)Rows, 9);
        }
    }

    [Fact]
    public void When_nothing_tells_the_candidates_apart_the_default_is_kept_and_no_lead_is_reported()
    {
        var gold = Gold();
        // No program voted on any row: every blend is the end model alone, so all weights score exactly alike.
        var choice = FinalChoice.Choose(Probabilities(gold, _ => true), Probabilities(gold, r => r % 7 == 0), null, new bool[Rows], gold, 2);

        Assert.Equal("blend:0.75", choice.Describe());
        Assert.Null(choice.LeadOverDefault);
    }

    [Fact]
    public void Paired_lead_refuses_predictions_that_do_not_cover_every_row()
    {
        var error = Assert.Throws<ArgumentException>(() => FinalChoice.PairedLead([0, 1], [0, 1, 1], [0, 1, 1]));
        Assert.Contains("2 and 3 predictions for 3 gold labels", error.Message, StringComparison.Ordinal);
    }

    private static int[] Gold() => [.. Enumerable.Range(0, Rows).Select(r => r % 2)];

    private static bool[] AllCovered() => [.. Enumerable.Repeat(true, Rows)];

    /// <summary>Two-class probabilities, 0.8 on the gold class except on the rows where <paramref name="wrong"/> holds.</summary>
    private static float[] Probabilities(int[] gold, Func<int, bool> wrong)
    {
        var probabilities = new float[gold.Length * 2];
        for (var r = 0; r < gold.Length; r++)
        {
            var predicted = wrong(r) ? 1 - gold[r] : gold[r];
            probabilities[(r * 2) + predicted] = 0.8f;
            probabilities[(r * 2) + 1 - predicted] = 0.2f;
        }

        return probabilities;
    }
}
