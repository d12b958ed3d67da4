using System.Globalization;
using Alchemist.Evaluation;
using Alchemist.Labeling;

namespace Alchemist.Pipeline;

/// <summary>
/// Chooses where the final labels come from, on the valid split: the label model, the end model, a weighted average of their
/// probabilities, or the dev-only baseline. Two rules hold for every candidate:
/// <list type="bullet">
/// <item>the label model only speaks where a program voted: on rows where every program abstained its side is the end model's;</item>
/// <item>each side's probabilities are calibrated by one temperature fitted on valid (label models are often far too sure), so
/// that blending them and ranking them by log-loss compares their evidence rather than their confidence.</item>
/// </list>
/// Candidates are scored out of sample: temperatures are cross-fitted over the <see cref="ValidFolds"/> (each fold scored by a temperature fitted
/// on the others), and the end model's valid probabilities must come from cross-fitted models too. Candidates are ranked by the
/// spec's <c>evaluation.metric</c>, since the product outputs each row's most probable class; equal scores (common on a valid
/// split of a hundred rows) are ranked by log-loss (probabilities floored at 0.001), and then the label model's side first.
/// Log-loss alone is not the rank: averaging two models' probabilities lowers it even where the averaged labels are no more
/// often right. The choice itself is <see cref="ValidChoice"/>'s rule: the <see cref="DefaultWeight"/> blend stays unless the
/// best leads it by more than two standard errors of the paired difference, and a candidate that leaves out a class of
/// valid's gold competes only when all do (docs/architecture.md, "Choosing on valid").
/// </summary>
public static class FinalChoice
{
    /// <summary>Candidate weights of the label model, from label model alone to end model alone.</summary>
    public static IReadOnlyList<double> Weights { get; } = [1.0, 0.75, 0.5, 0.25, 0.0];

    /// <summary>The label model's weight in the blend used unless another candidate is clearly better on valid.</summary>
    public const double DefaultWeight = 0.75;

    /// <summary>Temperatures tried when calibrating, log-spaced from much sharper to much flatter.</summary>
    private static readonly double[] Temperatures = [.. Enumerable.Range(-8, 25).Select(k => Math.Pow(2, k / 4.0))];

    /// <summary>How the dev-only baseline is named when it is a candidate or the final source.</summary>
    public const string DevOnlyName = "dev_only_baseline";

    /// <summary>How a candidate blend is named in the summary and the report.</summary>
    public static string NameOf(double labelModelWeight) => labelModelWeight switch
    {
        1.0 => "label_model",
        0.0 => "end_model",
        _ => string.Create(CultureInfo.InvariantCulture, $"blend:{labelModelWeight:0.00}"),
    };

    /// <summary>The source of the final labels chosen on valid, with what it was chosen from.</summary>
    /// <param name="LabelModelWeight">The label model's weight in the blend on rows where programs voted (1: label model alone, 0: end model alone).</param>
    /// <param name="Scores">Each candidate weight's valid accuracy and log-loss, out of sample.</param>
    public sealed record Choice(double LabelModelWeight, IReadOnlyList<(double Weight, double ValidAccuracy, double ValidLogLoss)> Scores)
    {
        /// <summary>What the candidates were ranked by.</summary>
        public EvaluationMetric Metric { get; init; } = EvaluationMetric.Accuracy;

        /// <summary>Every candidate's valid figures (the weights of <see cref="Scores"/>, then the dev-only baseline when there is one), with the classes each leaves out.</summary>
        public IReadOnlyList<ScoredCandidate> Scored { get; init; } = [];

        /// <summary>Why the source was chosen, for the log and the report.</summary>
        public string Reason { get; init; } = string.Empty;

        /// <summary>Set when the chosen source leaves out a class of valid's gold, because every candidate does.</summary>
        public string? Warning { get; init; }

        /// <summary>Temperature applied to the label model's probabilities (1: as they are).</summary>
        public double LabelModelTemperature { get; init; } = 1;

        /// <summary>Temperature applied to the end model's probabilities (1: as they are).</summary>
        public double EndModelTemperature { get; init; } = 1;

        /// <summary>Temperature applied to the dev-only baseline's probabilities when it is the output.</summary>
        public double DevOnlyTemperature { get; init; } = 1;

        /// <summary>The dev-only baseline's valid scores when it was a candidate; <see cref="UseDevOnly"/> says whether its labels are the output.</summary>
        public (double ValidAccuracy, double ValidLogLoss)? DevOnly { get; init; }

