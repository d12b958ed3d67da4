using Alchemist.Evaluation;

namespace Alchemist.Cli.Pipeline;

/// <summary>
/// Chooses where the final labels come from: the label model, the end model, or a weighted average of their probabilities,
/// by accuracy on the valid split. The end model's valid probabilities must be out-of-sample (cross-fitted) for this to be fair.
/// Ties keep the label model's side (the earlier, simpler candidate).
/// </summary>
public static class FinalChoice
{
    /// <summary>Candidate weights of the label model, from label model alone to end model alone.</summary>
    public static IReadOnlyList<double> Weights { get; } = [1.0, 0.75, 0.5, 0.25, 0.0];

    public sealed record Choice(double LabelModelWeight, IReadOnlyList<(double Weight, double ValidAccuracy)> Scores)
    {
        public string Describe() => LabelModelWeight switch
        {
            1.0 => "label_model",
            0.0 => "end_model",
            _ => $"blend:{LabelModelWeight:0.00}",
        };
    }

    public static Choice Choose(float[] labelModelValid, float[] endModelValid, int[] validGold, int classes)
    {
        var scores = new List<(double, double)>();
        var best = (Weight: 1.0, Accuracy: double.NegativeInfinity);
        foreach (var weight in Weights)
        {
            var blended = Blend(labelModelValid, endModelValid, weight);
            var accuracy = ClassificationMetrics.Compute(validGold, ClassificationMetrics.ArgMax(blended, classes), classes).Accuracy;
            scores.Add((weight, accuracy));
            if (accuracy > best.Accuracy)
            {
                best = (weight, accuracy);
            }
        }

        return new Choice(best.Weight, scores);
    }

    public static float[] Blend(float[] labelModel, float[] endModel, double labelModelWeight)
    {
        if (labelModel.Length != endModel.Length)
        {
            throw new ArgumentException($"{labelModel.Length} label-model probabilities but {endModel.Length} end-model probabilities");
        }

        var blended = new float[labelModel.Length];
        var w = (float)labelModelWeight;
        for (var i = 0; i < blended.Length; i++)
        {
            blended[i] = (w * labelModel[i]) + ((1 - w) * endModel[i]);
        }

        return blended;
    }
}
