using Alchemist.Features.Images;
using Alchemist.Tests.Images;
using SkiaSharp;
using Xunit;

namespace Alchemist.Features.Tests;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    [Fact]
    public void A_red_image_is_high_on_the_red_channel_and_low_on_the_others_after_normalization()
    {
        var p = ImagePreprocessing.WithSize(8);
        var tensor = new float[p.TensorLength];
        var read = ImageDecoder.Read(TestImages.Solid(In("red.png"), new SKColor(230, 20, 20), 30, 20), p, tensor);

        Assert.Null(read.Error);
        Assert.Equal(64, read.Sha256!.Length);
        var plane = 64;
        Assert.All(tensor[..plane], v => Assert.InRange(v, 1.5f, 2.0f));              // (230/255 - 0.481) / 0.269
        Assert.All(tensor[plane..(2 * plane)], v => Assert.InRange(v, -1.6f, -1.4f));   // (20/255 - 0.458) / 0.261
        Assert.All(tensor[(2 * plane)..], v => Assert.InRange(v, -1.3f, -1.1f));        // (20/255 - 0.408) / 0.276
    }

    [Fact]
    public void A_wide_image_is_cut_to_its_centre_square()
    {
        // Left third blue, middle third green, right third blue: the centre crop of a 3:1 image is all green.
        var path = TestImages.Png(In("wide.png"), 90, 30, (x, _) => x is >= 30 and < 60 ? new SKColor(0, 255, 0) : new SKColor(0, 0, 255));

        var p = ImagePreprocessing.WithSize(10);
        var tensor = new float[p.TensorLength];
        Assert.Null(ImageDecoder.Read(path, p, tensor).Error);
        var green = tensor[100..200];
        var blue = tensor[200..];
        Assert.True(green.Min() > 1.5f, $"green channel min {green.Min()}");
        Assert.True(blue.Max() < -1.0f, $"blue channel max {blue.Max()}");
    }

    [Fact]
    public void The_same_bytes_hash_alike_and_other_bytes_do_not()
    {
        var p = ImagePreprocessing.WithSize(4);
        var a = ImageDecoder.Read(TestImages.Solid(In("a.png"), new SKColor(1, 2, 3)), p, []);
        var b = ImageDecoder.Read(TestImages.Solid(In("b.png"), new SKColor(1, 2, 3)), p, []);
        var c = ImageDecoder.Read(TestImages.Solid(In("c.png"), new SKColor(1, 2, 4)), p, []);
        Assert.Equal(a.Sha256, b.Sha256);
        Assert.NotEqual(a.Sha256, c.Sha256);
    }

    [Fact]
    public void Bad_files_are_reasons_not_exceptions()
    {
        var p = ImagePreprocessing.WithSize(8);
        var tensor = new float[p.TensorLength];
        Assert.Equal("file not found", ImageDecoder.Read(In("missing.png"), p, tensor).Error);
        Assert.StartsWith("not an image", ImageDecoder.Read(TestImages.Garbage(In("garbage.png")), p, tensor).Error);
        Assert.StartsWith("corrupt image", ImageDecoder.Read(TestImages.Truncated(In("truncated.png")), p, tensor).Error);
        Assert.Contains("megapixels are not decoded", ImageDecoder.Read(TestImages.ClaimsSize(In("huge.png"), 50_000), p, tensor).Error);
        File.WriteAllBytes(In("empty.png"), []);
        Assert.Equal("empty file", ImageDecoder.Read(In("empty.png"), p, tensor).Error);
        Assert.Contains("folder", ImageDecoder.Read(_folder, p, tensor).Error);
    }
}
