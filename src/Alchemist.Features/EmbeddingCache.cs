using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Features;

/// <summary>
/// Image embeddings on disk, one file per image encoder (<see cref="IFeatureExtractor.ImageKey"/>) under the project's
/// <c>.alchemist/cache/images/</c>, keyed by the SHA-256 of each image's bytes: an image already embedded by this encoder
/// is never decoded again, whatever its path, row or concepts (a concept's score is a dot product with the image's
/// embedding, so a new concept costs one text embedding). The file is appended to (a record is 32 bytes of hash and the
/// embedding's floats); a record cut short by a crash is dropped when the file is next opened.
/// </summary>
public sealed class EmbeddingCache
{
    private const int HashBytes = 32;
    private static readonly byte[] Magic = "ALCHEMIST-EMBEDDINGS-1\n"u8.ToArray();
    private readonly Dictionary<string, float[]> _known = new(StringComparer.Ordinal);
    private readonly List<(string Hash, float[] Embedding)> _pending = [];

    private EmbeddingCache(string file, int dimensions)
    {
        File = file;
        Dimensions = dimensions;
    }

    /// <summary>The cache file.</summary>
    public string File { get; }

    /// <summary>Floats per embedding.</summary>
    public int Dimensions { get; }

    /// <summary>Embeddings held (read and added).</summary>
    public int Count => _known.Count;

    /// <summary>Opens (or starts) the cache of <paramref name="imageKey"/> in <paramref name="folder"/>.</summary>
    public static EmbeddingCache Open(string folder, string imageKey, int dimensions)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(imageKey)))[..32];
        var cache = new EmbeddingCache(Path.Combine(folder, name + ".emb"), dimensions);
        cache.Load();
        return cache;
    }

    /// <summary>The embedding of the image whose bytes hash to <paramref name="sha256"/> (hex), if known.</summary>
    public bool TryGet(string sha256, out float[] embedding) => _known.TryGetValue(sha256, out embedding!);

    /// <summary>Adds an embedding, kept in memory until <see cref="Flush"/>.</summary>
    public void Add(string sha256, float[] embedding)
    {
        if (embedding.Length != Dimensions)
        {
            throw new ArgumentException($"an embedding of {embedding.Length} floats in a cache of {Dimensions}", nameof(embedding));
        }

        if (_known.TryAdd(sha256, embedding))
        {
            _pending.Add((sha256, embedding));
        }
    }

    /// <summary>Appends what was added since the last flush to the file.</summary>
    public void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(File)!);
        using var stream = new FileStream(File, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (stream.Length == 0)
        {
            stream.Write(Magic);
            stream.Write(BitConverter.GetBytes(Dimensions));
        }

        var record = new byte[RecordBytes];
        foreach (var (hash, embedding) in _pending)
        {
            Convert.FromHexString(hash).CopyTo(record, 0);
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(embedding.AsSpan()).CopyTo(record.AsSpan(HashBytes));
            stream.Write(record);
        }

        stream.Flush(flushToDisk: true);
        _pending.Clear();
    }

    private int RecordBytes => HashBytes + (4 * Dimensions);

    private void Load()
    {
        if (!System.IO.File.Exists(File))
        {
            return;
        }

        var bytes = System.IO.File.ReadAllBytes(File);
        var header = Magic.Length + 4;
        if (bytes.Length < header || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic) || BitConverter.ToInt32(bytes, Magic.Length) != Dimensions)
        {
            // Not this cache's layout (or another model's width): start it again.
            System.IO.File.Delete(File);
            return;
        }

        var whole = (bytes.Length - header) / RecordBytes;
        for (var r = 0; r < whole; r++)
        {
            var at = header + (r * RecordBytes);
            var embedding = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(at + HashBytes, 4 * Dimensions)).ToArray();
            _known[Convert.ToHexStringLower(bytes.AsSpan(at, HashBytes))] = embedding;
        }

        if (header + (whole * RecordBytes) != bytes.Length)
        {
            using var stream = new FileStream(File, FileMode.Open, FileAccess.Write);
            stream.SetLength(header + ((long)whole * RecordBytes));
        }
    }
}
