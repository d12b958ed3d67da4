using Alchemist.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public class ValidFoldsTests
{
    [Fact]
    public void Every_row_is_predicted_once_by_a_fold_that_learns_from_all_the_others()
    {
        int[] rows = [.. Enumerable.Range(0, 23).Select(r => r * 3)];
        var folds = ValidFolds.Of(rows);
        Assert.Equal(ValidFolds.MaxFolds, folds.Count);
        Assert.Equal(rows.Order(), folds.SelectMany(f => f.Predict).Order());
        foreach (var fold in folds)
        {
            Assert.InRange(fold.Predict.Length, 4, 5);
            Assert.Empty(fold.Predict.Intersect(fold.Learn));
            Assert.Equal(rows.Order(), fold.Predict.Concat(fold.Learn).Order());
        }
    }

    [Fact]
    public void Few_rows_give_one_fold_per_row_and_a_single_row_gives_none()
    {
        Assert.Equal(3, ValidFolds.Of([4, 7, 9]).Count);
        Assert.All(ValidFolds.Of([4, 7, 9]), fold => Assert.Single(fold.Predict));
        Assert.Empty(ValidFolds.Of([4]));
        Assert.Empty(ValidFolds.Of([]));
        Assert.Equal([0, 0, 2, 3, 5, 5], new[] { 0, 1, 2, 3, 5, 120 }.Select(ValidFolds.CountFor));
    }

    [Fact]
    public void Overlay_replaces_only_the_rows_each_fold_predicted()
    {
        float[] inSample = [0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.3f];
        var fold = new ValidFold([2, 0], [0.4f, 0.6f, 0.5f, 0.5f], [false, true], [], []);
        Assert.Equal([0.5f, 0.5f, 0.8f, 0.2f, 0.4f, 0.6f], ValidFold.Overlay(inSample, [fold], classes: 2));
        Assert.Equal([true, true, false], ValidFold.OverlayCovered([true, true, true], [fold]));
        Assert.Equal(0.9f, inSample[0]);
    }
}
