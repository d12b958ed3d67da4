using Alchemist.Data;

namespace Alchemist.Programs.Apply;

/// <summary>
/// The rows of a source in reverse order, held in memory: the second order of the row-order check
/// (<see cref="ApplyOptions.CheckRowOrder"/>). Row i here is row <c>Count - 1 - i</c> of the source.
/// </summary>
internal sealed class ReversedSource : IDataSource
{
    private readonly DataBatch _rows;
    private readonly string _hash;

    public ReversedSource(IDataSource source)
    {
        var all = source.ReadAll();
        var count = all.Count;
        string[] Reverse(string[] column) => [.. Enumerable.Range(0, count).Select(i => column[count - 1 - i])];
        double[] ReverseNumbers(double[] column) => [.. Enumerable.Range(0, count).Select(i => column[count - 1 - i])];
        _rows = new DataBatch(
            0,
            Reverse(all.RowIds),
            all.Texts.ToDictionary(t => t.Key, t => Reverse(t.Value), StringComparer.Ordinal),
            all.Numbers.ToDictionary(n => n.Key, n => ReverseNumbers(n.Value), StringComparer.Ordinal),
            new int[count])
        {
            RejectedRows = all.RejectedRows is { } refused ? [.. refused.Select(r => count - 1 - r).Order()] : null,
        };
        Path = source.Path + " (rows reversed)";
        _hash = "reversed:" + source.ContentHash();
    }

    public int Count => _rows.Count;

    public string Path { get; }

    public string Format => "memory";

    public IReadOnlyList<string>? ClassNames => null;

    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (var start = 0; start < _rows.Count; start += batchSize)
        {
            yield return _rows.Slice(start, Math.Min(batchSize, _rows.Count - start));
        }
    }

    public string ContentHash() => _hash;
}
