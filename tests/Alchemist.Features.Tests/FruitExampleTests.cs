using Alchemist.Tests;
using Alchemist.Tests.Images;
using SkiaSharp;
using Xunit;

namespace Alchemist.Features.Tests;

/// <summary>
/// examples/fruit-ripeness is what <see cref="FruitExample"/> writes: its images, CSV files and toy model are generated, not
/// drawn by hand. ALCHEMIST_WRITE_EXAMPLE=1 writes them into the repository instead of comparing. The CSV files and the
/// model are compared byte for byte; an image by its pixels, since the committed PNGs were compressed by ImageSharp, which
/// the generator no longer uses, and another PNG encoder stores the same pixels in other bytes.
/// </summary>
public sealed class FruitExampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-fruit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_bundled_example_is_what_its_generator_writes_and_stays_under_2_MB()
    {
        var example = Path.Combine(SharedFolder.RepositoryRoot, "examples", "fruit-ripeness");
        if (Environment.GetEnvironmentVariable("ALCHEMIST_WRITE_EXAMPLE") == "1")
        {
            FruitExample.Write(example);
        }

        FruitExample.Write(_folder);
        var generated = Directory.GetFiles(_folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_folder, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4 + 3 + FruitExample.Splits.Sum(s => s.Rows), generated.Count);
        var pictures = FruitExample.Rows().ToDictionary(r => Path.Combine("data", r.Image), r => r.Picture);
        Assert.Equal(FruitExample.Splits.Sum(s => s.Rows), pictures.Count);
        foreach (var file in generated)
        {
            var committed = Path.Combine(example, file);
            Assert.True(File.Exists(committed), $"{file} is generated but not in examples/fruit-ripeness (ALCHEMIST_WRITE_EXAMPLE=1 writes it)");
            if (pictures.TryGetValue(file, out var picture))
            {
                Assert.True(Pixels(committed).AsSpan().SequenceEqual(picture), $"{file}'s pixels differ from what the generator draws");
                Assert.True(Pixels(Path.Combine(_folder, file)).AsSpan().SequenceEqual(picture), $"{file} as the generator writes it does not hold what it draws");
            }
            else
            {
                Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_folder, file))), $"{file} differs from what the generator writes");
            }
        }

        var bytes = generated.Sum(f => new FileInfo(Path.Combine(example, f)).Length);
        Assert.True(bytes < 2_000_000, $"the example's generated files take {bytes:N0} bytes");
    }

    /// <summary>
    /// A PNG's pixels as stored (an 8-bit RGB PNG of the generator's side, which holds every colour exactly; nothing converted).
    /// </summary>
    private static SKColor[] Pixels(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes[24] == 8 && bytes[25] == 2, $"{path} is not an 8-bit RGB PNG (IHDR bit depth {bytes[24]}, colour type {bytes[25]})");
        using var codec = SKCodec.Create(new SKMemoryStream(bytes));
        Assert.Equal((FruitExample.Side, FruitExample.Side), (codec.Info.Width, codec.Info.Height));
        var info = new SKImageInfo(FruitExample.Side, FruitExample.Side, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, out var rgba));
        return [.. Enumerable.Range(0, FruitExample.Side * FruitExample.Side).Select(i => new SKColor(rgba[4 * i], rgba[(4 * i) + 1], rgba[(4 * i) + 2], rgba[(4 * i) + 3]))];
    }
}
