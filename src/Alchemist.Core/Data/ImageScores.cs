using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Data;

/// <summary>An image that could not be scored: its row (position in its data file and id), its file, and why.</summary>
public sealed record ImageProblem(long Row, string RowId, string File, string Reason)
{
    /// <summary>One line for logs and warnings, naming the file and the row.</summary>
    public override string ToString() => $"{File} (row {Row + 1}, id {RowId}): {Reason}";

    /// <summary>
    /// The warning for images that could not be read: how many, what becomes of their rows (<paramref name="consequence"/>,
    /// in brackets), and the first three, each named by file and row.
    /// </summary>
    public static string Summary(IReadOnlyCollection<ImageProblem> problems, string? consequence) =>
        $"{problems.Count:N0} image{(problems.Count == 1 ? "" : "s")} could not be read and score NaN{(consequence is null ? "" : $" ({consequence})")}: " +
        $"{string.Join("; ", problems.Take(3))}{(problems.Count > 3 ? "; ..." : "")}";
}

/// <summary>
/// One data file's image scores, as the extractor wrote them: per row, one score per concept (NaN where the image could not
/// be read), and the size and last write time of the image it read, so that a changed image is noticed. Written once per
/// data file and extractor (<see cref="ImageScores.TablePath"/>), read by <see cref="ImageScoresSource"/>.
/// </summary>
public sealed class ImageScoreTable
{
    private const string Magic = "ALCHEMIST-IMAGE-SCORES-3";

    /// <summary>A table over <paramref name="rows"/> rows and the score fields <paramref name="fields"/>.</summary>
    public ImageScoreTable(IReadOnlyList<string> fields, int rows)
    {
        Fields = fields;
        Scores = new float[checked(rows * fields.Count)];
        Array.Fill(Scores, float.NaN);
        Lengths = new long[rows];
        Ticks = new long[rows];
        Array.Fill(Lengths, -1);
    }

    /// <summary>The score fields, in column order.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Rows, in the data file's order.</summary>
    public int Rows => Lengths.Length;

    /// <summary>Scores, row after row, <see cref="Fields"/> to a row; NaN where the image could not be read.</summary>
    public float[] Scores { get; }

    /// <summary>Each row's image file size in bytes when it was read; -1 when there was no file.</summary>
    public long[] Lengths { get; }

    /// <summary>Each row's image file's last write time (UTC ticks) when it was read.</summary>
    public long[] Ticks { get; }

    /// <summary>
    /// Each row's image embedding (<see cref="EmbeddingDimensions"/> floats a row, NaN where the image could not be read),
    /// where the extractor was asked to keep them for the end model; null otherwise.
    /// </summary>
    public float[]? Embeddings { get; set; }

    /// <summary>Floats per row in <see cref="Embeddings"/>; 0 without them.</summary>
    public int EmbeddingDimensions => Embeddings is null || Rows == 0 ? 0 : Embeddings.Length / Rows;

    /// <summary>
    /// The decoder that turned the images into pixels (its library's versions): another one decodes a JPEG a few levels
    /// apart, so a table it did not make is stale, as the embedding cache keys by it too.
    /// </summary>
    public string Decoder { get; set; } = string.Empty;

    /// <summary>The images that could not be scored, in row order.</summary>
    public List<ImageProblem> Problems { get; } = [];

    /// <summary>SHA-256 (hex) of the table's file as written or read; a cache key of the scores.</summary>
    public string Hash { get; private set; } = string.Empty;

    /// <summary>
    /// Writes the table (through <see cref="AtomicFile"/>) and sets <see cref="Hash"/>, the hash of the file as written.
    /// Streamed to the file, the floats in bulk, and hashed from the file: a table with CLIP's 512-float embeddings is 2 KB
    /// a row, and 1,000,000 rows would pass the 2 GB one buffer in memory can hold. Reading is streamed too, and hashes the
    /// file in small pieces after it (a CryptoStream rents a buffer as large as each read, 128 MiB for the embeddings).
    /// </summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, file =>
        {
            using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Fields.Count);
            foreach (var field in Fields)
            {
                writer.Write(field);
            }

            writer.Write(Rows);
            WriteFloats(writer, Scores);
            for (var r = 0; r < Rows; r++)
            {
                writer.Write(Lengths[r]);
                writer.Write(Ticks[r]);
            }

            writer.Write(Problems.Count);
            foreach (var problem in Problems)
            {
                writer.Write(problem.Row);
                writer.Write(problem.RowId);
                writer.Write(problem.File);
                writer.Write(problem.Reason);
            }