        /// <summary>True when the dev-only baseline led every other candidate on valid, so its labels are the output.</summary>
        public bool UseDevOnly { get; init; }

        /// <summary>
        /// Set when the best candidate on valid is not the default blend: its name and its lead over the default in the metric,
        /// with the standard error of that lead. It was chosen when the lead exceeds <see cref="PairedLead.RequiredStandardErrors"/> of them.
        /// </summary>
        public (string Best, PairedLead Lead)? LeadOverDefault { get; init; }

        /// <summary>
        /// Each candidate's predicted class for every valid row, out of sample: one array per weight of <see cref="Scores"/>,
        /// then the dev-only baseline's when there is one. Paired comparisons between candidates read these.
        /// </summary>
        public IReadOnlyList<int[]> ValidPredictions { get; init; } = [];

        /// <summary>The chosen source's name: label_model, end_model, blend:W or dev_only_baseline.</summary>
        public string Describe() => UseDevOnly ? DevOnlyName : NameOf(LabelModelWeight);

        /// <summary>The final probabilities of one split, from its label-model and end-model probabilities and which rows programs covered.</summary>
        public float[] Apply(float[] labelModel, float[] endModel, bool[] covered, int classes) =>
            Combine(Calibrate(labelModel, classes, LabelModelTemperature), Calibrate(endModel, classes, EndModelTemperature), covered, classes, LabelModelWeight);

        /// <summary>The final probabilities of one split when the dev-only baseline gives them: its probabilities at its fitted temperature.</summary>
        public float[] ApplyDevOnly(float[] devOnly, int classes) => Calibrate(devOnly, classes, DevOnlyTemperature);
    }

    /// <summary>Chooses on valid. <paramref name="devOnlyValid"/>, when given, is the cross-fitted dev-only baseline: one more candidate.</summary>
    public static Choice Choose(float[] labelModelValid, float[] endModelValid, float[]? devOnlyValid, bool[] validCovered, int[] validGold, int classes, EvaluationMetric metric, IReadOnlyList<string>? classNames = null, IReadOnlyList<string>? validGroups = null)
    {
        var labeled = Enumerable.Range(0, validGold.Length).Where(r => validGold[r] >= 0).ToArray();
        var coveredLabeled = labeled.Where(r => validCovered[r]).ToArray();
        var labelModelOut = CrossFitCalibrated(labelModelValid, coveredLabeled, validGold, classes);
        var endModelOut = CrossFitCalibrated(endModelValid, labeled, validGold, classes);
        var scores = new List<(double, double, double)>();
        var candidates = new List<ValidCandidate>();
        foreach (var weight in Weights)
        {
            var blended = Combine(labelModelOut, endModelOut, validCovered, classes, weight);
            var score = Score(blended, validGold, classes);
            scores.Add((weight, score.Accuracy, score.LogLoss));
            candidates.Add(new ValidCandidate(NameOf(weight), ClassificationMetrics.ArgMax(blended, classes), score.LogLoss));
        }

        (double ValidAccuracy, double ValidLogLoss)? devOnly = null;
        if (devOnlyValid is not null)
        {
            var devOnlyOut = CrossFitCalibrated(devOnlyValid, labeled, validGold, classes);
            devOnly = Score(devOnlyOut, validGold, classes);
            candidates.Add(new ValidCandidate(DevOnlyName, ClassificationMetrics.ArgMax(devOnlyOut, classes), devOnly.Value.ValidLogLoss));
        }

        var result = ValidChoice.Choose(candidates, IndexOfWeight(DefaultWeight), validGold, classes, metric, classNames, groups: validGroups);
        var useDevOnly = result.Chosen == Weights.Count;
        return new Choice(useDevOnly ? DefaultWeight : Weights[result.Chosen], scores)
        {
            Metric = metric,
            Scored = result.Scored,
            Reason = result.Reason,
            Warning = result.Warning,
            ValidPredictions = [.. candidates.Select(c => c.Predicted)],
            LabelModelTemperature = FitTemperature(labelModelValid, coveredLabeled, validGold, classes),
            EndModelTemperature = FitTemperature(endModelValid, labeled, validGold, classes),
            DevOnly = devOnly,
            UseDevOnly = useDevOnly,
            DevOnlyTemperature = devOnlyValid is null ? 1 : FitTemperature(devOnlyValid, labeled, validGold, classes),
            LeadOverDefault = result.LeadOverDefault is { } lead ? (candidates[result.Best].Name, lead) : null,
        };
    }

