using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// The non-abstain votes of a label matrix, row by row, for models that need a pass over rows (Dawid-Skene, weighted
/// majority vote, prediction). Built once per fit in shards of rows; each shard stores, per row, the codes
/// program * Classes + class of its votes, in program order (compressed sparse rows). Sparse matrices (most programs abstain on most rows)
/// then cost time in proportion to the votes cast, not to rows x programs.
/// </summary>
public sealed class SparseVotes
{
    private SparseVotes(int rows, int programs, int classes, IReadOnlyList<Shard> shards)
    {
        Rows = rows;
        Programs = programs;
        Classes = classes;
        Shards = shards;
    }

    internal int Rows { get; }

    internal int Programs { get; }

    internal int Classes { get; }

    /// <summary>The shards in row order; together they hold every row once.</summary>
    public IReadOnlyList<Shard> Shards { get; }

    /// <summary>
    /// Above this many rows the shards are not kept but built again from the matrix each time a pass reaches them: the
    /// codes cost about 24 bytes a row (an offset and three or four votes), 240 MB at 10 million rows beside the matrix's
    /// 160, where a shard costs a pass of Dawid-Skene about what visiting it does.
    /// </summary>
    public const int MaxRowsKept = 1 << 21;

    /// <summary>The most bytes of codes an on-demand shard may hold: under the large-object heap's threshold.</summary>
    private const int OnDemandCodeBytes = 80_000;

    /// <summary>Rows per shard: 2^13 keeps a shard's codes (about 8192 x votes per row x 4 bytes) in the core's L2 cache while columns are scattered into them.</summary>
    public const int DefaultShardRows = 1 << 13;

