using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Sufficient statistics of a label matrix for the label models that need no per-row pass: vote counts, the overlap
/// matrix of one-hot votes, uncovered rows and the majority-vote outcome. Every field is a count over rows, so statistics
/// computed on shards of rows (on one machine or many) <see cref="Merge"/> into exactly the statistics of all rows.
/// </summary>
/// <remarks>
/// Index a = program * Classes + class names the one-hot indicator "program votes class". The overlap matrix is d x d with
/// d = Programs * Classes; entry (a, b) counts rows where both indicators are on, so the diagonal equals <see cref="VoteCounts"/>
/// and off-diagonal entries inside one program's block are zero (a program casts at most one vote per row).
/// </remarks>
public sealed class LabelStatistics
{
    /// <summary>Rows per shard when a matrix is split for parallel computation: 2^16 keeps a shard's bitsets in cache.</summary>
    public const int DefaultShardRows = 1 << 16;

    /// <summary>Largest one-hot dimension (programs x classes) for which the overlap matrix is kept (a 32 MiB matrix).</summary>
    public const int MaxOverlapDimension = 2048;

    /// <summary>
    /// Empty statistics (no rows) for votes of this shape, to <see cref="AddRows"/> to or <see cref="Merge"/> shards into.
    /// </summary>
    /// <param name="programs">Programs (vote columns).</param>
    /// <param name="classes">Classes, 2 to 127.</param>
    /// <param name="withOverlaps">
    /// Whether to keep the overlap matrix, which matrix completion and the triplet method need and majority vote does not.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="programs"/> is negative, or <paramref name="classes"/> outside 2..127.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// The overlap matrix would exceed <see cref="MaxOverlapDimension"/> indicators a side.
    /// </exception>
    public LabelStatistics(int programs, int classes, bool withOverlaps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(programs);
        if (classes is < 2 or > sbyte.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "statistics need between 2 and 127 classes");
        }

