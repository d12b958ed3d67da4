namespace Alchemist.Cluster;

/// <summary>Rows <see cref="First"/> to <see cref="First"/> + <see cref="Count"/> - 1 of a split: what one shard grain labels.</summary>
/// <param name="First">The shard's first row, counted from 0 in the whole split.</param>
/// <param name="Count">Rows in the shard (at least 1).</param>
public readonly record struct ShardRange(long First, int Count)
{
    /// <summary>One past the shard's last row.</summary>
    public long End => First + Count;

    /// <summary>
    /// Cuts <paramref name="rows"/> rows into consecutive shards of at most <paramref name="shardRows"/> rows, and into at least
    /// <paramref name="minShards"/> (one per silo, so that none idles) where there are that many rows; the sizes differ by at
    /// most one row. No rows, no shards.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative row count, or a shard size or minimum below 1.</exception>
    public static IReadOnlyList<ShardRange> Cut(long rows, int shardRows, int minShards = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minShards, 1);
        if (rows == 0)
        {
            return [];
        }

        var count = Math.Max((rows + shardRows - 1) / shardRows, Math.Min(minShards, rows));
        var size = rows / count;
        var larger = rows % count;
        var shards = new ShardRange[count];
        long first = 0;
        for (var i = 0; i < count; i++)
        {
            var length = (int)(size + (i < larger ? 1 : 0));
            shards[i] = new ShardRange(first, length);
            first += length;
        }

        return shards;
    }

    /// <summary>"rows 100,000-199,999", as the log names a shard.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rows {First:N0}-{End - 1:N0}");
}
