using Alchemist.Data;
using Alchemist.Evaluation;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public sealed class FinalFiguresTests
{
    [Fact]
    public void The_verdict_against_dev_only_on_worst_group_accuracy_follows_the_two_worst_groups()
    {
        // Groups A and B, 40 test rows each, every gold X. Final: right on all of A and 10 of B (worst group 0.25). Dev-only:
        // right on 20 of A and all of B (worst group 0.50). Final is behind; judged on dev-only's worst group alone it led.
        var groups = Enumerable.Range(0, 80).Select(r => r < 40 ? "A" : "B").ToArray();
        static float[] Probabilities(Func<int, bool> right) => [.. Enumerable.Range(0, 80).SelectMany(r => right(r) ? new[] { 1f, 0f } : [0f, 1f])];
        var final = new Dictionary<string, float[]> { [SplitName.Test] = Probabilities(r => r < 50) };
        var devOnly = new Dictionary<string, float[]> { [SplitName.Test] = Probabilities(r => r < 20 || r >= 40) };
        var rows = new DataBatch(0, [.. Enumerable.Range(0, 80).Select(r => $"t{r}")], new Dictionary<string, string[]>(), new Dictionary<string, double[]>(), new int[80]);
        var dataset = Dataset.FromRows("groups", ["X", "Y"], (null!, rows), null, (null!, rows));

        var figures = FinalFigures.Of(dataset, EvaluationMetric.WorstGroup, final, final, final, devOnly, groups);

        Assert.Equal(0.25, figures.FinalTestGroups!.WorstAccuracy);
        Assert.Equal(0.5, figures.DevOnlyTestGroups!.WorstAccuracy);
        Assert.Equal("behind", figures.VersusDevOnly);
    }
}
