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

    /// <summary>Whether a row's group field holds a group: an empty cell is no group, and no group's row.</summary>
    public static bool HasGroup(string? group) => !string.IsNullOrEmpty(group);

    /// <summary>Whether some row with gold is in a group: only then is there a worst group to rank by.</summary>
    public static bool AnyGroupedGold(IReadOnlyList<int> gold, IReadOnlyList<string>? groups) =>
        groups is not null && Enumerable.Range(0, gold.Count).Any(r => gold[r] >= 0 && HasGroup(groups[r]));

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
            if (gold[r] < 0 || !HasGroup(groups[r]))
            {
                continue;
            }

            var (rows, right) = counts.GetValueOrDefault(groups[r]);
            counts[groups[r]] = (rows + 1, right + (predicted[r] == gold[r] ? 1 : 0));
        }

        return new GroupFigures([.. counts.Select(c => new GroupAccuracy(c.Key, c.Value.Rows, c.Value.Right / (double)c.Value.Rows))]);
    }

    /// <summary>
    /// <paramref name="gold"/> with only the rows of the group that decides which of two labelings leads on worst-group
    /// accuracy kept (every other row -1, unlabeled): the worst group of the one that does worse there (of
    /// <paramref name="second"/> on a tie). A paired lead judged on those rows takes the side the two worst-group accuracies
    /// take: judged on the better one's worst group instead, a labeling that does far worse on another group would be called
    /// ahead. All rows when there are no groups.
    /// </summary>
    public static int[] GoldOfDecidingGroup(ReadOnlySpan<int> gold, ReadOnlySpan<int> first, ReadOnlySpan<int> second, IReadOnlyList<string> groups)
    {
        var firstWorst = Compute(gold, first, groups).Worst;
        var secondWorst = Compute(gold, second, groups).Worst;
        var deciding = firstWorst is not null && secondWorst is not null && firstWorst.Accuracy < secondWorst.Accuracy ? firstWorst.Group : secondWorst?.Group;
        var judged = gold.ToArray();
        for (var r = 0; r < judged.Length; r++)
        {
            judged[r] = deciding is null || groups[r] == deciding ? judged[r] : -1;
        }

        return judged;
    }
}
