using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;

namespace Alchemist.Pipeline;

/// <summary>
/// The train rows the stages that learn from train rows read (the end model, the cross-fits on valid) when train is larger
/// than <c>end_model.train_sample_rows</c>: a sample stratified by the label model's class, with the rows no program voted
/// on as a stratum of their own, each stratum in proportion to its share of train (so the end model's prior is train's),
/// drawn by selection sampling from a fixed seed, so the same votes give the same sample every run. Everything else (the
/// label model's fit, the analyses, the labels) reads every row: its votes from the matrix, its text from the file.
/// </summary>
public static class TrainSample
{
    /// <summary>The sample's seed: fixed, so that a rerun over the same votes draws the same rows.</summary>
    public const int Seed = 20_141_205;

    /// <summary>Rows read, predicted and labeled together when the whole train split is walked.</summary>
    public const int BatchRows = DataBatch.PassSize;

    /// <summary>
    /// Each row's stratum: the class the label model gives it, or <paramref name="votes"/>' class count where no program
    /// voted. Walks the matrix in batches, so it costs one byte per row.
    /// </summary>
    public static byte[] Strata(LabelMatrix votes, ILabelModel labelModel)
    {
        // Half a pass batch: its sparse codes (three or four votes a row) stay under the large-object heap too.
        const int strataBatchRows = BatchRows / 2;
        var classes = votes.Classes;
        var strata = new byte[votes.Rows];
        var probabilities = new float[strataBatchRows * classes];
        for (var start = 0; start < votes.Rows; start += strataBatchRows)
        {
            var count = Math.Min(strataBatchRows, votes.Rows - start);
            var slice = votes.SliceRows(start, count);
            labelModel.PredictProbabilities(slice, probabilities.AsSpan(0, count * classes));
            var labels = ClassificationMetrics.ArgMax(probabilities.AsSpan(0, count * classes), classes, start);
            var covered = slice.CoveredRows();
            for (var r = 0; r < count; r++)
            {
                strata[start + r] = (byte)(covered[r] ? labels[r] : classes);
            }
        }

        return strata;
    }

    /// <summary>
    /// Ascending row positions of at most <paramref name="size"/> rows: each stratum gets its proportional share (largest
    /// remainders, ties to the lower stratum), and within a stratum every row is equally likely (Knuth's selection sampling).
    /// </summary>
    public static int[] Choose(ReadOnlySpan<byte> strata, int size, int seed = Seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (strata.Length <= size)
        {
            return [.. Enumerable.Range(0, strata.Length)];
        }

        var counts = new long[byte.MaxValue + 1];
        foreach (var s in strata)
        {
            counts[s]++;
        }

        var quota = new long[counts.Length];
        var remainders = new List<(double Remainder, int Stratum)>();
        long given = 0;
        for (var s = 0; s < counts.Length; s++)
        {
            var exact = (double)size * counts[s] / strata.Length;
            quota[s] = (long)Math.Floor(exact);
            given += quota[s];
            if (counts[s] > quota[s])
            {
                remainders.Add((exact - quota[s], s));
            }
        }

        foreach (var (_, s) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Stratum).Take((int)(size - given)))
        {
            quota[s]++;
        }

        // Seeds are mixed first: the seeded Random's first draws follow its seed closely, so nearby seeds drew nearly the same rows.
        var random = new Random((int)ClassificationMetrics.TieHash((uint)seed));
        var left = (long[])counts.Clone();
        var rows = new int[quota.Sum()];
        var k = 0;
        for (var r = 0; r < strata.Length; r++)
        {
            var s = strata[r];
            if (quota[s] > 0 && random.NextDouble() * left[s] < quota[s])
            {
                rows[k++] = r;
                quota[s]--;
            }

            left[s]--;
        }

        return rows;
    }

    /// <summary>Reads the rows at the given ascending positions of <paramref name="source"/>, in one pass over it.</summary>
    /// <exception cref="DataFormatException">The source has fewer rows than the positions ask for (it changed since it was counted).</exception>
    public static DataBatch Read(IDataSource source, IReadOnlyList<int> rows)
    {
        var parts = new List<DataBatch>();
        var next = 0;
        var local = new List<int>();
        foreach (var batch in source.ReadBatches(BatchRows))
        {
            local.Clear();
            while (next < rows.Count && rows[next] < batch.FirstRow + batch.Count)
            {
                local.Add((int)(rows[next++] - batch.FirstRow));
            }

            if (local.Count > 0)
            {
                parts.Add(batch.SelectRows(local));
            }

            if (next == rows.Count)
            {
                break;
            }
        }

        if (next < rows.Count)
        {
            throw new DataFormatException(source.Path, $"the file has fewer rows than when it was read (row {rows[next]:N0} is gone): it changed during the run; run again");
        }

        return parts.Count == 0 ? source.ReadBatches().First().Slice(0, 0) : DataBatch.Concat(parts);
    }
}