    /// <summary>
    /// The votes of <paramref name="votes"/> in sparse form, shards of <paramref name="shardRows"/> rows built in parallel;
    /// over more than <paramref name="maxRowsKept"/> rows, built each time they are read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shardRows"/> is less than 1.</exception>
    public static SparseVotes Build(LabelMatrix votes, int shardRows = DefaultShardRows, int maxDegreeOfParallelism = -1, int maxRowsKept = MaxRowsKept)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardRows, 1);
        if (votes.Rows > maxRowsKept)
        {
            // Shards made and dropped on every pass stay under the large-object heap's 85,000 bytes even where every program
            // votes on every row: there they would wait for a full collection, and at 10 million rows the first fit's
            // 8,192-row shards (about 115 KB of codes each) took the process from 418 MB to 838 MB.
            var rows = Math.Clamp(OnDemandCodeBytes / (sizeof(int) * Math.Max(1, votes.Programs)), 64, shardRows);
            return new SparseVotes(votes.Rows, votes.Programs, votes.Classes, new ShardsOnDemand(votes, rows));
        }

        var shards = new Shard[(votes.Rows + shardRows - 1) / shardRows];
        Parallel.For(
            0,
            shards.Length,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            s =>
            {
                var first = s * shardRows;
                shards[s] = Shard.Build(votes, first, Math.Min(shardRows, votes.Rows - first));
            });
        return new SparseVotes(votes.Rows, votes.Programs, votes.Classes, shards);
    }

    /// <summary>Per class, the rows whose majority vote has that class as its unique winner (the same counts as
    /// <see cref="LabelStatistics.MajorityWinners"/>).</summary>
    public long[] CountMajorityWinners()
    {
        var winners = new long[Classes];
        Span<int> counts = stackalloc int[Classes];
        foreach (var shard in Shards)
        {
            for (var r = 0; r < shard.RowCount; r++)
            {
                counts.Clear();
                foreach (var code in shard.RowCodes(r))
                {
                    counts[code % Classes]++;
                }

                int best = -1, bestCount = 0;
                var tied = false;
                for (var c = 0; c < Classes; c++)
                {
                    if (counts[c] > bestCount)
                    {
                        (best, bestCount, tied) = (c, counts[c], false);
                    }
                    else if (counts[c] == bestCount && bestCount > 0)
                    {
                        tied = true;
                    }
                }

                if (best >= 0 && !tied)
                {
                    winners[best]++;
                }
            }
        }

        return winners;
    }

    /// <summary>Rows [FirstRow, FirstRow + RowCount). Row r's vote codes are Codes[Starts[r] .. Starts[r + 1]).</summary>
    public sealed class Shard
    {
        private Shard(int firstRow, int rowCount, int[] starts, int[] codes)
        {
            FirstRow = firstRow;
            RowCount = rowCount;
            Starts = starts;
            Codes = codes;
        }

        /// <summary>Index of the shard's first row in the whole matrix.</summary>
        public int FirstRow { get; }

        /// <summary>Number of rows in the shard.</summary>
        public int RowCount { get; }

        internal int[] Starts { get; }

        internal int[] Codes { get; }

        /// <summary>
        /// The vote codes (program * Classes + class) of the shard's row <paramref name="row"/> (0-based within the shard), in
        /// program order; empty when every program abstains.
        /// </summary>
        public ReadOnlySpan<int> RowCodes(int row) => Codes.AsSpan(Starts[row], Starts[row + 1] - Starts[row]);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static Shard Build(LabelMatrix votes, int first, int rows)
        {
            var counts = CountVotesPerRow(votes, first, rows);
            var starts = new int[rows + 1];
            long position = 0;
            for (var r = 0; r < rows; r++)
            {
                starts[r] = (int)position;
                position += counts[r];
                if (position > Array.MaxLength)
                {
                    throw new InvalidOperationException($"rows {first}..{first + rows} hold too many votes for one shard; use smaller shards");
                }
            }

            starts[rows] = (int)position;
            var codes = new int[position];
            var cursor = counts;
            Array.Copy(starts, cursor, rows);
            var k = votes.Classes;
            for (var j = 0; j < votes.Programs; j++)
            {
                FillColumn(votes.Column(j).Slice(first, rows), j * k, cursor, codes);
            }

            return new Shard(first, rows, starts, codes);
        }

        /// <summary>Appends the column's votes to their rows, visiting only the rows it votes on (64 rows per mask).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FillColumn(ReadOnlySpan<sbyte> column, int programBase, int[] cursor, int[] codes)
        {
            var abstain = Vector256.Create(LabelMatrix.Abstain);
            for (var start = 0; start < column.Length; start += 64)
            {
                ulong mask;
                if (Vector256.IsHardwareAccelerated && start + 64 <= column.Length)
                {
                    mask = Vector256.GreaterThan(Vector256.Create(column.Slice(start, 32)), abstain).ExtractMostSignificantBits()
                        | ((ulong)Vector256.GreaterThan(Vector256.Create(column.Slice(start + 32, 32)), abstain).ExtractMostSignificantBits() << 32);
                }
                else
                {
                    mask = 0;
                    var end = Math.Min(64, column.Length - start);
                    for (var i = 0; i < end; i++)
                    {
                        mask |= column[start + i] >= 0 ? 1UL << i : 0;
                    }
                }

                while (mask != 0)
                {
                    var r = start + BitOperations.TrailingZeroCount(mask);
                    codes[cursor[r]++] = programBase + column[r];
                    mask &= mask - 1;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int[] CountVotesPerRow(LabelMatrix votes, int first, int rows)
        {
            var totals = new int[rows];
            var batch = new byte[rows];
            for (var batchStart = 0; batchStart < votes.Programs; batchStart += byte.MaxValue)
            {
                Array.Clear(batch);
                var batchEnd = Math.Min(votes.Programs, batchStart + byte.MaxValue);
                for (var j = batchStart; j < batchEnd; j++)
                {
                    var column = votes.Column(j).Slice(first, rows);
                    var r = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        var abstain = Vector256.Create(LabelMatrix.Abstain);
                        for (; r + 32 <= rows; r += 32)
                        {
                            var cast = Vector256.GreaterThan(Vector256.Create(column.Slice(r, 32)), abstain).AsByte();
                            var counted = Vector256.Create(batch.AsSpan(r, 32));
                            (counted - cast).CopyTo(batch.AsSpan(r, 32));
                        }
                    }

                    for (; r < rows; r++)
                    {
                        batch[r] += (byte)(column[r] >= 0 ? 1 : 0);
                    }
                }

                for (var r = 0; r < rows; r++)
                {
                    totals[r] += batch[r];
                }
            }

            return totals;
        }
    }

    /// <summary>
    /// The shards of a large matrix, each built when it is read and dropped after: a list, so that a parallel pass hands
    /// out shard indices and every thread builds its own.
    /// </summary>
    private sealed class ShardsOnDemand(LabelMatrix votes, int shardRows) : IList<Shard>, IReadOnlyList<Shard>
    {
        public int Count { get; } = (votes.Rows + shardRows - 1) / shardRows;

        public bool IsReadOnly => true;

        public Shard this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
                var first = index * shardRows;
                return Shard.Build(votes, first, Math.Min(shardRows, votes.Rows - first));
            }

            set => throw new NotSupportedException();
        }

        public IEnumerator<Shard> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public int IndexOf(Shard item) => throw new NotSupportedException();

        public void Insert(int index, Shard item) => throw new NotSupportedException();

        public void RemoveAt(int index) => throw new NotSupportedException();

        public void Add(Shard item) => throw new NotSupportedException();

        public void Clear() => throw new NotSupportedException();

        public bool Contains(Shard item) => throw new NotSupportedException();

        public void CopyTo(Shard[] array, int arrayIndex)
        {
            for (var i = 0; i < Count; i++)
            {
                array[arrayIndex + i] = this[i];
            }
        }

        public bool Remove(Shard item) => throw new NotSupportedException();
    }
}
