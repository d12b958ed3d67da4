using Alchemist.Cli.Pipeline;
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
    }
}
