namespace Alchemist.Evaluation;

/// <summary>
/// What every choice made on the valid split maximises: the label model <c>auto</c> keeps, the final labels' source, the
/// offline synthesizer's settings. Spelled in the spec as <c>evaluation.metric: accuracy | macro_f1</c>.
/// </summary>
public enum EvaluationMetric
{
    /// <summary>Share of rows labeled right: what a user of the labels gets row by row, blind to a small class left out.</summary>
    Accuracy,

    /// <summary>The mean over classes of each class's F1: a class left out costs its whole share of the mean.</summary>
    MacroF1,
}

/// <summary>Names, parsing and values of <see cref="EvaluationMetric"/>.</summary>
public static class EvaluationMetrics
{
    /// <summary>The spec's spelling of each metric.</summary>
    public static string SpecName(this EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Accuracy => "accuracy",
        EvaluationMetric.MacroF1 => "macro_f1",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>How figures of the metric are named to a reader.</summary>
    public static string DisplayName(this EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Accuracy => "accuracy",
        EvaluationMetric.MacroF1 => "macro-F1",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>
    /// The metric whose spec spelling (accuracy or macro_f1, case-sensitive) is <paramref name="text"/>; false for anything
    /// else, null included.
    /// </summary>
    public static bool TryParse(string? text, out EvaluationMetric metric)
    {
        foreach (var candidate in Enum.GetValues<EvaluationMetric>())
        {
            if (string.Equals(text, candidate.SpecName(), StringComparison.Ordinal))
            {
                metric = candidate;
                return true;
            }
        }

        metric = default;
        return false;
    }

    /// <summary>The metric's value in <paramref name="metrics"/>.</summary>
    public static double Of(this EvaluationMetric metric, ClassificationMetrics metrics) => metric switch
    {
        EvaluationMetric.Accuracy => metrics.Accuracy,
        EvaluationMetric.MacroF1 => metrics.MacroF1,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };
}
