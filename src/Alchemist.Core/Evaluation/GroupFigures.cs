namespace Alchemist.Evaluation;

/// <summary>One group's accuracy: the rows of a split whose group field holds <paramref name="Group"/> and have gold.</summary>
public sealed record GroupAccuracy(string Group, int Rows, double Accuracy);

/// <summary>
/// Accuracy per group (the spec's <c>data.group_field</c>, such as a photo's background) and the worst of them: labels that
/// lean on a shortcut the group carries are right on the groups where the shortcut holds and wrong where it does not, which
/// overall accuracy hides and worst-group accuracy shows. Rows without gold or with an empty group are left out.
/// </summary>
public sealed record GroupFigures(IReadOnlyList<GroupAccuracy> Groups)
{
    /// <summary>The group with the lowest accuracy (the first by name among equals); null with no labeled rows.</summary>
    public GroupAccuracy? Worst => Groups.Count == 0 ? null : Groups.MinBy(g => g.Accuracy);

    /// <summary>Accuracy of the worst group; NaN with no labeled rows.</summary>
    public double WorstAccuracy => Worst?.Accuracy ?? double.NaN;

    /// <summary>Each group's accuracy of <paramref name="predicted"/> against <paramref name="gold"/>, groups by name.</summary>
    public static GroupFigures Compute(ReadOnlySpan<int> gold, ReadOnlySpan<int> predicted, IReadOnlyList<string> groups)
    {
        if (gold.Length != predicted.Length || gold.Length != groups.Count)
        {
            throw new ArgumentException($"{gold.Length} gold labels, {predicted.Length} predictions and {groups.Count} groups");
        }

        var counts = new SortedDictionary<string, (int Rows, int Right)>(StringComparer.Ordinal);
        for (var r = 0; r < gold.Length; r++)
        {
            if (gold[r] < 0 || string.IsNullOrEmpty(groups[r]))
            {
                continue;
            }

            var (rows, right) = counts.GetValueOrDefault(groups[r]);
            counts[groups[r]] = (rows + 1, right + (predicted[r] == gold[r] ? 1 : 0));
        }

        return new GroupFigures([.. counts.Select(c => new GroupAccuracy(c.Key, c.Value.Rows, c.Value.Right / (double)c.Value.Rows))]);
    }

    /// <summary>
    /// The rows of the group where <paramref name="predicted"/> does worst, as a mask over the rows (true: in that group);
    /// all rows when there are no groups.
    /// </summary>
    public static bool[] WorstGroupRows(ReadOnlySpan<int> gold, ReadOnlySpan<int> predicted, IReadOnlyList<string> groups)
    {
        var worst = Compute(gold, predicted, groups).Worst?.Group;
        var mask = new bool[gold.Length];
        for (var r = 0; r < mask.Length; r++)
        {
            mask[r] = worst is null || groups[r] == worst;
        }

        return mask;
    }
}
