namespace Alchemist.Evaluation;

/// <summary>
/// What every choice made on the valid split maximises: the label model <c>auto</c> keeps, the final labels' source, the
/// offline synthesizer's settings. Spelled in the spec as <c>evaluation.metric: accuracy | macro_f1 | worst_group</c>.
/// </summary>
public enum EvaluationMetric
{
    /// <summary>Share of rows labeled right: what a user of the labels gets row by row, blind to a small class left out.</summary>
    Accuracy,

    /// <summary>The mean over classes of each class's F1: a class left out costs its whole share of the mean.</summary>
    MacroF1,

    /// <summary>
    /// The accuracy of the worst group of <c>data.group_field</c> (<see cref="GroupFigures"/>): labels must hold on every
    /// group, not only where a shortcut does. Where a choice has no groups to go by (a spec without a group field, the
    /// offline synthesizer's settings), it is accuracy.
    /// </summary>
    WorstGroup,
}

/// <summary>Names, parsing and values of <see cref="EvaluationMetric"/>.</summary>
public static class EvaluationMetrics
{
    /// <summary>The spec's spelling of each metric.</summary>
    public static string SpecName(this EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Accuracy => "accuracy",
        EvaluationMetric.MacroF1 => "macro_f1",
        EvaluationMetric.WorstGroup => "worst_group",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>How figures of the metric are named to a reader.</summary>
    public static string DisplayName(this EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Accuracy => "accuracy",
        EvaluationMetric.MacroF1 => "macro-F1",
        EvaluationMetric.WorstGroup => "worst-group accuracy",
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

    /// <summary>The metric's value in <paramref name="metrics"/> (worst-group accuracy, which needs the groups, is accuracy here).</summary>
    public static double Of(this EvaluationMetric metric, ClassificationMetrics metrics) => metric switch
    {
        EvaluationMetric.Accuracy or EvaluationMetric.WorstGroup => metrics.Accuracy,
        EvaluationMetric.MacroF1 => metrics.MacroF1,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };
}
