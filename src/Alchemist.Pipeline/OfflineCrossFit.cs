using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs.Apply;

namespace Alchemist.Pipeline;

/// <summary>
/// What the label model says when the rules that vote were learned without one fold of the labeled valid rows
/// (<see cref="ValidFolds"/>): its probabilities on that fold's rows, and on every train row with whether any program voted
/// there (the end model's targets for the model that predicts that fold). Used so that every cross-fitted valid figure rests
/// on rules learned without the rows it predicts.
/// </summary>
public sealed record ValidFold(int[] Predicted, float[] PredictedProbabilities, bool[] PredictedCovered, float[] TrainProbabilities, bool[] TrainCovered)
{
    /// <summary><paramref name="inSample"/> with each fold's rows replaced by what that fold's label model said of them.</summary>
    public static float[] Overlay(float[] inSample, IEnumerable<ValidFold> folds, int classes)
    {
        var outOfSample = (float[])inSample.Clone();
        foreach (var fold in folds)
        {
            for (var k = 0; k < fold.Predicted.Length; k++)
            {
                fold.PredictedProbabilities.AsSpan(k * classes, classes).CopyTo(outOfSample.AsSpan(fold.Predicted[k] * classes, classes));
            }
        }

        return outOfSample;
    }

    /// <summary><paramref name="inSample"/> with each fold's rows replaced by whether that fold's rules voted on them.</summary>
    public static bool[] OverlayCovered(bool[] inSample, IEnumerable<ValidFold> folds)
    {
        var outOfSample = (bool[])inSample.Clone();
        foreach (var fold in folds)
        {
            for (var k = 0; k < fold.Predicted.Length; k++)
            {
                outOfSample[fold.Predicted[k]] = fold.PredictedCovered[k];
            }
        }

        return outOfSample;
    }

    /// <summary>What a label model fitted on <paramref name="trainVotes"/> says of the fold's rows and of train.</summary>
    public static ValidFold Of(ILabelModel model, int[] predicted, LabelMatrix trainVotes, LabelMatrix predictedVotes)
    {
        var classes = trainVotes.Classes;
        var predictedProbabilities = new float[predictedVotes.Rows * classes];
        model.PredictProbabilities(predictedVotes, predictedProbabilities);
        var trainProbabilities = new float[trainVotes.Rows * classes];
        model.PredictProbabilities(trainVotes, trainProbabilities);
        return new ValidFold(predicted, predictedProbabilities, predictedVotes.CoveredRows(), trainProbabilities, trainVotes.CoveredRows());
    }
}

/// <summary>
/// The offline synthesizer chose its rules on valid, so the label model's accuracy on valid flatters it. To choose the final
/// labels fairly, each fold of the labeled valid rows (<see cref="ValidFolds"/>) is predicted by the label model over
/// programs synthesized from the other folds only (rules evaluated in process, exactly as the written programs do), fitted on
/// the same train rows. Text programs and threshold programs over number inputs alike.
/// </summary>
public static class OfflineCrossFit
{
    /// <summary>The stage's name in <see cref="StageProgress"/>.</summary>
    public const string Stage = "offline rules cross-fit";

