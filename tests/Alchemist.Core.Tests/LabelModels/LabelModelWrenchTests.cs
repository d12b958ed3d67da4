using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.LabelModels;

/// <summary>
/// Test-split figures on the WRENCH data sets in ../shared, as `alchemist labelmodel eval` computes them: every model is
/// fitted on the train votes without labels, with the class balance of valid's gold labels; auto chooses with the valid
/// split only. Nothing is tuned on test.
/// </summary>
public class LabelModelWrenchTests
{
    [Fact]
    public void Youtube_best_model_reaches_087_and_auto_086()
    {
        var result = Evaluate("youtube");
        Assert.True(result.Best.Accuracy >= 0.87, result.Table);
        Assert.True(result.Auto.Accuracy >= 0.86, result.Table);
        Assert.True(result.Auto.Accuracy >= result.Models["mv"].Accuracy - 1e-9, result.Table);
    }

    [Fact]
    public void Sms_auto_finds_as_much_spam_as_majority_vote_and_rows_without_votes_are_ham_by_the_prior()
    {
        // Every learned model is a few valid rows ahead of majority vote or level with it, and labels fewer test rows spam:
        // auto must not trade spam for a lead within noise (issue 12: wmv was chosen with spam F1 0.071 against 0.094).
        var result = Evaluate("sms");
        Assert.True(result.Auto.F1Class1 >= result.Models["mv"].F1Class1 - 1e-9, result.Table);
        Assert.True(result.Auto.Accuracy >= 0.84, result.Table);

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
    public void Trec_every_learned_model_beats_snorkels_0470_the_best_reaches_062_and_auto_keeps_majority_votes_figures()
    {
        // Snorkel's LabelModel gets 0.470 on these votes (shared/datasets/README.md); before issue 12 ds and wmv got 0.448,
        // metal 0.394 and fs 0.330. Measured now: wmv 0.524, ds 0.618, ds-votes 0.648 (the same model
        // reading only the votes cast), metal 0.528, fs 0.570, majority vote 0.650.
        var result = Evaluate("trec");
        foreach (var name in LabelModelCatalog.Names.Where(n => n != "mv"))
        {
            Assert.True(result.Models[name].Accuracy >= 0.47, result.Table);
        }

        Assert.True(result.Models.Where(m => m.Key != "mv").Max(m => m.Value.Accuracy) >= 0.62, result.Table);
        Assert.True(result.Auto.Accuracy >= result.Models["mv"].Accuracy - 1e-9, result.Table);
        Assert.True(result.Auto.MacroF1 >= result.Models["mv"].MacroF1 - 1e-9, result.Table);
    }

    private sealed record Evaluation(IReadOnlyDictionary<string, ClassificationMetrics> Models, (string Name, double Accuracy) Best, ClassificationMetrics Auto, string Table);

    private static Evaluation Evaluate(string name)
    {
        var dataset = Dataset.LoadWrench(SharedFolder.Dataset(name));
        var train = Votes(dataset.Train);
        var valid = Votes(dataset.Split("valid"));
        var validGold = dataset.Split("valid").Rows.Labels;
        var test = Votes(dataset.Split("test"));
        var testGold = dataset.Split("test").Rows.Labels;
        var balance = ClassBalance.FromGold(validGold, train.Classes);
        var lines = new List<string> { $"{name} (test accuracy / macro-F1, fit on train votes):" };
        var scores = new Dictionary<string, ClassificationMetrics>();
        foreach (var model in LabelModelCatalog.Names)
        {
            var fitted = LabelModelCatalog.Create(model);
            fitted.Fit(train, balance);
            var metrics = ClassificationMetrics.Compute(testGold, LabelModelCatalog.PredictLabels(fitted, test), test.Classes);
            scores[model] = metrics;
            lines.Add($"  {model,-6} {metrics.Accuracy:0.000} / {metrics.MacroF1:0.000}");
        }

        var auto = LabelModelCatalog.CreateAuto(valid, validGold, EvaluationSpec.DefaultMetric);
        auto.Fit(train, balance);
        var autoMetrics = ClassificationMetrics.Compute(testGold, LabelModelCatalog.PredictLabels(auto, test), test.Classes);
        lines.Add($"  auto -> {auto.Chosen}: {autoMetrics.Accuracy:0.000} / {autoMetrics.MacroF1:0.000} ({auto.Notes[0]})");
        var best = scores.MaxBy(a => a.Value.Accuracy);
        var table = string.Join(Environment.NewLine, lines);
        TestContext.Current.TestOutputHelper?.WriteLine(table);
        return new Evaluation(scores, (best.Key, best.Value.Accuracy), autoMetrics, table);
    }

    private static LabelMatrix Votes(DataSplit split) =>
        split.Rows.WeakLabels ?? throw new InvalidOperationException($"split '{split.Name}' has no weak labels");
}
