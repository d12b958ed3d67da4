using Alchemist.Evaluation;

namespace Alchemist.Cli.Pipeline;

/// <summary>
/// Chooses where the final labels come from: the label model, the end model, or a weighted average of their probabilities,
/// on the valid split. The end model's valid probabilities must be out-of-sample (cross-fitted) for this to be fair.
/// Candidates are ranked by valid log-loss (probabilities floored at 0.001), which uses every row's confidence and so is
/// steadier than accuracy on a valid split of a hundred rows; ties keep the label model's side.
/// </summary>
public static class FinalChoice
{
    /// <summary>Candidate weights of the label model, from label model alone to end model alone.</summary>
    public static IReadOnlyList<double> Weights { get; } = [1.0, 0.75, 0.5, 0.25, 0.0];

    public sealed record Choice(double LabelModelWeight, IReadOnlyList<(double Weight, double ValidAccuracy, double ValidLogLoss)> Scores)
    {
        /// <summary>Set when the dev-only baseline (trained on valid gold alone) beats every blend on valid; its labels are then the output.</summary>
        public (double ValidAccuracy, double ValidLogLoss)? DevOnly { get; init; }

        public bool UseDevOnly { get; init; }

        public string Describe() => UseDevOnly ? "dev_only_baseline" : LabelModelWeight switch
        {
            1.0 => "label_model",
            0.0 => "end_model",
            _ => $"blend:{LabelModelWeight:0.00}",
        };
    }

    public static Choice Choose(float[] labelModelValid, float[] endModelValid, int[] validGold, int classes)
    {
        var scores = new List<(double, double, double)>();
        var best = (Weight: 1.0, LogLoss: double.PositiveInfinity);
        foreach (var weight in Weights)
        {
            var blended = Blend(labelModelValid, endModelValid, weight);
            var accuracy = ClassificationMetrics.Compute(validGold, ClassificationMetrics.ArgMax(blended, classes), classes).Accuracy;
            var logLoss = LogLoss(blended, validGold, classes);
            scores.Add((weight, accuracy, logLoss));
            if (logLoss < best.LogLoss)
            {
                best = (weight, logLoss);
            }
        }

        return new Choice(best.Weight, scores);
    }

    /// <summary>As <see cref="Choose(float[], float[], int[], int)"/>, with the cross-fitted dev-only baseline as one more candidate.</summary>
    public static Choice Choose(float[] labelModelValid, float[] endModelValid, float[]? devOnlyValid, int[] validGold, int classes)
    {
        var choice = Choose(labelModelValid, endModelValid, validGold, classes);
        if (devOnlyValid is null)
        {
            return choice;
        }

        var accuracy = ClassificationMetrics.Compute(validGold, ClassificationMetrics.ArgMax(devOnlyValid, classes), classes).Accuracy;
        var logLoss = LogLoss(devOnlyValid, validGold, classes);
        var bestBlend = choice.Scores.Min(s => s.ValidLogLoss);
        return choice with { DevOnly = (accuracy, logLoss), UseDevOnly = logLoss < bestBlend };
    }

    /// <summary>Mean negative log-probability of the gold class over rows with gold, each probability floored at 0.001.</summary>
    public static double LogLoss(float[] probabilities, int[] gold, int classes)
    {
        double total = 0;
        var rows = 0;
        for (var r = 0; r < gold.Length; r++)
        {
            if (gold[r] < 0)
            {
                continue;
            }

            var sum = 0.0;
            for (var c = 0; c < classes; c++)
            {
                sum += probabilities[(r * classes) + c];
            }

            var p = sum > 0 ? probabilities[(r * classes) + gold[r]] / sum : 1.0 / classes;
            total -= Math.Log(Math.Max(p, 0.001));
            rows++;
        }

        return rows == 0 ? double.NaN : total / rows;
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
