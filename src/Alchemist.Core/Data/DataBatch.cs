using Alchemist.Labeling;

namespace Alchemist.Data;

/// <summary>
/// A block of rows stored column by column: row ids, named text fields, named numeric fields (feature inputs such as
/// image concept scores), gold labels (-1 = none) and, where the source has them, weak labels as a <see cref="LabelMatrix"/>.
/// Readers yield a stream of batches so that a large file never has to be in memory at once.
/// </summary>
public sealed class DataBatch
{
    /// <summary>Rows per batch when the caller does not say.</summary>
    public const int DefaultSize = 65_536;

    /// <summary>
    /// Rows per batch for a pass over a file of any size whose batches are dropped as soon as used: a batch's row arrays
    /// (8 bytes a row for ids and each text column) stay under the large-object heap's 85,000 bytes, where at
    /// <see cref="DefaultSize"/> a pass over 10 million rows left hundreds of megabytes waiting for a full collection.
    /// </summary>
    public const int PassSize = 8_192;

    /// <summary>Gold label of a row that has none.</summary>
    public const int NoLabel = -1;

    /// <summary>A batch over the given columns, each with one entry per row id; the arrays are kept, not copied.</summary>
    /// <param name="firstRow">Position of the first row in its source (0-based).</param>
    /// <param name="rowIds">Row ids, one per row.</param>
    /// <param name="texts">Text columns by field name.</param>
    /// <param name="numbers">Numeric columns by field name (NaN for a missing value).</param>
    /// <param name="labels">Gold class index per row, <see cref="NoLabel"/> where none.</param>
    /// <param name="weakLabels">Weak labels the source carries (WRENCH), one row per row; null when it has none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstRow"/> is negative.</exception>
    /// <exception cref="ArgumentException">A column's length differs from the number of row ids.</exception>
    public DataBatch(
        long firstRow,
        string[] rowIds,
        IReadOnlyDictionary<string, string[]> texts,
        IReadOnlyDictionary<string, double[]> numbers,
        int[] labels,
        LabelMatrix? weakLabels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        var count = rowIds.Length;
        foreach (var (name, column) in texts)
        {
            RequireLength(name, column.Length, count);
        }

        foreach (var (name, column) in numbers)
        {
            RequireLength(name, column.Length, count);
        }

        RequireLength("label", labels.Length, count);
        if (weakLabels is not null)
        {
            RequireLength("weak labels", weakLabels.Rows, count);
        }

        FirstRow = firstRow;
        RowIds = rowIds;
        Texts = texts;
        Numbers = numbers;
        Labels = labels;
        WeakLabels = weakLabels;
    }

    /// <summary>Position of this batch's first row in its source (0-based), so batches can be reassembled in order.</summary>
    public long FirstRow { get; }

    /// <summary>Number of rows.</summary>
    public int Count => RowIds.Length;

    /// <summary>
    /// Each row's id: the id field's value, or the row's 0-based position in the file when there is no id field.
    /// </summary>
    public string[] RowIds { get; }

    /// <summary>Text columns by field name, each with one entry per row.</summary>
    public IReadOnlyDictionary<string, string[]> Texts { get; }

    /// <summary>Numeric columns by field name, each with one entry per row; NaN where a value is missing.</summary>
    public IReadOnlyDictionary<string, double[]> Numbers { get; }

    /// <summary>Gold class index per row, <see cref="NoLabel"/> where the row has none.</summary>
    public int[] Labels { get; }

    /// <summary>
    /// Weak labels that came with the data (a WRENCH file's weak_labels), one row per row; null when the source has none.
    /// </summary>
    public LabelMatrix? WeakLabels { get; }

    /// <summary>
    /// Rows (positions in this batch, ascending) refused for a text value over the spec's limit
    /// (<c>data.oversized_fields: reject</c>, <see cref="FieldLimitSource"/>): every program abstains on them. Null when none.
    /// </summary>
    public int[]? RejectedRows { get; init; }

    /// <summary>Whether at least one row has a gold label.</summary>
    public bool HasAnyGold => Labels.AsSpan().IndexOfAnyExcept(NoLabel) >= 0;

    /// <summary>The text column <paramref name="field"/>.</summary>
    /// <exception cref="KeyNotFoundException">The batch has no such text field; the message lists those it has.</exception>
    public string[] Text(string field) =>
        Texts.TryGetValue(field, out var column)
            ? column
            : throw new KeyNotFoundException($"no text field '{field}'; the data has {Describe(Texts.Keys)}");