    /// <summary>One fold per part of valid, each predicted by rules learned from the other parts.</summary>
    /// <param name="shape">What the programs look like for this task.</param>
    /// <param name="newLabelModel">Makes the unfitted label model that each fold's votes are fitted with.</param>
    /// <param name="balance">The class balance it is fitted with.</param>
    /// <param name="train">The train rows, as the programs read them.</param>
    /// <param name="valid">The valid rows, as the programs read them; <paramref name="validGold"/> holds their classes.</param>
    /// <param name="validGold">Valid's gold classes (-1: none).</param>
    /// <param name="progress">Hears of each fold done.</param>
    /// <param name="projectDirectory">
    /// A project whose cache keeps each fold's rule votes on train and on the rows it predicts: they depend on the task's
    /// shape and the train and valid rows alone, not on the programs, so a rerun after a program was edited reads them back
    /// (2.5 of the 9.8 s such a rerun of the example took) and only fits the label model on them. Null computes every fold.
    /// </param>
    public static IReadOnlyList<ValidFold> Folds(OfflineShape shape, Func<ILabelModel> newLabelModel, ClassBalance balance, OfflineInputs train, OfflineInputs valid, int[] validGold, IProgress<StageProgress>? progress = null, string? projectDirectory = null)
    {
        var labeled = Enumerable.Range(0, validGold.Length).Where(r => validGold[r] >= 0).ToArray();
        var folds = new List<ValidFold>();
        var parts = ValidFolds.Of(labeled);
        var cache = projectDirectory is null ? null : StageCache.For(projectDirectory, CacheKind);
        var inputs = cache is null ? null : InputsKey(shape, train, valid, validGold);
        progress?.Report(new StageProgress(Stage, 0, parts.Count, "folds"));
        foreach (var (predict, learn) in parts)
        {
            var (trainVotes, predictVotes) = RuleVotes(cache, inputs, shape, train, valid, validGold, predict, learn);

            // A fold whose rows teach no rule is still predicted, as rows no program votes on (the class prior), not skipped:
            // a skipped fold's rows would be judged by rules learned from them.
            var model = trainVotes.Programs == 0 ? new MajorityVote() : newLabelModel();
            model.Fit(trainVotes, balance);
            folds.Add(ValidFold.Of(model, predict, trainVotes, predictVotes));
            progress?.Report(new StageProgress(Stage, folds.Count, parts.Count, "folds"));
        }

        return folds;
    }

    /// <summary>The folder under .alchemist/cache that keeps each fold's rule votes.</summary>
    internal const string CacheKind = "offline-folds";

    /// <summary>Changes whenever what a cached fold holds, or how it is keyed, changes.</summary>
    private const string CacheVersion = "alchemist-offline-folds-v1";

    /// <summary>The votes of rules learned from one fold's learning rows, on train and on the rows it predicts: read from the cache or computed (and stored).</summary>
    private static (LabelMatrix Train, LabelMatrix Predict) RuleVotes(StageCache? cache, string? inputs, OfflineShape shape, OfflineInputs train, OfflineInputs valid, int[] validGold, int[] predict, int[] learn)
    {
        string? key = null;
        if (cache is not null)
        {
            using var fold = new CacheKey(CacheVersion).Add(inputs).Add(predict).Add(learn);
            key = fold.Finish();
            if (cache.TryRead(() => (LabelMatrixFile.Read(cache.PathOf(key, ".train.votes")), LabelMatrixFile.Read(cache.PathOf(key, ".predict.votes"))).ToTuple()) is { } hit)
            {
                return hit.ToValueTuple();
            }
        }

        var rules = OfflineRules.Learn(shape, valid.Select(learn), [.. learn.Select(r => validGold[r])]);
        var votes = (Train: rules.Votes(train), Predict: rules.Votes(valid.Select(predict)));
        if (cache is not null)
        {
            cache.TryWrite(() =>
            {
                LabelMatrixFile.Write(cache.PathOf(key!, ".train.votes"), votes.Train);
                LabelMatrixFile.Write(cache.PathOf(key!, ".predict.votes"), votes.Predict);
            });
        }

        return votes;
    }

    /// <summary>What every fold's rules are a function of, besides its rows: the code that learns them, the task's shape, and the train and valid rows the programs read.</summary>
    private static string InputsKey(OfflineShape shape, OfflineInputs train, OfflineInputs valid, int[] validGold)
    {
        using var key = new CacheKey(CacheVersion, typeof(OfflineRules), typeof(OfflineSynthesizer));
        key.Add(shape.ClassNames).Add(shape.HasText ? 1 : 0).Add(shape.NumberInputs).Add(shape.NumberMembers).Add(shape.TextFromRow).Add(shape.Metric.ToString());
        foreach (var inputs in new[] { train, valid })
        {
            key.Add(inputs.Rows).Add(inputs.Texts ?? []).Add(inputs.Numbers.Length);
            foreach (var column in inputs.Numbers)
            {
                key.Add(column);
            }
        }

        return key.Add(validGold).Finish();
    }
}
