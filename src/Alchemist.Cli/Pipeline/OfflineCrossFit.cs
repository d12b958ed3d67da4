using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Spec;

namespace Alchemist.Cli.Pipeline;

/// <summary>
/// What the label model says when the rules that vote were learned without one half of the labeled valid rows: its
/// probabilities on every train row and whether any program voted there (the end model's targets for the model that
/// predicts that half), and the same on the half's own rows. Used so that the end model's cross-fitted valid figures, like
/// the label model's, never rest on rules learned from the rows they predict.
/// </summary>
public sealed record ValidFold(int[] Predicted, float[] TrainProbabilities, bool[] TrainCovered, bool[] PredictedCovered);

/// <summary>
/// The offline synthesizer chose its rules on valid, so the label model's accuracy on valid flatters it. To choose the final
/// labels fairly, each half of the labeled valid rows is predicted by a label model over programs synthesized from the other
/// half only (rules evaluated in process, exactly as the written programs do), fitted on the same train rows.
/// </summary>
internal static class OfflineCrossFit
{
    /// <summary>The cross-fitted valid probabilities; <paramref name="folds"/> gets what each fold's programs said.</summary>
    public static float[] LabelModelValid(TaskSpec spec, string labelModelName, ClassBalance balance, string[] trainTexts, string[] validTexts, int[] validGold, float[] inSample, List<ValidFold> folds)
    {
        var classes = spec.Classes.Count;
        var labeled = Enumerable.Range(0, validGold.Length).Where(r => validGold[r] >= 0).ToArray();
        var outOfSample = (float[])inSample.Clone();
        var trainTokens = trainTexts.Select(RuleFeatures.Tokenize).ToArray();
        for (var fold = 0; fold < 2; fold++)
        {
            var predict = labeled.Where((_, k) => k % 2 == fold).ToArray();
            var learn = labeled.Where((_, k) => k % 2 != fold).ToArray();
            if (learn.Length == 0 || predict.Length == 0)
            {
                continue; // a valid split with a single labeled row: that row keeps its in-sample figure
            }

            var programs = OfflineSynthesizer.Synthesize(learn.Select(r => validTexts[r]).ToArray(), learn.Select(r => validGold[r]).ToArray(), spec.ClassNames);
            if (programs.Count == 0)
            {
                continue;
            }

            var trainVotes = OfflineAugmentation.Augment(new LabelMatrix(trainTexts.Length, classes, []), trainTexts, trainTokens, programs);
            var predictTexts = predict.Select(r => validTexts[r]).ToArray();
            var predictVotes = OfflineAugmentation.Augment(new LabelMatrix(predictTexts.Length, classes, []), predictTexts, [.. predictTexts.Select(RuleFeatures.Tokenize)], programs);
            var model = LabelModelCatalog.Create(labelModelName);
            model.Fit(trainVotes, balance);
            var probabilities = new float[predict.Length * classes];
            model.PredictProbabilities(predictVotes, probabilities);
            for (var k = 0; k < predict.Length; k++)
            {
                probabilities.AsSpan(k * classes, classes).CopyTo(outOfSample.AsSpan(predict[k] * classes, classes));
            }

            var trainProbabilities = new float[trainTexts.Length * classes];
            model.PredictProbabilities(trainVotes, trainProbabilities);
            folds.Add(new ValidFold(predict, trainProbabilities, FinalChoice.Covered(trainVotes), FinalChoice.Covered(predictVotes)));
        }

        return outOfSample;
    }
}
