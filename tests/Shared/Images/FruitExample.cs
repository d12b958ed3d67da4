using System.Globalization;
using SkiaSharp;

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
    /// <summary>Side of every picture, in pixels.</summary>
    public const int Side = 32;

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
        var lines = Splits.ToDictionary(s => s.Split, _ => new List<string> { "id,image,group,label" });
        foreach (var row in Rows())
        {
            TestImages.Png(Path.Combine(data, row.Image), Side, Side, (x, y) => row.Picture[(y * Side) + x]);
            lines[row.Split].Add(string.Create(CultureInfo.InvariantCulture, $"{row.Split}-{row.Index:D3},{row.Image},{(row.Ripe ? "ripe" : "unripe")} on {(row.OnTable ? "table" : "leaves")},{(row.Ripe ? "RIPE" : "UNRIPE")}"));
        }

        foreach (var (split, text) in lines)
        {
            File.WriteAllText(Path.Combine(data, split + ".csv"), string.Join("\n", text) + "\n");
        }
    }

    /// <summary>
    /// Every row, split by split, as <see cref="Write"/> draws it: its image's path under data/ and its picture (RGB, row
    /// by row).
    /// </summary>
    public static IEnumerable<(string Split, int Index, bool Ripe, bool OnTable, string Image, SKColor[] Picture)> Rows()
    {
        foreach (var (split, rows, shortcut) in Splits)
        {
            var random = new Random(split switch { "train" => 11, "valid" => 22, _ => 33 });
            for (var i = 0; i < rows; i++)
            {
                var ripe = i % 2 == 0;
                var onTable = random.NextDouble() < (ripe ? shortcut : 1 - shortcut);
                yield return (split, i, ripe, onTable, $"images/{split}/{i:D3}.png", Draw(ripe, onTable, random));
            }
        }
    }

    private static SKColor[] Draw(bool ripe, bool onTable, Random random)
    {
        // Ripeness runs from 0 (green) to 1 (red); ripe fruit mostly above the middle, unripe below, some across it.
        var ripeness = Math.Clamp(ripe ? 0.72 + (0.15 * Gaussian(random)) : 0.28 + (0.15 * Gaussian(random)), 0, 1);
        var fruit = ripeness > 0.5
            ? Mix(new SKColor(235, 150, 35), new SKColor(215, 35, 30), (ripeness - 0.5) * 2)
            : Mix(new SKColor(70, 165, 45), new SKColor(190, 195, 45), ripeness * 2);
        var background = onTable ? new SKColor(220, 214, 200) : new SKColor(35, 85, 40);
        var radius = 11 + (random.NextDouble() * 4);
        var cx = 16 + ((random.NextDouble() - 0.5) * 4);
        var cy = 16 + ((random.NextDouble() - 0.5) * 4);
        var pixels = new SKColor[Side * Side];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var inside = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= radius * radius;
                var c = inside ? fruit : background;
                var n = random.Next(-4, 5);
                pixels[(y * Side) + x] = new SKColor(Clamp(c.Red + n), Clamp(c.Green + n), Clamp(c.Blue + n));
            }
        }

        return pixels;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static SKColor Mix(SKColor a, SKColor b, double t) =>
        new(Clamp(a.Red + ((b.Red - a.Red) * t)), Clamp(a.Green + ((b.Green - a.Green) * t)), Clamp(a.Blue + ((b.Blue - a.Blue) * t)));

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
