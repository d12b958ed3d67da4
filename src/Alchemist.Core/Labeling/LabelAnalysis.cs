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
    public bool HasGold => GoldRows > 0;
}

public static class LabelAnalysis
{
    private const byte CountMask = 0b11;
    private const byte Mixed = 0b100;
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
        Span<sbyte> first = length <= 4096 ? stackalloc sbyte[length] : new sbyte[length];
        Span<byte> state = length <= 4096 ? stackalloc byte[length] : new byte[length];
        state.Clear();

        // Pass 1: per row, how many programs vote (0, 1, 2 = two or more), the first class seen, and whether classes differ.
        for (var j = 0; j < m; j++)
        {
            var column = votes.Column(j).Slice(start, length);
            for (var i = 0; i < column.Length; i++)
            {
                var v = column[i];
                if (v < 0)
                {
                    continue;
                }

                var s = state[i];
                if ((s & CountMask) == 0)
                {
                    first[i] = v;
                    state[i] = 1;
                }
                else
                {
                    state[i] = (byte)((s & Mixed) | 2 | (first[i] != v ? Mixed : 0));
                }
            }
        }

        // Pass 2: each program's coverage, overlaps, conflicts, polarity and, with gold, correct and incorrect votes.
        var goldSlice = gold is null ? default : gold.AsSpan(start, length);
        for (var j = 0; j < m; j++)
        {
            var column = votes.Column(j).Slice(start, length);
            long covered = 0, overlapped = 0, conflicted = 0, correct = 0, incorrect = 0;
            var polarity = default(ClassSet);
            for (var i = 0; i < column.Length; i++)
            {
                var v = column[i];
                if (v < 0)
                {
                    continue;
                }

                covered++;
                polarity.Add(v);
                var s = state[i];
                if ((s & CountMask) >= 2)
                {
                    overlapped++;
                }

                if ((s & Mixed) != 0)
                {
                    conflicted++;
                }

                if (gold is not null)
                {
                    var g = goldSlice[i];
                    if (g >= 0)
                    {
                        if (g == v)
                        {
                            correct++;
                        }
                        else
                        {
                            incorrect++;
                        }
                    }
                }
            }

            counts.Covered[j] = covered;
            counts.Overlapped[j] = overlapped;
            counts.Conflicted[j] = conflicted;
            counts.Correct[j] = correct;
            counts.Incorrect[j] = incorrect;
            counts.Polarity[j] = polarity;
        }

        for (var i = 0; i < length; i++)
        {
            var s = state[i];
            counts.AnyCovered += (s & CountMask) > 0 ? 1 : 0;
            counts.AnyOverlapped += (s & CountMask) >= 2 ? 1 : 0;
            counts.AnyConflicted += (s & Mixed) != 0 ? 1 : 0;
        }

        if (gold is not null)
        {
            foreach (var g in goldSlice)
            {
                counts.GoldRows += g >= 0 ? 1 : 0;
            }
        }

        return counts;
    }

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
