using Alchemist.Data;
using Alchemist.Evaluation;

namespace Alchemist.Pipeline;

/// <summary>One class's figures for a set of labels against gold.</summary>
public sealed record ClassFigures(string Class, double Precision, double Recall, double F1, long Support, long Predicted);

/// <summary>
/// The figures that keep accuracy from being read alone: macro-F1 of every label source, what always answering the
/// majority class gets, the final labels per class, and whether they beat the dev-only baseline by more than chance, on
/// test where it has gold. The majority class is taken from valid's gold where there is some (it could be known before
/// labeling), else from test's.
/// </summary>
public sealed record FinalFigures
{
    /// <summary>The class always answered by the trivial baseline; -1 when no split has gold.</summary>
    public required int MajorityClass { get; init; }

    /// <summary>The split the majority class was read from (valid or test), or null.</summary>
    public required string? MajorityClassFrom { get; init; }

    /// <summary>Test figures of always answering the majority class; null without test gold.</summary>
    public required ClassificationMetrics? MajorityClassTest { get; init; }

    /// <summary>Test figures of the final labels; null without test gold.</summary>
    public required ClassificationMetrics? FinalTest { get; init; }

    /// <summary>Test figures of the label model alone; null without test gold.</summary>
    public required ClassificationMetrics? LabelModelTest { get; init; }

    /// <summary>Test figures of the end model alone; null without test gold.</summary>
    public required ClassificationMetrics? EndModelTest { get; init; }

    /// <summary>Test figures of the dev-only baseline; null without valid or test gold.</summary>
    public required ClassificationMetrics? DevOnlyTest { get; init; }

    /// <summary>Test accuracy per group (<c>data.group_field</c>) of the final labels; null without groups or test gold.</summary>
    public GroupFigures? FinalTestGroups { get; init; }

    /// <summary>Test accuracy per group of the label model alone; null without groups or test gold.</summary>
    public GroupFigures? LabelModelTestGroups { get; init; }

    /// <summary>Test accuracy per group of the end model alone; null without groups or test gold.</summary>
    public GroupFigures? EndModelTestGroups { get; init; }

    /// <summary>Test accuracy per group of the dev-only baseline; null without groups, test gold or a baseline.</summary>
    public GroupFigures? DevOnlyTestGroups { get; init; }

    /// <summary>The final labels' lead over the dev-only baseline on test, in the run's metric; null without test gold or baseline.</summary>
    public required PairedLead? FinalOverDevOnly { get; init; }

    /// <summary>"ahead", "tie" or "behind": ahead or behind only by more than <see cref="PairedLead.RequiredStandardErrors"/> standard errors.</summary>
    public string? VersusDevOnly => FinalOverDevOnly is not { } lead || double.IsNaN(lead.StandardError) ? null
        : lead.Exceeds(PairedLead.RequiredStandardErrors) ? "ahead"
        : lead.Reversed.Exceeds(PairedLead.RequiredStandardErrors) ? "behind"
        : "tie";

    /// <summary>The verdict against the dev-only baseline in words; a tie is called a tie.</summary>
    public static string DescribeVersusDevOnly(string verdict, string metric) => verdict switch
    {
        "ahead" => $"ahead of the dev-only baseline on test {metric}, by more than two standard errors",
        "behind" => $"behind the dev-only baseline on test {metric}, by more than two standard errors: a model trained on the valid gold rows alone does better",
        _ => $"a tie with the dev-only baseline on test {metric} (within two standard errors)",
    };

    /// <summary>Scores every source on test (test gold is read here, for the figures only, never to choose) and compares the final labels with the dev-only baseline.</summary>
    public static FinalFigures Of(
        Dataset dataset,
        EvaluationMetric metric,
        IReadOnlyDictionary<string, float[]> final,
        IReadOnlyDictionary<string, float[]> labelModel,
        IReadOnlyDictionary<string, float[]> endModel,
        IReadOnlyDictionary<string, float[]>? devOnly,
        IReadOnlyList<string>? testGroups = null)
    {
        var classes = dataset.Classes;
        var test = dataset.Test is { } t && t.Rows.HasAnyGold ? t : null;
        var majoritySplit = dataset.Valid is { } v && v.Rows.HasAnyGold ? v : test;
        var majority = majoritySplit is null ? -1 : ArgMax(ClassCollapse.Shares(majoritySplit.Rows.Labels, classes));

        ClassificationMetrics? OnTest(IReadOnlyDictionary<string, float[]>? probabilities) =>
            test is not null && probabilities is not null && probabilities.TryGetValue(SplitName.Test, out var p)
                ? ClassificationMetrics.Compute(test.Rows.Labels, ClassificationMetrics.ArgMax(p, classes), classes)
                : null;

        GroupFigures? Groups(IReadOnlyDictionary<string, float[]>? probabilities) =>
            test is not null && testGroups is not null && probabilities is not null && probabilities.TryGetValue(SplitName.Test, out var p)
                ? GroupFigures.Compute(test.Rows.Labels, ClassificationMetrics.ArgMax(p, classes), testGroups)
                : null;

        PairedLead? lead = null;
        if (test is not null && devOnly is not null && devOnly.TryGetValue(SplitName.Test, out var baseline))
        {
            var finalTest = ClassificationMetrics.ArgMax(final[SplitName.Test], classes);
            var baselineTest = ClassificationMetrics.ArgMax(baseline, classes);
            // By group, judged on the worst group of whichever does worse, as ValidChoice judges a lead.
            var judged = metric == EvaluationMetric.WorstGroup && testGroups is not null
                ? GroupFigures.GoldOfDecidingGroup(test.Rows.Labels, finalTest, baselineTest, testGroups)
                : test.Rows.Labels;

            lead = PairedLead.Of(metric, finalTest, baselineTest, judged, classes);
        }

        return new FinalFigures
        {
            MajorityClass = majority,
            MajorityClassFrom = majoritySplit?.Name,
            MajorityClassTest = test is not null && majority >= 0 ? ClassificationMetrics.Compute(test.Rows.Labels, Enumerable.Repeat(majority, test.Count).ToArray(), classes) : null,
            FinalTest = OnTest(final),
            LabelModelTest = OnTest(labelModel),
            EndModelTest = OnTest(endModel),
            DevOnlyTest = OnTest(devOnly),
            FinalTestGroups = Groups(final),
            LabelModelTestGroups = Groups(labelModel),
            EndModelTestGroups = Groups(endModel),
            DevOnlyTestGroups = Groups(devOnly),
            FinalOverDevOnly = lead,
        };
    }

    /// <summary>The final labels on test, class by class; empty without test gold.</summary>
    public IReadOnlyList<ClassFigures> FinalTestPerClass(IReadOnlyList<string> classNames) => FinalTest is not { } m ? []
        : [.. Enumerable.Range(0, m.Classes).Select(c => new ClassFigures(classNames[c], Math.Round(m.Precision(c), 4), Math.Round(m.Recall(c), 4), Math.Round(m.F1PerClass[c], 4), m.Support(c), m.PredictedCount(c)))];

    private static int ArgMax(double[] shares)
    {
        var best = 0;
        for (var c = 1; c < shares.Length; c++)
        {
            if (shares[c] > shares[best])
            {
                best = c;
            }
        }

        return best;
    }
}