            writer.Write(Embeddings?.Length ?? 0);
            WriteFloats(writer, Embeddings ?? []);
            writer.Write(Decoder);
        });
        Hash = HashOf(path);
    }

    /// <summary>Reads a table <see cref="Write"/> wrote; null when there is no such file or it is not one.</summary>
    public static ImageScoreTable? TryRead(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        using (file)
        using (var reader = new BinaryReader(file, Encoding.UTF8))
        {
            try
            {
                if (reader.ReadString() != Magic)
                {
                    return null;
                }

                var fields = new string[reader.ReadInt32()];
                for (var f = 0; f < fields.Length; f++)
                {
                    fields[f] = reader.ReadString();
                }

                var table = new ImageScoreTable(fields, reader.ReadInt32());
                ReadFloats(file, table.Scores);
                for (var r = 0; r < table.Rows; r++)
                {
                    table.Lengths[r] = reader.ReadInt64();
                    table.Ticks[r] = reader.ReadInt64();
                }

                var problems = reader.ReadInt32();
                for (var p = 0; p < problems; p++)
                {
                    table.Problems.Add(new ImageProblem(reader.ReadInt64(), reader.ReadString(), reader.ReadString(), reader.ReadString()));
                }

                var embeddings = reader.ReadInt32();
                if (embeddings > 0)
                {
                    table.Embeddings = new float[embeddings];
                    ReadFloats(file, table.Embeddings);
                }

                table.Decoder = reader.ReadString();

                file.Position = 0;
                table.Hash = Convert.ToHexStringLower(SHA256.HashData(file));
                return table;
            }
            catch (EndOfStreamException)
            {
                return null;
            }
        }
    }

    /// <summary>SHA-256 (hex) of a file, read through in small pieces.</summary>
    private static string HashOf(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Floats as <see cref="BinaryWriter.Write(float)"/> writes them one by one (little-endian), in one call.</summary>
    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }

        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    /// <summary>Fills <paramref name="values"/> with floats <see cref="WriteFloats"/> wrote, straight from the file; <see cref="EndOfStreamException"/> when it ends first.</summary>
    private static void ReadFloats(Stream stream, float[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        stream.ReadExactly(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    /// <summary>
    /// The size and write time <see cref="Lengths"/> and <see cref="Ticks"/> keep for <paramref name="file"/>; that of no
    /// file for a path no file can have (a NUL in a data row's cell), which the row's problem then names.
    /// </summary>
    public static (long Length, long Ticks) Stamp(string file)
    {
        try
        {
            var info = new FileInfo(file);
            return info.Exists ? (info.Length, info.LastWriteTimeUtc.Ticks) : (-1, 0);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return (-1, 0);
        }
    }
}

/// <summary>The image scores of a spec's data files: where each file's table lives, and what keys it.</summary>
public static class ImageScores
{
    /// <summary>The folder under the project's state folder that holds the score tables.</summary>
    public const string FolderName = "features";

    /// <summary>
    /// The table of the data file read by <paramref name="source"/> (before any split), whose image paths are relative to
    /// <paramref name="imageFolder"/>, for an extractor whose <see cref="ExtractorKey"/> is <paramref name="extractorKey"/>.
    /// The folder is part of the key, as the project sees it (relative, so that a project moved whole with its data keeps
    /// its tables): two files of the same bytes in two folders list the same names of other images, and a table checks each
    /// image only by its size and write time, which images unpacked from one archive can share.
    /// </summary>
    public static string TablePath(string projectDirectory, IDataSource source, string imageFolder, string extractorKey)
    {
        var folder = Path.GetRelativePath(Path.GetFullPath(projectDirectory), Path.GetFullPath(imageFolder)).Replace('\\', '/');
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source.ContentHash() + "|" + folder + "|" + extractorKey)))[..40];
        return Path.Combine(projectDirectory, ProjectLayout.StateFolderName, FolderName, key + ".scores");
    }

    /// <summary>
    /// What the scores depend on besides the images: the four model files' bytes, each concept's name and prompt, and the
    /// logit scale. (Batch size does not change a score.)
    /// </summary>
    public static string ExtractorKey(Spec.TaskSpec spec)
    {
        var extractor = spec.Extractor ?? throw new InvalidOperationException("the spec has no extractor");
        var parts = new List<string> { "extractor-1" };
        foreach (var (key, file) in new[] { ("image_encoder", extractor.ImageEncoder), ("text_encoder", extractor.TextEncoder), ("vocabulary", extractor.Vocabulary), ("merges", extractor.Merges) })
        {
            parts.Add(FileSha256(spec, key, file));
        }

        parts.Add(extractor.LogitScale.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        parts.Add(extractor.EndModelEmbeddings ? "embeddings" : "scores");
        parts.AddRange(extractor.Concepts.Select(c => c.Name + "=" + extractor.PromptOf(c)));
        return Data.ContentHash.OfFiles(parts);
    }

    private static readonly Dictionary<(string Path, long Length, long Ticks), string> FileHashes = [];

    /// <summary>A model file's SHA-256, computed once per process for each size and write time (CLIP's are hundreds of MB).</summary>
    public static string FileSha256(Spec.TaskSpec spec, string key, string relative)
    {
        var path = spec.ResolvePath(relative);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw spec.Error($"extractor.{key}", $"file not found: {path}");
        }

        var stamp = (path, info.Length, info.LastWriteTimeUtc.Ticks);
        lock (FileHashes)
        {
            if (FileHashes.TryGetValue(stamp, out var known))
            {
                return known;
            }
        }

        using var stream = File.OpenRead(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        lock (FileHashes)
        {
            FileHashes[stamp] = hash;
        }

        return hash;
    }
}