        Programs = programs;
        Classes = classes;
        VoteCounts = new long[programs * classes];
        MajorityWinners = new long[classes];
        MajorityAgreements = new long[programs];
        MajorityDecidedVotes = new long[programs];
        if (withOverlaps)
        {
            if (Dimension > MaxOverlapDimension)
            {
                throw new ArgumentException(
                    $"{programs} programs x {classes} classes = {Dimension} one-hot indicators; the overlap matrix is limited to {MaxOverlapDimension}");
            }

            Overlaps = new long[Dimension * Dimension];
        }
    }

    /// <summary>Programs (vote columns).</summary>
    public int Programs { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Programs x Classes: the size of one row's one-hot vote vector.</summary>
    public int Dimension => Programs * Classes;

    /// <summary>Rows counted so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Rows where every program abstains.</summary>
    public long UncoveredRows { get; private set; }

    /// <summary>Rows whose majority vote is tied between two or more classes.</summary>
    public long TiedRows { get; private set; }

    /// <summary>[program * Classes + class]: how many rows the program votes that class on.</summary>
    public long[] VoteCounts { get; }

    /// <summary>Row-major d x d co-vote counts (see the remarks), or null when computed without overlaps.</summary>
    public long[]? Overlaps { get; }

    /// <summary>[class]: rows whose majority vote has this class as its unique winner.</summary>
    public long[] MajorityWinners { get; }

    /// <summary>[program]: votes that agree with the row's unique majority winner.</summary>
    public long[] MajorityAgreements { get; }

    /// <summary>[program]: votes cast on rows that have a unique majority winner.</summary>
    public long[] MajorityDecidedVotes { get; }

    /// <summary>How many rows <paramref name="program"/> voted on (any class): its coverage times <see cref="Rows"/>.</summary>
    public long ProgramVotes(int program)
    {
        long total = 0;
        for (var c = 0; c < Classes; c++)
        {
            total += VoteCounts[program * Classes + c];
        }

        return total;
    }

    /// <summary>Statistics of all rows, computed on shards of <paramref name="shardRows"/> rows in parallel and merged.</summary>
    public static LabelStatistics Compute(LabelMatrix votes, bool withOverlaps = true, int shardRows = DefaultShardRows, int maxDegreeOfParallelism = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardRows, 64);
        var total = new LabelStatistics(votes.Programs, votes.Classes, withOverlaps);
        var shards = (votes.Rows + shardRows - 1) / shardRows;
        var gate = new object();
        Parallel.For(
            0,
            shards,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new LabelStatistics(votes.Programs, votes.Classes, withOverlaps),
            (shard, _, local) =>
            {
                var first = shard * shardRows;
                local.AddRows(votes, first, Math.Min(shardRows, votes.Rows - first));
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    total.Merge(local);
                }
            });
        return total;
    }

    /// <summary>Statistics of rows [first, first + count) only: one shard.</summary>
    public static LabelStatistics ComputeShard(LabelMatrix votes, int first, int count, bool withOverlaps = true)
    {
        var statistics = new LabelStatistics(votes.Programs, votes.Classes, withOverlaps);
        statistics.AddRows(votes, first, count);
        return statistics;
    }

    /// <summary>Adds another shard's counts to these. Both must describe the same programs and classes.</summary>
    public void Merge(LabelStatistics other)
    {
        if (other.Programs != Programs || other.Classes != Classes)
        {
            throw new ArgumentException(
                $"cannot merge statistics of {other.Programs} programs x {other.Classes} classes into {Programs} x {Classes}");
        }

        if ((Overlaps is null) != (other.Overlaps is null))
        {
            throw new ArgumentException("cannot merge statistics with overlaps and statistics without");
        }

        Rows += other.Rows;
        UncoveredRows += other.UncoveredRows;
        TiedRows += other.TiedRows;
        Add(VoteCounts, other.VoteCounts);
        Add(MajorityWinners, other.MajorityWinners);
        Add(MajorityAgreements, other.MajorityAgreements);
        Add(MajorityDecidedVotes, other.MajorityDecidedVotes);
        if (Overlaps is not null)
        {
            Add(Overlaps, other.Overlaps!);
        }
    }

    /// <summary>Scratch for one shard's indicator bits, kept between the shards this instance counts.</summary>
    private ulong[]? _indicatorBits;

    /// <summary>Scratch for one shard's majority-vote counters, kept between shards of one size.</summary>
    private byte[]? _majorityCounts;

    /// <summary>Adds the counts of rows [first, first + count) of <paramref name="votes"/>.</summary>
    public void AddRows(LabelMatrix votes, int first, int count)
    {
        if (votes.Programs != Programs || votes.Classes != Classes)
        {
            throw new ArgumentException($"a matrix of {votes.Programs} programs x {votes.Classes} classes does not fit statistics of {Programs} x {Classes}");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, votes.Rows);
        for (var start = first; start < first + count; start += DefaultShardRows)
        {
            var rows = Math.Min(DefaultShardRows, first + count - start);
            AddOneShard(votes, start, rows);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddOneShard(LabelMatrix votes, int first, int rows)
    {
        Rows += rows;
        var words = (rows + 63) / 64;
        // One buffer per instance (an instance counts on one thread): at 256 KB a shard it sat on the large-object heap,
        // and a fit over 10 million rows left 40 MB of them per pass waiting for a full collection.
        var size = Dimension * words;
        if (_indicatorBits is null || _indicatorBits.Length < size)
        {
            _indicatorBits = new ulong[size];
        }
        else
        {
            Array.Clear(_indicatorBits, 0, size);
        }

        var bits = _indicatorBits;
        for (var j = 0; j < Programs; j++)
        {
            SetIndicatorBits(votes.Column(j).Slice(first, rows), bits.AsSpan(j * Classes * words, Classes * words), words);
        }

        CountCoverageAndVotes(bits, words, rows);
        if (Overlaps is not null)
        {
            CountOverlaps(bits, words);
        }

        CountMajority(votes, first, rows);
    }

    /// <summary>Bit r of indicator (class c) is set when the program votes c on row r: bits[c * words + r / 64].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SetIndicatorBits(ReadOnlySpan<sbyte> column, Span<ulong> bits, int words)
    {
        var fullWords = column.Length / 64;
        for (var w = 0; w < fullWords; w++)
        {
            var chunk = column.Slice(w * 64, 64);
            if (Vector256.IsHardwareAccelerated)
            {
                var low = Vector256.Create(chunk[..32]);
                var high = Vector256.Create(chunk[32..]);
                for (var c = 0; c < Classes; c++)
                {
                    var value = Vector256.Create((sbyte)c);
                    bits[c * words + w] = Vector256.Equals(low, value).ExtractMostSignificantBits()
                        | ((ulong)Vector256.Equals(high, value).ExtractMostSignificantBits() << 32);
                }
            }
            else
            {
                SetBitsScalar(chunk, bits, words, w);
            }
        }

        if (fullWords * 64 < column.Length)
        {
            SetBitsScalar(column[(fullWords * 64)..], bits, words, fullWords);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SetBitsScalar(ReadOnlySpan<sbyte> chunk, Span<ulong> bits, int words, int word)
    {
        for (var i = 0; i < chunk.Length; i++)
        {
            int vote = chunk[i];
            if (vote >= 0)
            {
                bits[vote * words + word] |= 1UL << i;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountCoverageAndVotes(ulong[] bits, int words, int rows)
    {
        long covered = 0;
        for (var w = 0; w < words; w++)
        {
            ulong any = 0;
            for (var a = 0; a < Dimension; a++)
            {
                any |= bits[a * words + w];
            }

            covered += BitOperations.PopCount(any);
        }

        UncoveredRows += rows - covered;
        for (var a = 0; a < Dimension; a++)
        {
            VoteCounts[a] += PopCountAnd(bits.AsSpan(a * words, words), bits.AsSpan(a * words, words));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountOverlaps(ulong[] bits, int words)
    {
        var d = Dimension;
        var overlaps = Overlaps!;

        // Word blocks small enough that all d indicators of a block stay in the core's L2 cache while every pair is counted.
        var blockWords = Math.Max(1, Math.Min(words, Math.Max(16, (256 * 1024) / (8 * Math.Max(d, 1)))));
        for (var start = 0; start < words; start += blockWords)
        {
            var length = Math.Min(blockWords, words - start);
            for (var a = 0; a < d; a++)
            {
                var rowA = bits.AsSpan(a * words + start, length);
                var programA = a / Classes;

                // Indicators of the same program never overlap off the diagonal, so pairs start at the next program.
                for (var b = (programA + 1) * Classes; b < d; b++)
                {
                    overlaps[a * d + b] += PopCountAnd(rowA, bits.AsSpan(b * words + start, length));
                }
            }
        }

        for (var a = 0; a < d; a++)
        {
            overlaps[a * d + a] = VoteCounts[a];
        }

        for (var a = 0; a < d; a++)
        {
            for (var b = (a / Classes + 1) * Classes; b < d; b++)
            {
                overlaps[b * d + a] = overlaps[a * d + b];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long PopCountAnd(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y)
    {
        long c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        var i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            c0 += BitOperations.PopCount(x[i] & y[i]);
            c1 += BitOperations.PopCount(x[i + 1] & y[i + 1]);
            c2 += BitOperations.PopCount(x[i + 2] & y[i + 2]);
            c3 += BitOperations.PopCount(x[i + 3] & y[i + 3]);
        }

        for (; i < x.Length; i++)
        {
            c0 += BitOperations.PopCount(x[i] & y[i]);
        }

        return c0 + c1 + c2 + c3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountMajority(LabelMatrix votes, int first, int rows)
    {
        var k = Classes;

        // Class-major byte counters, counts[c * rows + r], filled 32 rows at a time; batches of at most 255 programs
        // keep a byte from overflowing, and wider matrices spill each batch into int counters.
        // Kept for the next shard of the same size (every one but a matrix's last), as the indicator bits are.
        var counts = _majorityCounts?.Length == k * rows ? _majorityCounts : _majorityCounts = new byte[k * rows];
        Array.Clear(counts);
        var wide = Programs > byte.MaxValue ? new int[k * rows] : null;
        for (var batchStart = 0; batchStart < Programs; batchStart += byte.MaxValue)
        {
            if (wide is not null)
            {
                Array.Clear(counts);
            }

            for (var j = batchStart; j < Math.Min(Programs, batchStart + byte.MaxValue); j++)
            {
                var column = votes.Column(j).Slice(first, rows);
                for (var c = 0; c < k; c++)
                {
                    AddMatches(column, (sbyte)c, counts.AsSpan(c * rows, rows));
                }
            }

            if (wide is not null)
            {
                for (var i = 0; i < counts.Length; i++)
                {
                    wide[i] += counts[i];
                }
            }
        }

        // Winner per row: the class, or -2 when the row has no vote or a tie (never equal to a vote or to abstain).
        var winners = new sbyte[rows];
        for (var r = 0; r < rows; r++)
        {
            var best = -1;
            var bestCount = 0;
            var tied = false;
            for (var c = 0; c < k; c++)
            {
                var count = wide is null ? counts[c * rows + r] : wide[c * rows + r];
                if (count > bestCount)
                {
                    best = c;
                    bestCount = count;
                    tied = false;
                }
                else if (count == bestCount && count > 0)
                {
                    tied = true;
                }
            }

            if (best >= 0 && !tied)
            {
                winners[r] = (sbyte)best;
                MajorityWinners[best]++;
            }
            else
            {
                winners[r] = -2;
                TiedRows += tied ? 1 : 0;
            }
        }

        for (var j = 0; j < Programs; j++)
        {
            var (agree, decided) = CountAgreement(votes.Column(j).Slice(first, rows), winners);
            MajorityAgreements[j] += agree;
            MajorityDecidedVotes[j] += decided;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddMatches(ReadOnlySpan<sbyte> column, sbyte value, Span<byte> counts)
    {
        var r = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var target = Vector256.Create(value);
            for (; r + 32 <= column.Length; r += 32)
            {
                var match = Vector256.Equals(Vector256.Create(column.Slice(r, 32)), target).AsByte();
                (Vector256.Create(counts.Slice(r, 32)) - match).CopyTo(counts.Slice(r, 32));
            }
        }

        for (; r < column.Length; r++)
        {
            counts[r] += (byte)(column[r] == value ? 1 : 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (long Agree, long Decided) CountAgreement(ReadOnlySpan<sbyte> column, ReadOnlySpan<sbyte> winners)
    {
        long agree = 0, decided = 0;
        var r = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var abstain = Vector256.Create(LabelMatrix.Abstain);
            for (; r + 32 <= column.Length; r += 32)
            {
                var vote = Vector256.Create(column.Slice(r, 32));
                var winner = Vector256.Create(winners.Slice(r, 32));
                agree += BitOperations.PopCount(Vector256.Equals(vote, winner).ExtractMostSignificantBits());
                decided += BitOperations.PopCount((Vector256.GreaterThan(vote, abstain) & Vector256.GreaterThan(winner, abstain)).ExtractMostSignificantBits());
            }
        }

        for (; r < column.Length; r++)
        {
            agree += column[r] == winners[r] ? 1 : 0;
            decided += (column[r] >= 0) & (winners[r] >= 0) ? 1 : 0;
        }

        return (agree, decided);
    }

    private static void Add(long[] target, long[] source)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }
}
