namespace Alchemist.Evaluation;

/// <summary>A class that holds a real share of the gold labels but gets far fewer of the predicted ones.</summary>
public sealed record CollapsedClass(int Class, double GoldShare, double PredictedShare);

/// <summary>
/// The guard against the failure that accuracy hides on imbalanced and many-class data: a candidate that leaves out a class
/// (labels none or almost none of its rows as it) while the figures look fine. A class collapses when it holds at least
/// <see cref="MinimumGoldShare"/> of the gold labels and gets less than <see cref="MinimumFractionOfGoldShare"/> of that
/// share among the predictions. No choice on valid lets such a candidate win silently, and the final labels are checked
/// the same way against valid's gold shares.
/// </summary>
public static class ClassCollapse
{
    internal const double MinimumGoldShare = 0.05;

    internal const double MinimumFractionOfGoldShare = 1.0 / 3;

    /// <summary>The collapsed classes, comparing shares given per class.</summary>
    public static IReadOnlyList<CollapsedClass> Find(IReadOnlyList<double> goldShares, IReadOnlyList<double> predictedShares)
    {
        if (goldShares.Count != predictedShares.Count)
        {
            throw new ArgumentException($"{goldShares.Count} gold shares but {predictedShares.Count} predicted shares");
        }

        var collapsed = new List<CollapsedClass>();
        for (var c = 0; c < goldShares.Count; c++)
        {
            if (goldShares[c] >= MinimumGoldShare && predictedShares[c] < MinimumFractionOfGoldShare * goldShares[c])
            {
                collapsed.Add(new CollapsedClass(c, goldShares[c], predictedShares[c]));
            }
        }

        return collapsed;
    }

    /// <summary>The collapsed classes of <paramref name="predicted"/> on the rows with gold (gold &gt;= 0).</summary>
    public static IReadOnlyList<CollapsedClass> Find(ReadOnlySpan<int> gold, ReadOnlySpan<int> predicted, int classes)
    {
        if (gold.Length != predicted.Length)
        {
            throw new ArgumentException($"{gold.Length} gold labels but {predicted.Length} predictions");
        }

        var goldCounts = new double[classes];
        var predictedCounts = new double[classes];
        var rows = 0;
        for (var r = 0; r < gold.Length; r++)
        {
            if (gold[r] >= 0)
            {
                goldCounts[gold[r]]++;
                predictedCounts[predicted[r]]++;
                rows++;
            }
        }

        return rows == 0 ? [] : Find([.. goldCounts.Select(c => c / rows)], [.. predictedCounts.Select(c => c / rows)]);
    }

    /// <summary>Each class's share of the labels that are not negative (unlabeled); zeros when there are none.</summary>
    public static double[] Shares(ReadOnlySpan<int> labels, int classes)
    {
        var counts = Counts(labels, classes, out var labeled);
        return labeled == 0 ? counts : [.. counts.Select(c => c / labeled)];
    }

    /// <summary>How many labels of each class there are, skipping negative ones (unlabeled), and how many were counted.</summary>
    public static double[] Counts(ReadOnlySpan<int> labels, int classes, out int labeled)
    {
        var counts = new double[classes];
        labeled = 0;
        foreach (var label in labels)
        {
            if (label >= 0)
            {
                counts[label]++;
                labeled++;
            }
        }

        return counts;
    }

    /// <summary>"negative (9 % of gold, 1 % predicted)" for each collapsed class, named where names are given.</summary>
    public static string Describe(IReadOnlyList<CollapsedClass> collapsed, IReadOnlyList<string>? classNames = null) =>
        string.Join(", ", collapsed.Select(c => $"{(classNames is null ? $"class {c.Class}" : classNames[c.Class])} ({c.GoldShare:0.#%} of gold, {c.PredictedShare:0.#%} predicted)"));
}
