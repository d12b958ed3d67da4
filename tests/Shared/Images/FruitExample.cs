using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Alchemist.Tests.Images;

/// <summary>
/// Writes the bundled example examples/fruit-ripeness: photos (drawn, 32 pixels square) of one fruit, ripe (red to orange)
/// or unripe (green to yellow-green), on a light table or among dark leaves; each row's group is its class and background (ripe on leaves, ...). In
/// train most ripe fruit lie on the table and most unripe among leaves (4 in 5), so the background is a shortcut; valid
/// and test have every (class, background) pair alike, as Waterbirds' validation and test sets do, so worst-group accuracy
/// shows who took it and the choices made on valid can see it (with the shortcut in valid too, its two small groups had
/// 7 and 10 rows, and the threshold was placed by them). Some fruit sit between the colours. Seeded: the same files every
/// time, and a test checks the committed ones.
/// </summary>
public static class FruitExample
{
    /// <summary>Rows per split.</summary>
    public static readonly IReadOnlyList<(string Split, int Rows, double Shortcut)> Splits =
    [
        ("train", 320, 0.8),
        ("valid", 100, 0.5),
        ("test", 120, 0.5),
    ];

    /// <summary>Writes the data folder (CSV files and images) and the toy model under <paramref name="example"/>.</summary>
    public static void Write(string example)
    {
        ToyClip.Write(Path.Combine(example, "models"));
        var data = Path.Combine(example, "data");
        foreach (var (split, rows, shortcut) in Splits)
        {
            var random = new Random(split switch { "train" => 11, "valid" => 22, _ => 33 });
            var lines = new List<string> { "id,image,group,label" };
            for (var i = 0; i < rows; i++)
            {
                var ripe = i % 2 == 0;
                var onTable = random.NextDouble() < (ripe ? shortcut : 1 - shortcut);
                var name = $"images/{split}/{i:D3}.png";
                Draw(Path.Combine(data, name), ripe, onTable, random);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{split}-{i:D3},{name},{(ripe ? "ripe" : "unripe")} on {(onTable ? "table" : "leaves")},{(ripe ? "RIPE" : "UNRIPE")}"));
            }

            File.WriteAllText(Path.Combine(data, split + ".csv"), string.Join("\n", lines) + "\n");
        }
    }

    private static void Draw(string path, bool ripe, bool onTable, Random random)
    {
        const int size = 32;
        // Ripeness runs from 0 (green) to 1 (red); ripe fruit mostly above the middle, unripe below, some across it.
        var ripeness = Math.Clamp(ripe ? 0.72 + (0.15 * Gaussian(random)) : 0.28 + (0.15 * Gaussian(random)), 0, 1);
        var fruit = ripeness > 0.5
            ? Mix(new Rgb24(235, 150, 35), new Rgb24(215, 35, 30), (ripeness - 0.5) * 2)
            : Mix(new Rgb24(70, 165, 45), new Rgb24(190, 195, 45), ripeness * 2);
        var background = onTable ? new Rgb24(220, 214, 200) : new Rgb24(35, 85, 40);
        var radius = 11 + (random.NextDouble() * 4);
        var cx = 16 + ((random.NextDouble() - 0.5) * 4);
        var cy = 16 + ((random.NextDouble() - 0.5) * 4);
        using var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var inside = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= radius * radius;
                var c = inside ? fruit : background;
                var n = random.Next(-4, 5);
                image[x, y] = new Rgb24(Clamp(c.R + n), Clamp(c.G + n), Clamp(c.B + n));
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        image.Save(path, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression, ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static Rgb24 Mix(Rgb24 a, Rgb24 b, double t) =>
        new(Clamp(a.R + ((b.R - a.R) * t)), Clamp(a.G + ((b.G - a.G) * t)), Clamp(a.B + ((b.B - a.B) * t)));

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
