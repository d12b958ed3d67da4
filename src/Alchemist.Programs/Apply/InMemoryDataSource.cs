using System.Security.Cryptography;
using System.Text;
using Alchemist.Data;

namespace Alchemist.Programs.Apply;

/// <summary>
/// Rows already in memory (one or more text columns) as an <see cref="IDataSource"/>: for programs applied to texts that did
/// not come from a file (tests, benchmarks, a caller's own rows). Its content hash covers every text.
/// </summary>
public sealed class InMemoryDataSource : IDataSource
{
    private readonly IReadOnlyDictionary<string, string[]> _texts;
    private readonly int _rows;
    private string? _hash;

    internal InMemoryDataSource(string name, IReadOnlyDictionary<string, string[]> texts)
    {
        if (texts.Count == 0)
        {
            throw new ArgumentException("at least one text column is needed", nameof(texts));
        }

        _rows = texts.First().Value.Length;
        foreach (var (field, column) in texts)
        {
            if (column.Length != _rows)
            {
                throw new ArgumentException($"column '{field}' has {column.Length} rows, expected {_rows}", nameof(texts));
            }
        }

        Path = name;
        _texts = texts;
    }

    /// <summary>
    /// One text column <paramref name="field"/> holding <paramref name="texts"/>, as a source named <paramref name="name"/>.
    /// </summary>
    public static InMemoryDataSource FromTexts(string name, string field, string[] texts) => new(name, new Dictionary<string, string[]> { [field] = texts });

    /// <summary>The name given; there is no file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public string Format => "memory";

    /// <summary>Always null: the rows carry no labels.</summary>
    public IReadOnlyList<string>? ClassNames => null;

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (var start = 0; start < _rows; start += batchSize)
        {
            var count = Math.Min(batchSize, _rows - start);
            var texts = _texts.ToDictionary(t => t.Key, t => t.Value.AsSpan(start, count).ToArray(), StringComparer.Ordinal);
            var ids = new string[count];
            Array.Fill(ids, string.Empty);
            yield return new DataBatch(start, ids, texts, new Dictionary<string, double[]>(), new int[count]);
        }
    }

    /// <inheritdoc/>
    public string ContentHash()
    {
        if (_hash is not null)
        {
            return _hash;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var (field, column) in _texts.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(field));
            foreach (var text in column)
            {
                var bytes = Encoding.UTF8.GetByteCount(text ?? "");
                if (bytes + 5 > buffer.Length)
                {
                    buffer = new byte[bytes + 5];
                }

                BitConverter.TryWriteBytes(buffer, text is null ? -1 : bytes);
                var written = Encoding.UTF8.GetBytes(text ?? "", buffer.AsSpan(4));
                hash.AppendData(buffer, 0, 4 + written);
            }
        }

        return _hash = Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
