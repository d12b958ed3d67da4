using System.Security.Cryptography;
using System.Text;
using Alchemist.Data;

namespace Alchemist.Synthesis.Engine;

/// <summary>Rows already in memory (a sample of the train split) as a data source the apply engine can read.</summary>
internal sealed class MemorySource(DataBatch rows, IReadOnlyList<string> classNames) : IDataSource
{
    private string? _hash;

    public string Path => "(sampled rows)";

    public string Format => "memory";

    public IReadOnlyList<string>? ClassNames { get; } = classNames;

    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        if (rows.Count > 0)
        {
            yield return rows;
        }
    }

    public string ContentHash()
    {
        if (_hash is not null)
        {
            return _hash;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, column) in rows.Texts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name + "\0"));
            foreach (var value in column)
            {
                hash.AppendData(Encoding.UTF8.GetBytes((value ?? "") + "\0"));
            }
        }

        foreach (var (name, column) in rows.Numbers.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name + "\0"));
            foreach (var value in column)
            {
                hash.AppendData(BitConverter.GetBytes(value));
            }
        }

        return _hash = Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
