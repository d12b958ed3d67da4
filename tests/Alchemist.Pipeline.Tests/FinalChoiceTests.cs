using Alchemist.Evaluation;
using Alchemist.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public class FinalChoiceTests
{
    private const int Rows = 200;

    [Fact]
    public void A_candidate_far_ahead_of_the_default_blend_on_valid_replaces_it()
    {
        var gold = Gold();
        // The label model is wrong on every tenth row, the end model never: 20 rows of 200 separate them.
        var choice = FinalChoice.Choose(Probabilities(gold, r => r % 10 == 0), Probabilities(gold, _ => false), null, AllCovered(), gold, 2, EvaluationMetric.Accuracy);

        Assert.NotEqual(FinalChoice.DefaultWeight, choice.LabelModelWeight);
        Assert.Equal(1.0, choice.Scores.Single(s => s.Weight == choice.LabelModelWeight).ValidAccuracy);
        var lead = Assert.NotNull(choice.LeadOverDefault);
        Assert.Equal(choice.Describe(), lead.Best);
        Assert.True(lead.Lead.Exceeds(PairedLead.RequiredStandardErrors), lead.Lead.Describe());
        Assert.Contains("more than 2 standard errors", choice.Reason);
    }

    [Fact]
    public void A_candidate_a_row_ahead_of_the_default_blend_on_valid_does_not_replace_it()
    {
        var gold = Gold();
        // The label model is wrong on rows 0 and 100, the end model on row 7: the best candidate leads the default by one row.
        var choice = FinalChoice.Choose(Probabilities(gold, r => r is 0 or 100), Probabilities(gold, r => r == 7), null, AllCovered(), gold, 2, EvaluationMetric.Accuracy);

        Assert.Equal("blend:0.75", choice.Describe());
        Assert.Equal(FinalChoice.DefaultWeight, choice.LabelModelWeight);
        var lead = Assert.NotNull(choice.LeadOverDefault);
        Assert.NotEqual("blend:0.75", lead.Best);
        Assert.Equal(1, lead.Lead.LeadRows);
        Assert.InRange(lead.Lead.StandardErrorRows, 1.6, 1.8);
        Assert.Contains("within 2 standard errors, so the default was kept", choice.Reason);
        Assert.Equal(choice.Scores.Max(s => s.ValidAccuracy) - (1.0 / Rows), choice.Scores.Single(s => s.Weight == FinalChoice.DefaultWeight).ValidAccuracy, 9);
    }

    [Fact]
    public void The_dev_only_baseline_replaces_the_default_only_when_far_ahead_too()
    {
        var gold = Gold();
        var weak = Probabilities(gold, r => r % 5 == 0);
        var choice = FinalChoice.Choose(weak, weak, Probabilities(gold, _ => false), AllCovered(), gold, 2, EvaluationMetric.Accuracy);
        Assert.True(choice.UseDevOnly);
        Assert.Equal(FinalChoice.DevOnlyName, choice.Describe());

        var close = FinalChoice.Choose(weak, weak, Probabilities(gold, r => r % 5 == 0 && r != 0), AllCovered(), gold, 2, EvaluationMetric.Accuracy);
        Assert.False(close.UseDevOnly);
        Assert.Equal(FinalChoice.DevOnlyName, Assert.NotNull(close.LeadOverDefault).Best);
    }

    [Fact]
    public void Valid_predictions_hold_each_weight_then_the_dev_only_baseline()
    {
        var gold = Gold();
        var devOnly = Probabilities(gold, r => r % 3 == 0);
        var choice = FinalChoice.Choose(Probabilities(gold, r => r % 10 == 0), Probabilities(gold, r => r % 4 == 0), devOnly, AllCovered(), gold, 2, EvaluationMetric.Accuracy);

        Assert.Equal(FinalChoice.Weights.Count + 1, choice.ValidPredictions.Count);
        Assert.Equal(Enumerable.Range(0, Rows).Select(r => r % 3 == 0 ? 1 - gold[r] : gold[r]), choice.ValidPredictions[^1]);
        for (var k = 0; k < FinalChoice.Weights.Count; k++)
        {
            var right = choice.ValidPredictions[k].Where((p, r) => p == gold[r]).Count();
            Assert.Equal(choice.Scores[k].ValidAccuracy, right / (double)Rows, 9);
        }
    }

    [Fact]
    public void A_source_that_leaves_out_a_class_of_valid_never_wins_and_macro_f1_can_rank_the_sources()
    {
        // Class 1 is a tenth of the rows. The label model finds every row of class 1 but calls 34 of class 0 class 1;
        // the end model labels every row 0. By accuracy the end model alone (0.90) beats the label model (0.83), but it
        // leaves class 1 out, so it does not compete; the blends that lean to the label model do.
        var gold = Enumerable.Range(0, Rows).Select(r => r % 10 == 0 ? 1 : 0).ToArray();
        var labelModel = Probabilities(gold, r => gold[r] == 0 && r % 6 == 1);
        var endModel = Probabilities(gold, r => gold[r] == 1);
        foreach (var metric in Enum.GetValues<EvaluationMetric>())
        {
            var choice = FinalChoice.Choose(labelModel, endModel, null, AllCovered(), gold, 2, metric, ["zero", "one"]);
            Assert.Null(choice.Warning);
            Assert.NotEqual("end_model", choice.Describe());
            var endModelAlone = choice.Scored[FinalChoice.IndexOfWeight(0.0)];
            Assert.Equal(0.9, endModelAlone.Valid.Accuracy, 9);
            Assert.Equal("one (10% of gold, 0% predicted)", ClassCollapse.Describe(endModelAlone.Collapsed, ["zero", "one"]));
            Assert.Equal(metric, choice.Metric);
        }
    }

    [Fact]
    public void When_nothing_tells_the_candidates_apart_the_default_is_kept_and_no_lead_is_reported()
    {
        var gold = Gold();
        // No program voted on any row: every blend is the end model alone, so all weights score exactly alike.
        var choice = FinalChoice.Choose(Probabilities(gold, _ => true), Probabilities(gold, r => r % 7 == 0), null, new bool[Rows], gold, 2, EvaluationMetric.Accuracy);

        Assert.Equal("blend:0.75", choice.Describe());
        Assert.Null(choice.LeadOverDefault);
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
