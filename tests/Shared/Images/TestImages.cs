using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Alchemist.Tests.Images;

/// <summary>Images the tests write: plain colours, a colour on a background, and files that are not good images.</summary>
public static class TestImages
{
    /// <summary>A <paramref name="width"/> x <paramref name="height"/> PNG of one colour.</summary>
    public static string Solid(string path, Rgb24 colour, int width = 16, int height = 16)
    {
        using var image = new Image<Rgb24>(width, height, colour);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        image.SaveAsPng(path);
        return path;
    }

    /// <summary>
    /// A PNG of <paramref name="background"/> with a centred square of <paramref name="foreground"/> taking
    /// <paramref name="share"/> of each side, with a little seeded noise on every pixel.
    /// </summary>
    public static string Square(string path, Rgb24 foreground, Rgb24 background, double share, int seed, int size = 24)
    {
        var random = new Random(seed);
        using var image = new Image<Rgb24>(size, size);
        var lo = (int)(size * (1 - share) / 2);
        var hi = size - lo;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var c = x >= lo && x < hi && y >= lo && y < hi ? foreground : background;
                image[x, y] = new Rgb24(Jitter(c.R, random), Jitter(c.G, random), Jitter(c.B, random));
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        image.SaveAsPng(path);
        return path;
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
        var whole = Solid(path + ".whole.png", new Rgb24(10, 200, 30), 64, 64);
        var bytes = File.ReadAllBytes(whole);
        File.Delete(whole);
        File.WriteAllBytes(path, bytes[..Math.Min(60, bytes.Length)]);
        return path;
    }

    /// <summary>A PNG whose header claims a canvas of <paramref name="side"/> x <paramref name="side"/> pixels.</summary>
    public static string ClaimsSize(string path, int side)
    {
        var bytes = File.ReadAllBytes(Solid(path, new Rgb24(0, 0, 0), 4, 4));
        // IHDR's width and height are the big-endian words at bytes 16 and 20, its CRC (over type and data) at 29.
        foreach (var at in new[] { 16, 20 })
        {
            bytes[at] = (byte)(side >> 24);
            bytes[at + 1] = (byte)(side >> 16);
            bytes[at + 2] = (byte)(side >> 8);
            bytes[at + 3] = (byte)side;
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
