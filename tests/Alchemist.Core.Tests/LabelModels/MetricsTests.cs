using Alchemist.Evaluation;
using Alchemist.LabelModels;
using Xunit;

namespace Alchemist.Core.Tests.LabelModels;

public class MetricsTests
{
    [Fact]
    public void Accuracy_and_f1_match_a_hand_count()
    {
        int[] gold = [0, 0, 1, 1, 1, 2, -1];
        int[] predicted = [0, 1, 1, 1, 0, 2, 2];
        var m = ClassificationMetrics.Compute(gold, predicted, 3);

        Assert.Equal(6, m.Rows); // the unlabelled row is skipped
        Assert.Equal(4 / 6.0, m.Accuracy, 10);
        Assert.Equal(0.5, m.F1PerClass[0], 10);       // tp 1, gold 2, predicted 2
        Assert.Equal(2 * 2 / 6.0, m.F1PerClass[1], 10); // tp 2, gold 3, predicted 3
        Assert.Equal(1.0, m.F1PerClass[2], 10);
        Assert.Equal((0.5 + 4 / 6.0 + 1) / 3, m.MacroF1, 10);
        Assert.Equal(m.F1PerClass[1], m.F1Class1);
        Assert.Equal(1, m.Confusion[1 * 3 + 0]);
        Assert.Equal([2L, 3L, 1L], Enumerable.Range(0, 3).Select(m.Support));
        Assert.Equal([2L, 3L, 1L], Enumerable.Range(0, 3).Select(m.PredictedCount));
        Assert.Equal(2 / 3.0, m.Precision(1), 10);
        Assert.Equal(2 / 3.0, m.Recall(1), 10);
    }

    [Fact]
    public void A_class_never_predicted_has_precision_zero_and_a_class_absent_from_gold_recall_zero()
    {
        var m = ClassificationMetrics.Compute([0, 0, 0, 1], [0, 0, 2, 0], 3);
        Assert.Equal(2 / 3.0, m.Precision(0), 10); // rows 0, 1 and 3 predicted 0, two of them right
        Assert.Equal(2 / 3.0, m.Recall(0), 10);    // rows 0, 1 and 2 are 0, two of them found
        Assert.Equal(0, m.Precision(1));          // never predicted
        Assert.Equal(0, m.Recall(1));
        Assert.Equal(0, m.Recall(2));             // absent from gold
        Assert.Equal(1, m.PredictedCount(2));
    }

    [Fact]
    public void Mismatched_or_out_of_range_labels_are_refused_with_the_row()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([0, 1], [0], 2));
        Assert.Contains("row 1", Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([0, 3], [0, 1], 2)).Message);
    }

    [Fact]
    public void Exact_ties_are_broken_by_a_fixed_hash_of_the_row_and_favour_no_class()
    {
        var rows = 10_000;
        var even = Enumerable.Repeat(0.5f, rows * 2).ToArray();
        var first = ClassificationMetrics.ArgMax(even, 2);
        var second = ClassificationMetrics.ArgMax(even, 2);
        Assert.Equal(first, second);
        Assert.InRange(first.Count(l => l == 1), 4_800, 5_200);

        float[] clear = [0.2f, 0.7f, 0.1f, 0.4f, 0.3f, 0.3f];
        Assert.Equal([1, 0], ClassificationMetrics.ArgMax(clear, 3));
    }

    [Fact]
    public void Coverage_is_the_share_of_rows_with_a_vote()
    {
        var votes = LabelModelTests.Matrix(2, [0, -1], [-1, -1], [-1, 1], [1, 1]);
        Assert.Equal(0.75, ClassificationMetrics.Coverage(votes));
    }

    [Fact]
    public void Synthetic_votes_have_the_requested_accuracy_and_coverage()
    {
        var data = SyntheticVotes.Generate(100_000, 4, 3, seed: 12);
        var empirical = data.EmpiricalAccuracies();
        for (var j = 0; j < 4; j++)
        {
            Assert.InRange(empirical[j], data.Accuracy[j] - 0.01, data.Accuracy[j] + 0.01);
            var coverage = data.Votes.Column(j).ToArray().Count(v => v >= 0) / 100_000.0;
            Assert.InRange(coverage, data.Coverage[j] - 0.01, data.Coverage[j] + 0.01);
        }

        Assert.Equal(data.Votes.Column(2).ToArray(), SyntheticVotes.Generate(100_000, 4, 3, seed: 12).Votes.Column(2).ToArray());
    }
}
