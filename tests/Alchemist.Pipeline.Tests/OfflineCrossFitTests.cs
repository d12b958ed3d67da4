using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public class OfflineCrossFitTests
{
    [Fact]
    public void A_fold_whose_rows_teach_no_rule_is_predicted_as_rows_without_votes_not_skipped()
    {
        // Every valid row has the same text under both classes, so no rule is precise on any fold's learning rows.
        string[] classNames = ["ham", "spam"];
        var validTexts = Enumerable.Repeat("the same words on every row", 20).ToArray();
        var validGold = Enumerable.Range(0, 20).Select(r => r % 2).ToArray();
        Assert.Empty(OfflineSynthesizer.Synthesize(validTexts, validGold, classNames));
        string[] trainTexts = ["the same words on every row", "other words", "more words"];

        var folds = OfflineCrossFit.Folds(new OfflineShape(classNames, true, [], [], null), () => LabelModelCatalog.Create("metal"), ClassBalance.FromGiven([0.3, 0.7]),
            new OfflineInputs(trainTexts, [], trainTexts.Length), new OfflineInputs(validTexts, [], validTexts.Length), validGold);

        Assert.Equal(ValidFolds.MaxFolds, folds.Count);
        Assert.Equal(Enumerable.Range(0, 20), folds.SelectMany(f => f.Predicted).Order());
        foreach (var fold in folds)
        {
            Assert.All(fold.PredictedCovered, Assert.False);
            Assert.All(fold.TrainCovered, Assert.False);
            // Rows without votes get the class prior.
            for (var k = 0; k < fold.Predicted.Length; k++)
            {
                Assert.Equal(0.3f, fold.PredictedProbabilities[2 * k], 4);
                Assert.Equal(0.7f, fold.PredictedProbabilities[(2 * k) + 1], 4);
            }
        }
    }
}