/// <summary>
/// The scores are missing or older than the images or the extractor: <c>alchemist extract</c> (or <c>run</c>, which
/// extracts first) writes them.
/// </summary>
public sealed class ImageScoresMissingException(string file, string problem) : UserError($"{file}: {problem}", file);

/// <summary>
/// A data file's rows with its image input replaced by the image's scores: the image field (a path) is dropped and one number
/// field per concept added, from the file's <see cref="ImageScoreTable"/>. A row whose image could not be read has NaN
/// scores, and with <see cref="RejectUnreadable"/> every program abstains on it. An image changed since its scores were
/// written (size or write time) is an <see cref="ImageScoresMissingException"/> naming it.
/// </summary>
public sealed class ImageScoresSource(IDataSource inner, string imageField, string imageFolder, string tablePath, IReadOnlyList<string> scoreFields) : IDataSource, IFieldMapped
{
    private ImageScoreTable? _table;

    /// <summary>Whether rows whose image could not be read are rejected (every program abstains), for specs with no other input.</summary>
    public bool RejectUnreadable { get; init; }

    /// <summary>The data file's own source (the image field a path).</summary>
    public IDataSource Inner => inner;

    /// <summary>The folder the image paths are relative to.</summary>
    public string ImageFolder => imageFolder;

    /// <summary>The image field of <see cref="Inner"/>.</summary>
    public string ImageField => imageField;

    /// <inheritdoc/>
    public FieldMap? Fields => (inner as IFieldMapped)?.Fields is { } fields
        ? fields with { TextFields = [.. fields.TextFields.Where(f => f != imageField)], NumberFields = [.. fields.NumberFields, .. scoreFields] }
        : null;

    /// <summary>The score fields, one per concept, in order.</summary>
    public IReadOnlyList<string> ScoreFields => scoreFields;

    /// <summary>Where the table is.</summary>
    public string TablePath => tablePath;

    /// <inheritdoc/>
    public string Path => inner.Path;

    /// <inheritdoc/>
    public string Format => inner.Format;

    /// <inheritdoc/>
    public IReadOnlyList<string>? ClassNames => inner.ClassNames;

    /// <summary>The table, read once; an <see cref="ImageScoresMissingException"/> when there is none.</summary>
    public ImageScoreTable Table => _table ??= ImageScoreTable.TryRead(tablePath)
        ?? throw new ImageScoresMissingException(inner.Path, "the images of this file have no scores for this extractor and these concepts yet; `alchemist extract` (or `alchemist run`, which extracts first) writes them");

    /// <summary>Whether the table is there (it may still be stale: reading tells).</summary>
    public bool HasTable => _table is not null || File.Exists(tablePath);

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        var table = Table;
        foreach (var batch in inner.ReadBatches(batchSize))
        {
            if (batch.FirstRow + batch.Count > table.Rows)
            {
                throw new ImageScoresMissingException(inner.Path, $"the file has more rows than its image scores ({table.Rows}); extract again");
            }

            var paths = batch.Text(imageField);
            var numbers = new Dictionary<string, double[]>(batch.Numbers, StringComparer.Ordinal);
            var columns = new double[table.Fields.Count][];
            for (var f = 0; f < columns.Length; f++)
            {
                columns[f] = new double[batch.Count];
                numbers[table.Fields[f]] = columns[f];
            }

            var rejected = new List<int>();
            for (var r = 0; r < batch.Count; r++)
            {
                var row = (int)batch.FirstRow + r;
                var file = System.IO.Path.Combine(imageFolder, paths[r]);
                var (length, ticks) = ImageScoreTable.Stamp(file);
                if (length != table.Lengths[row] || (length >= 0 && ticks != table.Ticks[row]))
                {
                    throw new ImageScoresMissingException(file, $"this image (row {row + 1}) changed since its scores were written; extract again");
                }

                var unreadable = true;
                for (var f = 0; f < columns.Length; f++)
                {
                    var score = table.Scores[(row * columns.Length) + f];
                    columns[f][r] = score;
                    unreadable &= float.IsNaN(score);
                }

                if (unreadable && RejectUnreadable)
                {
                    rejected.Add(r);
                }
            }

            var dimensions = table.EmbeddingDimensions;
            for (var k = 0; k < dimensions; k++)
            {
                var column = new double[batch.Count];
                for (var r = 0; r < batch.Count; r++)
                {
                    column[r] = table.Embeddings![((batch.FirstRow + r) * dimensions) + k];
                }

                numbers[Spec.ExtractorSpec.EmbeddingPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture)] = column;
            }

            var texts = batch.Texts.Where(t => t.Key != imageField).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            var before = batch.RejectedRows ?? [];
            var all = before.Concat(rejected).Distinct().Order().ToArray();
            yield return new DataBatch(batch.FirstRow, batch.RowIds, texts, numbers, batch.Labels, batch.WeakLabels)
            {
                RejectedRows = all.Length > 0 ? all : null,
            };
        }
    }

    /// <inheritdoc/>
    public string ContentHash() => inner.ContentHash() + ";image-scores=" + Table.Hash;
}
