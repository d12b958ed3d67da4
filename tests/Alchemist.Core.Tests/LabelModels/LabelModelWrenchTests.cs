using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.LabelModels;

/// <summary>
/// Test-split accuracy on the WRENCH data sets in ../shared: every model is fitted on the train votes without labels,
/// with the class balance estimated from the votes; auto chooses with the valid split only. Nothing is tuned on test.
/// </summary>
public class LabelModelWrenchTests
{
    [Fact]
    public void Youtube_best_model_reaches_087_and_auto_086()
    {
        var result = Evaluate("youtube");
        Assert.True(result.Best.Accuracy >= 0.87, result.Table);
        Assert.True(result.Auto >= 0.86, result.Table);
        Assert.True(result.Auto >= result.Models["mv"] - 1e-9, result.Table);
    }

    [Fact]
    public void Sms_has_a_model_at_085_and_labels_rows_without_votes_as_ham_by_the_prior()
    {
        var result = Evaluate("sms");
        Assert.True(result.Best.Accuracy >= 0.85, result.Table);
        Assert.True(result.Auto >= 0.85, result.Table);

        // Most rows have no vote; the prior estimated from the train votes must label them ham (class 0).
        var dataset = Dataset.LoadWrench(SharedFolder.Dataset("sms"));
        var majority = LabelModelCatalog.Create("mv");
        majority.Fit(Votes(dataset.Train), ClassBalance.Estimated);
        Assert.True(majority.ClassPrior[0] > 0.8, $"estimated ham prior {majority.ClassPrior[0]:0.###}");
        var test = Votes(dataset.Split("test"));
        var labels = LabelModelCatalog.PredictLabels(majority, test);
        var uncovered = Enumerable.Range(0, test.Rows).Where(r => Enumerable.Range(0, test.Programs).All(j => test[r, j] < 0)).ToList();
        Assert.True(uncovered.Count > 250, $"{uncovered.Count} test rows without votes");
        Assert.All(uncovered, r => Assert.Equal(0, labels[r]));
    }

    [Fact]
    public void Trec_best_model_reaches_062_and_auto_majority_votes_0608()
    {
        var result = Evaluate("trec");
        Assert.True(result.Best.Accuracy >= 0.62, result.Table);
        Assert.True(result.Auto >= 0.608, result.Table);
    }

    private sealed record Evaluation(IReadOnlyDictionary<string, double> Models, (string Name, double Accuracy) Best, double Auto, string Table);

    private static Evaluation Evaluate(string name)
    {
        var dataset = Dataset.LoadWrench(SharedFolder.Dataset(name));
        var train = Votes(dataset.Train);
        var valid = Votes(dataset.Split("valid"));
        var test = Votes(dataset.Split("test"));
        var testGold = dataset.Split("test").Rows.Labels;
        var lines = new List<string> { $"{name} (test accuracy, fit on train votes):" };
        var accuracies = new Dictionary<string, double>();
        foreach (var model in LabelModelCatalog.Names)
        {
            var fitted = LabelModelCatalog.Create(model);
            fitted.Fit(train, ClassBalance.Estimated);
            var accuracy = ClassificationMetrics.Compute(testGold, LabelModelCatalog.PredictLabels(fitted, test), test.Classes).Accuracy;
            accuracies[model] = accuracy;
            lines.Add($"  {model,-6} {accuracy:0.000}");
        }

        var auto = LabelModelCatalog.CreateAuto(valid, dataset.Split("valid").Rows.Labels);
        auto.Fit(train, ClassBalance.Estimated);
        var autoAccuracy = ClassificationMetrics.Compute(testGold, LabelModelCatalog.PredictLabels(auto, test), test.Classes).Accuracy;
        lines.Add($"  auto -> {auto.Chosen}: {autoAccuracy:0.000} ({auto.Notes[0]})");
        var best = accuracies.MaxBy(a => a.Value);
        var table = string.Join(Environment.NewLine, lines);
        TestContext.Current.TestOutputHelper?.WriteLine(table);
        return new Evaluation(accuracies, (best.Key, best.Value), autoAccuracy, table);
    }

    private static LabelMatrix Votes(DataSplit split) =>
        split.Rows.WeakLabels ?? throw new InvalidOperationException($"split '{split.Name}' has no weak labels");
}
