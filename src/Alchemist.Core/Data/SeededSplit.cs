using System.Globalization;
using Alchemist.Labeling;

namespace Alchemist.Data;

/// <summary>
/// Splits one file into train, valid and test by a seeded hash of each row's position, so the assignment is the same on
/// every run and needs no pass over the file first (it works while streaming).
/// </summary>
public sealed record SeededSplit(double ValidFraction, double TestFraction, int Seed)
{
    /// <summary>This split rule, checked.</summary>
    /// <exception cref="ArgumentException">A fraction is outside [0, 1), or the two leave no rows for train.</exception>
    public SeededSplit Validate()
    {
        if (ValidFraction is < 0 or >= 1 || TestFraction is < 0 or >= 1 || ValidFraction + TestFraction >= 1 || double.IsNaN(ValidFraction + TestFraction))
        {
            throw new ArgumentException($"valid ({ValidFraction}) and test ({TestFraction}) fractions must each be in [0, 1) and leave some rows for train");
        }

        return this;
    }

    /// <summary>SplitName.Train, SplitName.Valid or SplitName.Test for the row at <paramref name="rowIndex"/> (0-based position in the file).</summary>
    public string SplitOf(long rowIndex)
    {
        var u = Uniform(rowIndex);
        return u < TestFraction ? SplitName.Test : u < TestFraction + ValidFraction ? SplitName.Valid : SplitName.Train;
    }

    /// <summary>The rows of <paramref name="source"/> that fall into <paramref name="split"/>, as a source of their own.</summary>
    public IDataSource Select(IDataSource source, string split) => new SplitSource(source, this, split);

    private double Uniform(long rowIndex)
    {
        // SplitMix64 of (seed, row): well mixed, cheap, and identical on every platform.
        var z = unchecked((ulong)rowIndex * 0x9E3779B97F4A7C15UL + ((ulong)(uint)Seed << 32) + 0xD1B54A32D192ED03UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    private sealed class SplitSource(IDataSource inner, SeededSplit rule, string split) : IDataSource, IFieldMapped
    {
        public FieldMap? Fields => (inner as IFieldMapped)?.Fields;

        public string Path => inner.Path;

        public string Format => inner.Format;

        public IReadOnlyList<string>? ClassNames => inner.ClassNames;

        public string ContentHash() =>
            Data.ContentHash.OfFiles([inner.ContentHash(), split, rule.ValidFraction.ToString("R", CultureInfo.InvariantCulture), rule.TestFraction.ToString("R", CultureInfo.InvariantCulture), rule.Seed.ToString(CultureInfo.InvariantCulture)]);

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
        {
            long kept = 0;
            foreach (var batch in inner.ReadBatches(batchSize))
            {
                var rows = new List<int>(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    if (rule.SplitOf(batch.FirstRow + i) == split)
                    {
                        rows.Add(i);
                    }
                }

                if (rows.Count == 0)
                {
                    continue;
                }

                var picked = Pick(batch, rows, kept);
                kept += picked.Count;
                yield return picked;
            }
        }

        private static DataBatch Pick(DataBatch batch, List<int> rows, long firstRow)
        {
            T[] Take<T>(T[] column)
            {
                var result = new T[rows.Count];
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = column[rows[i]];
                }

                return result;
            }

            LabelMatrix? weak = null;
            if (batch.WeakLabels is { } votes)
            {
                var columns = new sbyte[votes.Programs][];
                for (var j = 0; j < columns.Length; j++)
                {
                    columns[j] = Take(votes.ColumnArray(j));
                }

                weak = LabelMatrix.FromColumns(rows.Count, votes.Classes, votes.ProgramNames, columns);
            }

            return new DataBatch(
                firstRow,
                Take(batch.RowIds),
                batch.Texts.ToDictionary(p => p.Key, p => Take(p.Value)),
                batch.Numbers.ToDictionary(p => p.Key, p => Take(p.Value)),
                Take(batch.Labels),
                weak)
            {
                RejectedRows = batch.RejectedRows is { } refused
                    ? Enumerable.Range(0, rows.Count).Where(i => Array.BinarySearch(refused, rows[i]) >= 0).ToArray() is { Length: > 0 } kept ? kept : null
                    : null,
            };
        }
    }
}
