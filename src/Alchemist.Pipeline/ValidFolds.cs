namespace Alchemist.Pipeline;

/// <summary>
/// How every cross-fit of the run splits the labeled valid rows: into up to <see cref="MaxFolds"/> interleaved folds, each
/// predicted by what was learned from the others. Five folds rather than two because what is judged should be close to
/// what is used: rules the offline synthesizer learns from four fifths of the sample behave much like the rules it writes
/// from all of it, while rules from half of it are markedly weaker, which under-rated every candidate that rests on them.
/// One split for every stage, so the folds of the rules, the end model and the calibration line up.
/// </summary>
public static class ValidFolds
{
    /// <summary>Most folds valid is split into; fewer when valid has few gold rows.</summary>
    public const int MaxFolds = 5;

    /// <param name="Predict">The rows this fold predicts.</param>
    /// <param name="Learn">The rows it learns from: every other row given.</param>
    public sealed record Fold(int[] Predict, int[] Learn);

    /// <summary>The folds of <paramref name="rows"/>; none when there are fewer than two rows (nothing to learn from).</summary>
    public static IReadOnlyList<Fold> Of(IReadOnlyList<int> rows)
    {
        var count = CountFor(rows.Count);
        if (count == 0)
        {
            return [];
        }

        return [.. Enumerable.Range(0, count).Select(fold => new Fold(
            [.. rows.Where((_, k) => k % count == fold)],
            [.. rows.Where((_, k) => k % count != fold)]))];
    }

    /// <summary>How many folds <see cref="Of"/> makes of that many rows.</summary>
    public static int CountFor(int rows) => rows < 2 ? 0 : Math.Min(MaxFolds, rows);
}