    /// <summary>The numeric column <paramref name="field"/>.</summary>
    /// <exception cref="KeyNotFoundException">The batch has no such numeric field; the message lists those it has.</exception>
    public double[] Number(string field) =>
        Numbers.TryGetValue(field, out var column)
            ? column
            : throw new KeyNotFoundException($"no numeric field '{field}'; the data has {Describe(Numbers.Keys)}");

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1 as a batch of their own (columns copied).</summary>
    public DataBatch Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count - start);
        return new DataBatch(
            FirstRow + start,
            RowIds.AsSpan(start, count).ToArray(),
            Texts.ToDictionary(t => t.Key, t => t.Value.AsSpan(start, count).ToArray(), StringComparer.Ordinal),
            Numbers.ToDictionary(n => n.Key, n => n.Value.AsSpan(start, count).ToArray(), StringComparer.Ordinal),
            Labels.AsSpan(start, count).ToArray(),
            WeakLabels?.SelectRows([.. Enumerable.Range(start, count)]))
        {
            RejectedRows = RejectedRows?.Where(r => r >= start && r < start + count).Select(r => r - start).ToArray() is { Length: > 0 } inside ? inside : null,
        };
    }

    /// <summary>
    /// The given rows (ascending positions in this batch) as a batch of their own, columns copied; its first row is the
    /// first one given, so a sample gathered from several batches keeps the order of its source.
    /// </summary>
    public DataBatch SelectRows(IReadOnlyList<int> rows)
    {
        T[] Gather<T>(T[] column)
        {
            var result = new T[rows.Count];
            for (var k = 0; k < result.Length; k++)
            {
                result[k] = column[rows[k]];
            }

            return result;
        }

        var rejected = RejectedRows is { } given ? given.ToHashSet() : null;
        return new DataBatch(
            FirstRow + (rows.Count > 0 ? rows[0] : 0),
            Gather(RowIds),
            Texts.ToDictionary(t => t.Key, t => Gather(t.Value), StringComparer.Ordinal),
            Numbers.ToDictionary(n => n.Key, n => Gather(n.Value), StringComparer.Ordinal),
            Gather(Labels),
            WeakLabels?.SelectRows(rows))
        {
            RejectedRows = rejected is null ? null : Enumerable.Range(0, rows.Count).Where(k => rejected.Contains(rows[k])).ToArray() is { Length: > 0 } kept ? kept : null,
        };
    }

    /// <summary>Joins consecutive batches of one source into a single batch (one copy of each column).</summary>
    public static DataBatch Concat(IReadOnlyList<DataBatch> batches)
    {
        if (batches.Count == 1)
        {
            return batches[0];
        }

        if (batches.Count == 0)
        {
            throw new ArgumentException("no batches to join", nameof(batches));
        }

        var first = batches[0];
        var total = 0;
        foreach (var batch in batches)
        {
            total = checked(total + batch.Count);
            if (!batch.Texts.Keys.Order().SequenceEqual(first.Texts.Keys.Order(), StringComparer.Ordinal)
                || !batch.Numbers.Keys.Order().SequenceEqual(first.Numbers.Keys.Order(), StringComparer.Ordinal)
                || (batch.WeakLabels is null) != (first.WeakLabels is null)
                || (batch.WeakLabels is not null && batch.WeakLabels.Programs != first.WeakLabels!.Programs))
            {
                throw new ArgumentException("batches with different fields cannot be joined", nameof(batches));
            }
        }

        var texts = first.Texts.Keys.ToDictionary(k => k, k => Join(batches, b => b.Texts[k], total));
        var numbers = first.Numbers.Keys.ToDictionary(k => k, k => Join(batches, b => b.Numbers[k], total));
        LabelMatrix? weak = null;
        if (first.WeakLabels is { } firstWeak)
        {
            var columns = new sbyte[firstWeak.Programs][];
            for (var j = 0; j < columns.Length; j++)
            {
                var column = new sbyte[total];
                var offset = 0;
                foreach (var batch in batches)
                {
                    batch.WeakLabels!.Column(j).CopyTo(column.AsSpan(offset));
                    offset += batch.Count;
                }

                columns[j] = column;
            }

            weak = LabelMatrix.FromColumns(total, firstWeak.Classes, firstWeak.ProgramNames, columns);
        }

        var rejected = new List<int>();
        var start = 0;
        foreach (var batch in batches)
        {
            rejected.AddRange(batch.RejectedRows?.Select(r => start + r) ?? []);
            start += batch.Count;
        }

        return new DataBatch(
            first.FirstRow,
            Join(batches, b => b.RowIds, total),
            texts,
            numbers,
            Join(batches, b => b.Labels, total),
            weak)
        {
            RejectedRows = rejected.Count > 0 ? [.. rejected] : null,
        };
    }

    private static T[] Join<T>(IReadOnlyList<DataBatch> batches, Func<DataBatch, T[]> column, int total)
    {
        var result = new T[total];
        var offset = 0;
        foreach (var batch in batches)
        {
            var part = column(batch);
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    private static void RequireLength(string name, int length, int expected)
    {
        if (length != expected)
        {
            throw new ArgumentException($"column '{name}' has {length} rows, expected {expected}");
        }
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Select(n => $"'{n}'").ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
