using Alchemist.Data;

namespace Alchemist.Cluster;

/// <summary>
/// Rows <c>first</c> to <c>first + count - 1</c> of a source, numbered from 0: the rows of one shard, as the apply engine
/// reads a split. The sources stream their files and have no index to seek by, so the rows before the shard are read and
/// dropped: a shard starting at row r parses r rows it does not keep, and the shards of a file of n rows together parse about
/// n²/(2 × shard rows) rows, five times the file for ten shards (at the 400,000 JSON lines a second a busy core reads, 11 s of
/// parsing in all for ten shards of 100,000 rows, spread over the silos, against a minute of applying programs).
/// </summary>
internal sealed class RowRangeSource : IDataSource
{
    private readonly IDataSource _inner;
    private readonly long _first;
    private readonly int _count;

    /// <exception cref="ArgumentOutOfRangeException">A negative first row or a count below 1.</exception>
    public RowRangeSource(IDataSource inner, long first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _inner = inner;
        _first = first;
        _count = count;
    }

    public string Path => $"{_inner.Path} (rows {_first}-{_first + _count - 1})";

    public string Format => _inner.Format;

    public IReadOnlyList<string>? ClassNames => _inner.ClassNames;

    /// <summary>The file's content hash with the range: a different key from the whole split's.</summary>
    public string ContentHash() => $"{_inner.ContentHash()};rows={_first}+{_count}";

    /// <exception cref="InvalidDataException">The source ends before the range does.</exception>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var end = _first + _count;
        long read = 0;
        foreach (var batch in _inner.ReadBatches(batchSize))
        {
            var batchEnd = batch.FirstRow + batch.Count;
            read = batchEnd;
            if (batchEnd <= _first)
            {
                continue;
            }

            var from = (int)Math.Max(0, _first - batch.FirstRow);
            var to = (int)Math.Min(batch.Count, end - batch.FirstRow);
            var rows = from == 0 && to == batch.Count ? batch : batch.Slice(from, to - from);
            yield return new DataBatch(batch.FirstRow + from - _first, rows.RowIds, rows.Texts, rows.Numbers, rows.Labels, rows.WeakLabels);
            if (batchEnd >= end)
            {
                yield break;
            }
        }

        throw new InvalidDataException($"{_inner.Path} has {read} rows, so it has no rows {Math.Max(read, _first)}-{end - 1} for this shard: did the file change after the driver counted it?");
    }
}
