using System.Numerics;
using System.Runtime.Intrinsics;

namespace Alchemist.Labeling;

/// <summary>
/// Per-program statistics of a label matrix, as in Snorkel's LFAnalysis. Fractions are over all rows:
/// coverage = rows the program votes on; overlaps = rows where it votes and some other program votes too;
/// conflicts = rows where it votes and some other program votes a different class. With gold labels (rows whose gold is -1
/// are left out): correct, incorrect and empirical accuracy = correct / (correct + incorrect), NaN when it never votes on a
/// gold row. <see cref="EstimatedAccuracy"/> comes from a label model and needs no gold.
/// </summary>
public sealed record ProgramAnalysis(
    string Name,
    IReadOnlyList<int> Polarity,
    double Coverage,
    double Overlaps,
    double Conflicts,
    long? Correct,
    long? Incorrect,
    double? EmpiricalAccuracy,
    double? EstimatedAccuracy);

/// <summary>The per-program table plus the same three fractions for the matrix as a whole (a row counts if any program votes).</summary>
public sealed record LabelAnalysisReport(
    int Rows,
    int Classes,
    double Coverage,
    double Overlaps,
    double Conflicts,
    long GoldRows,
    IReadOnlyList<ProgramAnalysis> Programs)
{
    /// <summary>
    /// Whether any row had a gold label, so that the correct, incorrect and empirical-accuracy columns mean something.
    /// </summary>
    public bool HasGold => GoldRows > 0;
}

/// <summary>Computes a <see cref="LabelAnalysisReport"/> from a label matrix.</summary>
public static class LabelAnalysis
{
    private const int RowsPerChunk = 1 << 16;

    /// <summary>
    /// Analyzes <paramref name="votes"/>. <paramref name="gold"/> (optional) has one label per row, -1 where unknown;
    /// <paramref name="estimatedAccuracies"/> (optional) has one entry per program, from <c>ILabelModel.EstimatedAccuracies</c>.
    /// Works column by column over chunks of rows, in parallel, with two bytes of scratch per row and nothing allocated per row.
    /// </summary>
    public static LabelAnalysisReport Analyze(LabelMatrix votes, int[]? gold = null, IReadOnlyList<double>? estimatedAccuracies = null)
    {
        var n = votes.Rows;
        var m = votes.Programs;
        if (gold is not null && gold.Length != n)
        {
            throw new ArgumentException($"{gold.Length} gold labels for {n} rows", nameof(gold));
        }

        if (estimatedAccuracies is not null && estimatedAccuracies.Count != m)
        {
            throw new ArgumentException($"{estimatedAccuracies.Count} estimated accuracies for {m} programs", nameof(estimatedAccuracies));
        }

        var chunks = (n + RowsPerChunk - 1) / RowsPerChunk;
        var perChunk = new ChunkCounts[chunks];
        Parallel.For(0, chunks, c =>
        {
            var start = c * RowsPerChunk;
            var length = Math.Min(RowsPerChunk, n - start);
            perChunk[c] = CountChunk(votes, gold, start, length);
        });

        var total = new ChunkCounts(m);
        foreach (var chunk in perChunk)
        {
            total.Add(chunk);
        }

        double Share(long count) => n == 0 ? 0 : (double)count / n;
        var programs = new ProgramAnalysis[m];
        for (var j = 0; j < m; j++)
        {
            var polarity = new List<int>();
            for (var k = 0; k < votes.Classes; k++)
            {
                if (total.Polarity[j].Has(k))
                {
                    polarity.Add(k);
                }
            }

            long? correct = null, incorrect = null;
            double? empirical = null;
            if (gold is not null)
            {
                correct = total.Correct[j];
                incorrect = total.Incorrect[j];
                empirical = correct + incorrect > 0 ? (double)correct / (correct + incorrect) : double.NaN;
            }

            programs[j] = new ProgramAnalysis(
                votes.ProgramNames[j],
                polarity,
                Share(total.Covered[j]),
                Share(total.Overlapped[j]),
                Share(total.Conflicted[j]),
                correct,
                incorrect,
                empirical,
                estimatedAccuracies?[j]);
        }

        return new LabelAnalysisReport(n, votes.Classes, Share(total.AnyCovered), Share(total.AnyOverlapped), Share(total.AnyConflicted), total.GoldRows, programs);
    }