    /// <summary>Where a candidate weight stands in <see cref="Weights"/>, <see cref="Choice.Scores"/> and <see cref="Choice.ValidPredictions"/>.</summary>
    public static int IndexOfWeight(double weight) => Weights.ToList().IndexOf(weight);

    /// <summary>Weighted average of the two sides on covered rows; the end model's probabilities on rows no program voted on.</summary>
    public static float[] Combine(float[] labelModel, float[] endModel, bool[] covered, int classes, double labelModelWeight)
    {
        if (labelModel.Length != endModel.Length || labelModel.Length != covered.Length * classes)
        {
            throw new ArgumentException($"{labelModel.Length} label-model and {endModel.Length} end-model probabilities for {covered.Length} rows x {classes} classes");
        }

        var blended = new float[labelModel.Length];
        var w = (float)labelModelWeight;
        for (var r = 0; r < covered.Length; r++)
        {
            var wr = covered[r] ? w : 0f;
            for (var i = r * classes; i < (r + 1) * classes; i++)
            {
                blended[i] = (wr * labelModel[i]) + ((1 - wr) * endModel[i]);
            }
        }

        return blended;
    }

    /// <summary>Each row's probabilities raised to 1/T and renormalized (T &gt; 1 flattens, T &lt; 1 sharpens).</summary>
    public static float[] Calibrate(float[] probabilities, int classes, double temperature)
    {
        var calibrated = new float[probabilities.Length];
        var exponent = 1 / temperature;
        for (var r = 0; r < probabilities.Length / classes; r++)
        {
            var sum = 0.0;
            for (var c = 0; c < classes; c++)
            {
                var p = Math.Pow(Math.Max(probabilities[(r * classes) + c], 1e-6), exponent);
                calibrated[(r * classes) + c] = (float)p;
                sum += p;
            }

            for (var c = 0; c < classes; c++)
            {
                calibrated[(r * classes) + c] = (float)(calibrated[(r * classes) + c] / sum);
            }
        }

        return calibrated;
    }

    /// <summary>The temperature with the lowest log-loss on <paramref name="rows"/> (1 when there are none).</summary>
    private static double FitTemperature(float[] probabilities, IReadOnlyList<int> rows, int[] gold, int classes)
    {
        var best = (Temperature: 1.0, LogLoss: double.PositiveInfinity);
        if (rows.Count == 0)
        {
            return best.Temperature;
        }

        foreach (var temperature in Temperatures)
        {
            double total = 0;
            foreach (var r in rows)
            {
                var sum = 0.0;
                var goldP = 0.0;
                for (var c = 0; c < classes; c++)
                {
                    var p = Math.Pow(Math.Max(probabilities[(r * classes) + c], 1e-6), 1 / temperature);
                    sum += p;
                    goldP = c == gold[r] ? p : goldP;
                }

                total -= Math.Log(Math.Max(goldP / sum, 0.001));
            }

            if (total < best.LogLoss)
            {
                best = (temperature, total);
            }
        }

        return best.Temperature;
    }

    /// <summary>
    /// Every row calibrated out of sample: the labeled rows of <paramref name="rows"/> in each fold by a temperature fitted on the
    /// other folds; other rows by the temperature fitted on all of <paramref name="rows"/>.
    /// </summary>
    private static float[] CrossFitCalibrated(float[] probabilities, int[] rows, int[] gold, int classes)
    {
        var calibrated = Calibrate(probabilities, classes, FitTemperature(probabilities, rows, gold, classes));
        foreach (var fold in ValidFolds.Of(rows))
        {
            var foldCalibrated = Calibrate(probabilities, classes, FitTemperature(probabilities, fold.Learn, gold, classes));
            foreach (var r in fold.Predict)
            {
                foldCalibrated.AsSpan(r * classes, classes).CopyTo(calibrated.AsSpan(r * classes, classes));
            }
        }

        return calibrated;
    }

    private static (double Accuracy, double LogLoss) Score(float[] probabilities, int[] gold, int classes) =>
        (ClassificationMetrics.Compute(gold, ClassificationMetrics.ArgMax(probabilities, classes), classes).Accuracy, ClassificationMetrics.LogLoss(probabilities, gold, classes));
}
