using Alchemist.Data;

namespace Alchemist.Synthesis.Engine;

/// <summary>
/// A seeded uniform sample of a source's rows (reservoir sampling while streaming, so the source may be larger than memory),
/// in source order, keeping only the given text and number fields.
/// </summary>
internal static class RowSampler
{
    public static DataBatch Sample(IDataSource source, int count, int seed, IReadOnlyList<string> textFields, IReadOnlyList<string> numberFields)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var chosen = new List<(long Row, string Id, string[] Texts, double[] Numbers)>(count);
        long seen = 0;
        foreach (var batch in source.ReadBatches())
        {
            var texts = textFields.Select(batch.Text).ToArray();
            var numbers = numberFields.Select(batch.Number).ToArray();
            for (var i = 0; i < batch.Count; i++, seen++)
            {
                int slot;
                if (chosen.Count < count)
                {
                    slot = chosen.Count;
                    chosen.Add(default);
                }
                else
                {
                    var pick = random.NextInt64(seen + 1);
                    if (pick >= count)
                    {
                        continue;
                    }

                    slot = (int)pick;
                }

                chosen[slot] = (batch.FirstRow + i, batch.RowIds[i], texts.Select(c => c[i]).ToArray(), numbers.Select(c => c[i]).ToArray());
            }
        }

        chosen.Sort((a, b) => a.Row.CompareTo(b.Row));
        var textColumns = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var f = 0; f < textFields.Count; f++)
        {
            textColumns[textFields[f]] = chosen.Select(r => r.Texts[f]).ToArray();
        }

        var numberColumns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var f = 0; f < numberFields.Count; f++)
        {
            numberColumns[numberFields[f]] = chosen.Select(r => r.Numbers[f]).ToArray();
        }

        var labels = new int[chosen.Count];
        Array.Fill(labels, DataBatch.NoLabel);
        return new DataBatch(0, chosen.Select(r => r.Id).ToArray(), textColumns, numberColumns, labels);
    }
}