    private static ChunkCounts CountChunk(LabelMatrix votes, int[]? gold, int start, int length)
    {
        var m = votes.Programs;
        var counts = new ChunkCounts(m);

        // Per row: the largest vote (abstain = -1 never raises it), the smallest vote read as a byte (abstain = 255 never
        // lowers it), and how many programs vote, capped at 2. A row's votes differ exactly when smallest != largest.
        var largest = new sbyte[length];
        var smallest = new byte[length];
        var voters = new byte[length];
        var goldVotes = new sbyte[length];
        Array.Fill(largest, LabelMatrix.Abstain);
        Array.Fill(smallest, byte.MaxValue);
        Array.Fill(goldVotes, LabelMatrix.Abstain);
        if (gold is not null)
        {
            for (var i = 0; i < length; i++)
            {
                var g = gold[start + i];
                goldVotes[i] = g is >= 0 and <= sbyte.MaxValue ? (sbyte)g : LabelMatrix.Abstain;
            }
        }

        for (var j = 0; j < m; j++)
        {
            Accumulate(votes.Column(j).Slice(start, length), largest, smallest, voters);
        }

        for (var j = 0; j < m; j++)
        {
            var column = votes.Column(j).Slice(start, length);
            var tally = Tally(column, largest, smallest, voters, goldVotes);
            counts.Covered[j] = tally.Covered;
            counts.Overlapped[j] = tally.Overlapped;
            counts.Conflicted[j] = tally.Conflicted;
            counts.Correct[j] = tally.Correct;
            counts.Incorrect[j] = tally.Incorrect;
            counts.Polarity[j] = Polarity(column, tally.SmallestVote, tally.LargestVote);
        }

        for (var i = 0; i < length; i++)
        {
            counts.AnyCovered += voters[i] > 0 ? 1 : 0;
            counts.AnyOverlapped += voters[i] >= 2 ? 1 : 0;
            counts.AnyConflicted += voters[i] > 0 && smallest[i] != (byte)largest[i] ? 1 : 0;
            counts.GoldRows += goldVotes[i] >= 0 ? 1 : 0;
        }

        return counts;
    }

