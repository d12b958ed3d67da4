using System.Security.Cryptography;
using Alchemist.Data;
using Xunit;

namespace Alchemist.Core.Tests.Data;

/// <summary>
/// The image score table's file: read back as written, in the layout the per-value writer it replaced gave (so tables
/// written before read the same, with the same hash), and a cut-short or foreign file is no table.
/// </summary>
public sealed class ImageScoreTableTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_table_reads_back_as_written_and_its_hash_is_the_files()
    {
        var table = Sample();
        var path = Path.Combine(_folder.Path, "features", "t.scores");
        table.Write(path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), table.Hash);
        // 25 bytes of magic (a length byte and 24 letters), 4 of field count, 10 and 12 of field names, 4 of row count:
        // the first score, 0.5, at byte 55, little-endian, as BinaryWriter.Write(float) put it.
        Assert.Equal([0x00, 0x00, 0x00, 0x3F], bytes[55..59]);

        var read = ImageScoreTable.TryRead(path);
        Assert.NotNull(read);
        Assert.Equal(table.Hash, read.Hash);
        Assert.Equal(table.Fields, read.Fields);
        Assert.Equal(table.Scores, read.Scores);
        Assert.Equal(table.Lengths, read.Lengths);
        Assert.Equal(table.Ticks, read.Ticks);
        Assert.Equal(table.Problems, read.Problems);
        Assert.Equal(table.Embeddings, read.Embeddings);
        Assert.Equal("SkiaSharp 4.156.1", read.Decoder);
        Assert.Equal(2, read.EmbeddingDimensions);
    }

    [Fact]
    public void A_cut_short_foreign_or_missing_file_is_no_table()
    {
        var path = Path.Combine(_folder.Path, "t.scores");
        Sample().Write(path);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..^3]);
        Assert.Null(ImageScoreTable.TryRead(path));
        File.WriteAllBytes(path, bytes[..57]);
        Assert.Null(ImageScoreTable.TryRead(path));
        File.WriteAllText(path, "not a table");
        Assert.Null(ImageScoreTable.TryRead(path));
        Assert.Null(ImageScoreTable.TryRead(Path.Combine(_folder.Path, "none.scores")));
        Assert.Null(ImageScoreTable.TryRead(Path.Combine(_folder.Path, "no-folder", "none.scores")));
    }

    private static ImageScoreTable Sample()
    {
        var table = new ImageScoreTable(["red_score", "green_score"], 3);
        float[] scores = [0.5f, -1.25f, 30, 2, float.NaN, float.NaN];
        scores.CopyTo(table.Scores, 0);
        (table.Lengths[0], table.Ticks[0]) = (120, 638_000_000_000_000_000);
        (table.Lengths[1], table.Ticks[1]) = (98, 638_000_000_000_000_001);
        table.Problems.Add(new ImageProblem(2, "c", "images/c.png", "not an image"));
        table.Embeddings = [0.25f, -0.75f, 1, 0, float.NaN, float.NaN];
        table.Decoder = "SkiaSharp 4.156.1";
        return table;
    }
}
