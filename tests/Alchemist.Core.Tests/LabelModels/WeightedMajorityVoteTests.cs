using Alchemist.Labeling;
using Alchemist.LabelModels;
using Xunit;

namespace Alchemist.Core.Tests.LabelModels;

public class WeightedMajorityVoteTests
{
    [Fact]
    public void Weights_follow_the_one_coin_formula_and_chance_programs_get_none()
    {
        var data = SyntheticVotes.Generate(20_000, 6, 3, seed: 5, accuracyLow: 0.34, accuracyHigh: 0.9, coverageLow: 0.3, coverageHigh: 0.6);
        var model = new WeightedMajorityVote();
        model.Fit(data.Votes, ClassBalance.Estimated);
        var truth = data.EmpiricalAccuracies();
        for (var j = 0; j < data.Votes.Programs; j++)
        {
            var a = model.EstimatedAccuracies[j];
            Assert.Equal(Math.Max(0, Math.Log(a * 2 / (1 - a))), model.Weights[j], 9);
            Assert.True(Math.Abs(a - truth[j]) < 0.05, $"p{j}: estimated {a:0.###}, true {truth[j]:0.###}");
        }

        Assert.Contains(model.Notes, n => n.Contains("one-coin EM", StringComparison.Ordinal));

        // The leave-one-out start alone is biased: agreement with a noisy majority understates accurate programs.
        var start = new WeightedMajorityVote { MaxIterations = 0 };
        start.Fit(data.Votes, ClassBalance.Estimated);
        var startError = Enumerable.Range(0, data.Votes.Programs).Max(j => Math.Abs(start.EstimatedAccuracies[j] - truth[j]));
        Assert.True(startError > 0.08, $"largest error of the leave-one-out start {startError:0.###}");
        Assert.True(LabelModelTests.Accuracy(model, data.Votes, data.Gold) >= LabelModelTests.Accuracy(start, data.Votes, data.Gold));
    }

    private static double[] EmpiricalAccuracies(LabelMatrix votes, int[] gold) =>
        Enumerable.Range(0, votes.Programs).Select(j =>
        {
            var voted = Enumerable.Range(0, votes.Rows).Where(r => votes[r, j] >= 0).ToArray();
            return voted.Count(r => votes[r, j] == gold[r]) / (double)voted.Length;
        }).ToArray();
}