    private static void Accumulate(ReadOnlySpan<sbyte> column, Span<sbyte> largest, Span<byte> smallest, Span<byte> voters)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<byte>.One;
            var two = Vector256.Create((byte)2);
            for (; i + Vector256<sbyte>.Count <= column.Length; i += Vector256<sbyte>.Count)
            {
                var v = Vector256.Create(column.Slice(i, Vector256<sbyte>.Count));
                Vector256.Max(Vector256.Create(largest.Slice(i, Vector256<sbyte>.Count)), v).CopyTo(largest.Slice(i));
                Vector256.Min(Vector256.Create(smallest.Slice(i, Vector256<byte>.Count)), v.AsByte()).CopyTo(smallest.Slice(i));
                var voted = Vector256.GreaterThanOrEqual(v, Vector256<sbyte>.Zero).AsByte() & one;
                Vector256.Min(Vector256.Create(voters.Slice(i, Vector256<byte>.Count)) + voted, two).CopyTo(voters.Slice(i));
            }
        }

        for (; i < column.Length; i++)
        {
            var v = column[i];
            largest[i] = Math.Max(largest[i], v);
            smallest[i] = Math.Min(smallest[i], (byte)v);
            voters[i] = (byte)Math.Min(voters[i] + (v >= 0 ? 1 : 0), 2);
        }
    }

    private static ColumnTally Tally(ReadOnlySpan<sbyte> column, sbyte[] largest, byte[] smallest, byte[] voters, sbyte[] goldVotes)
    {
        long covered = 0, overlapped = 0, conflicted = 0, correct = 0, incorrect = 0;
        sbyte columnLargest = LabelMatrix.Abstain;
        byte columnSmallest = byte.MaxValue;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var width = Vector256<sbyte>.Count;
            var two = Vector256.Create((byte)2);
            var maxima = Vector256.Create(LabelMatrix.Abstain);
            var minima = Vector256.Create(byte.MaxValue);
            for (; i + width <= column.Length; i += width)
            {
                var v = Vector256.Create(column.Slice(i, width));
                var voted = Vector256.GreaterThanOrEqual(v, Vector256<sbyte>.Zero);
                maxima = Vector256.Max(maxima, v);
                minima = Vector256.Min(minima, v.AsByte());
                var shared = Vector256.GreaterThanOrEqual(Vector256.Create(voters.AsSpan(i, width)), two).AsSByte();
                var mixed = ~Vector256.Equals(Vector256.Create(smallest.AsSpan(i, width)), Vector256.Create(largest.AsSpan(i, width)).AsByte()).AsSByte();
                var g = Vector256.Create(goldVotes.AsSpan(i, width));
                var scored = voted & Vector256.GreaterThanOrEqual(g, Vector256<sbyte>.Zero);
                var agree = Vector256.Equals(v, g);
                covered += BitOperations.PopCount(voted.ExtractMostSignificantBits());
                overlapped += BitOperations.PopCount((voted & shared).ExtractMostSignificantBits());
                conflicted += BitOperations.PopCount((voted & mixed).ExtractMostSignificantBits());
                correct += BitOperations.PopCount((scored & agree).ExtractMostSignificantBits());
                incorrect += BitOperations.PopCount(Vector256.AndNot(scored, agree).ExtractMostSignificantBits());
            }

            for (var lane = 0; lane < width; lane++)
            {
                columnLargest = Math.Max(columnLargest, maxima[lane]);
                columnSmallest = Math.Min(columnSmallest, minima[lane]);
            }
        }

        for (; i < column.Length; i++)
        {
            var v = column[i];
            if (v < 0)
            {
                continue;
            }

            covered++;
            columnLargest = Math.Max(columnLargest, v);
            columnSmallest = Math.Min(columnSmallest, (byte)v);
            overlapped += voters[i] >= 2 ? 1 : 0;
            conflicted += smallest[i] != (byte)largest[i] ? 1 : 0;
            var g = goldVotes[i];
            if (g >= 0)
            {
                correct += g == v ? 1 : 0;
                incorrect += g != v ? 1 : 0;
            }
        }

        return new ColumnTally(covered, overlapped, conflicted, correct, incorrect, columnSmallest, columnLargest);
    }

    /// <summary>
    /// The classes a column votes: read off its smallest and largest vote when they are at most one apart (every binary
    /// task, and most programs, which vote one class), otherwise found by a pass over the column.
    /// </summary>
    private static ClassSet Polarity(ReadOnlySpan<sbyte> column, byte smallestVote, sbyte largestVote)
    {
        var set = default(ClassSet);
        if (largestVote < 0)
        {
            return set;
        }

        set.Add(smallestVote);
        set.Add(largestVote);
        if (largestVote - smallestVote > 1)
        {
            foreach (var v in column)
            {
                if (v >= 0)
                {
                    set.Add(v);
                }
            }
        }

        return set;
    }

    private readonly record struct ColumnTally(long Covered, long Overlapped, long Conflicted, long Correct, long Incorrect, byte SmallestVote, sbyte LargestVote);

    private sealed class ChunkCounts(int programs)
    {
        public long[] Covered { get; } = new long[programs];

        public long[] Overlapped { get; } = new long[programs];

        public long[] Conflicted { get; } = new long[programs];

        public long[] Correct { get; } = new long[programs];

        public long[] Incorrect { get; } = new long[programs];

        public ClassSet[] Polarity { get; } = new ClassSet[programs];

        public long AnyCovered { get; set; }

        public long AnyOverlapped { get; set; }

        public long AnyConflicted { get; set; }

        public long GoldRows { get; set; }

        public void Add(ChunkCounts other)
        {
            for (var j = 0; j < Covered.Length; j++)
            {
                Covered[j] += other.Covered[j];
                Overlapped[j] += other.Overlapped[j];
                Conflicted[j] += other.Conflicted[j];
                Correct[j] += other.Correct[j];
                Incorrect[j] += other.Incorrect[j];
                Polarity[j].Union(other.Polarity[j]);
            }

            AnyCovered += other.AnyCovered;
            AnyOverlapped += other.AnyOverlapped;
            AnyConflicted += other.AnyConflicted;
            GoldRows += other.GoldRows;
        }
    }

    /// <summary>A set of class indices 0..127 in two words.</summary>
    private struct ClassSet
    {
        private ulong _low;
        private ulong _high;

        public void Add(int k)
        {
            if (k < 64)
            {
                _low |= 1UL << k;
            }
            else
            {
                _high |= 1UL << (k - 64);
            }
        }

        public readonly bool Has(int k) => k < 64 ? (_low & (1UL << k)) != 0 : (_high & (1UL << (k - 64))) != 0;

        public void Union(ClassSet other)
        {
            _low |= other._low;
            _high |= other._high;
        }
    }
}
