using SkiaSharp;

namespace Alchemist.Tests.Images;

/// <summary>Images the tests write: plain colours, a colour on a background, and files that are not good images.</summary>
public static class TestImages
{
    /// <summary>
    /// Writes an 8-bit RGB PNG (no alpha) of <paramref name="width"/> x <paramref name="height"/> pixels, each
    /// <paramref name="pixel"/> of its column and row, called row by row.
    /// </summary>
    public static string Png(string path, int width, int height, Func<int, int, SKColor> pixel)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var bytes = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var c = pixel(x, y);
                var at = (y * bitmap.RowBytes) + (4 * x);
                (bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]) = (c.Red, c.Green, c.Blue, 255);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var pixels = bitmap.PeekPixels();
        using var encoded = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, zLibLevel: 9))
            ?? throw new InvalidOperationException($"Skia did not encode {path}");
        File.WriteAllBytes(path, encoded.ToArray());
        return path;
    }

    /// <summary>A <paramref name="width"/> x <paramref name="height"/> PNG of one colour.</summary>
    public static string Solid(string path, SKColor colour, int width = 16, int height = 16) =>
        Png(path, width, height, (_, _) => colour);

    /// <summary>
    /// A PNG of <paramref name="background"/> with a centred square of <paramref name="foreground"/> taking
    /// <paramref name="share"/> of each side, with a little seeded noise on every pixel.
    /// </summary>
    public static string Square(string path, SKColor foreground, SKColor background, double share, int seed, int size = 24)
    {
        var random = new Random(seed);
        var lo = (int)(size * (1 - share) / 2);
        var hi = size - lo;
        return Png(path, size, size, (x, y) =>
        {
            var c = x >= lo && x < hi && y >= lo && y < hi ? foreground : background;
            return new SKColor(Jitter(c.Red, random), Jitter(c.Green, random), Jitter(c.Blue, random));
        });
    }

    /// <summary>A file of bytes that no decoder takes for an image.</summary>
    public static string Garbage(string path)
    {
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))]);
        return path;
    }

    /// <summary>A PNG cut off after its header: the format is known, the pixels are missing.</summary>
    public static string Truncated(string path)
    {
        var whole = Solid(path + ".whole.png", new SKColor(10, 200, 30), 64, 64);
        var bytes = File.ReadAllBytes(whole);
        File.Delete(whole);
        File.WriteAllBytes(path, bytes[..Math.Min(60, bytes.Length)]);
        return path;
    }

    /// <summary>A PNG whose header claims a canvas of <paramref name="side"/> x <paramref name="side"/> pixels.</summary>
    public static string ClaimsSize(string path, int side) => ClaimsSize(path, side, side);

    /// <summary>
    /// A 4 x 4 PNG (well under a kilobyte) whose header claims a canvas of <paramref name="width"/> x
    /// <paramref name="height"/> pixels, with the header's checksum made right, so that only the pixel data betrays it.
    /// </summary>
    public static string ClaimsSize(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(Solid(path, new SKColor(0, 0, 0), 4, 4));
        // IHDR's width and height are the big-endian words at bytes 16 and 20, its CRC (over type and data) at 29.
        foreach (var (at, value) in new[] { (16, width), (20, height) })
        {
            bytes[at] = (byte)(value >> 24);
            bytes[at + 1] = (byte)(value >> 16);
            bytes[at + 2] = (byte)(value >> 8);
            bytes[at + 3] = (byte)value;
        }

        var crc = Crc32(bytes.AsSpan(12, 17));
        bytes[29] = (byte)(crc >> 24);
        bytes[30] = (byte)(crc >> 16);
        bytes[31] = (byte)(crc >> 8);
        bytes[32] = (byte)crc;
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte Jitter(byte value, Random random) => (byte)Math.Clamp(value + random.Next(-12, 13), 0, 255);
}
