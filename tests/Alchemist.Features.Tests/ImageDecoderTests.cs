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

    [Fact]
    public void A_small_file_whose_header_claims_a_canvas_over_the_cap_is_refused_before_any_pixel_is_decoded()
    {
        var p = ImagePreprocessing.WithSize(8);
        var tensor = Enumerable.Repeat(float.NaN, p.TensorLength).ToArray();
        // 6,325 squared is 40,005,625 pixels, just over the 40 million cap; decoding would take a 160 MB buffer.
        var path = TestImages.ClaimsSize(In("claims.png"), 6_325);
        Assert.InRange(new FileInfo(path).Length, 1, 1_000);

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var read = ImageDecoder.Read(path, p, tensor);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal("6325x6325 pixels; images over 40 megapixels are not decoded", read.Error);
        Assert.NotNull(read.Sha256);
        Assert.True(allocated < 1_000_000, $"{allocated:N0} bytes allocated for a refused image");
        Assert.All(tensor, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void A_canvas_at_the_cap_passes_the_header_check_and_its_missing_pixels_make_it_corrupt()
    {
        // 8,000 x 5,000 is exactly 40 million pixels: decoded, and the 4 x 4 image's pixel data falls short.
        var p = ImagePreprocessing.WithSize(8);
        var read = ImageDecoder.Read(TestImages.ClaimsSize(In("at-cap.png"), 8_000, 5_000), p, new float[p.TensorLength]);
        Assert.StartsWith("corrupt image", read.Error);
    }

    [Fact]
    public void A_truncated_or_damaged_png_is_a_reason_not_an_exception()
    {
        var p = ImagePreprocessing.WithSize(8);
        var tensor = new float[p.TensorLength];
        var whole = File.ReadAllBytes(TestImages.Square(In("whole.png"), new SKColor(220, 30, 30), new SKColor(128, 128, 128), 0.6, seed: 1, size: 64));
        Assert.Null(ImageDecoder.Read(In("whole.png"), p, tensor).Error);

        // Cut inside the header, between the header and the pixel data, and halfway through the pixel data.
        foreach (var length in new[] { 20, 40, whole.Length / 2 })
        {
            File.WriteAllBytes(In("cut.png"), whole[..length]);
            var read = ImageDecoder.Read(In("cut.png"), p, tensor);
            Assert.True(read.Error?.StartsWith("corrupt image", StringComparison.Ordinal) == true, $"cut at {length} of {whole.Length}: {read.Error ?? "decoded"}");
            Assert.NotNull(read.Sha256);
        }

        // Bytes inside the pixel data changed: the chunk's checksum no longer matches.
        var damaged = (byte[])whole.Clone();
        for (var i = whole.Length / 2; i < (whole.Length / 2) + 8; i++)
        {
            damaged[i] ^= 0x5A;
        }

        File.WriteAllBytes(In("damaged.png"), damaged);
        Assert.StartsWith("corrupt image", ImageDecoder.Read(In("damaged.png"), p, tensor).Error);
    }

    [Fact]
    public void A_file_that_is_no_image_is_a_reason_whatever_its_length()
    {
        var p = ImagePreprocessing.WithSize(8);
        var tensor = new float[p.TensorLength];
        File.WriteAllText(In("short.csv"), "id,label\n1,a\n");
        File.WriteAllText(In("long.txt"), string.Concat(Enumerable.Repeat("not an image at all. ", 100)));
        foreach (var name in new[] { "short.csv", "long.txt" })
        {
            var read = ImageDecoder.Read(In(name), p, tensor);
            Assert.Equal("not an image in a format this reads (PNG, JPEG, GIF, BMP, WebP, ICO, WBMP)", read.Error);
            Assert.NotNull(read.Sha256);
        }

        // Checked without decoding too (an empty destination: the hash and the header only).
        Assert.StartsWith("not an image", ImageDecoder.Read(In("long.txt"), p, []).Error);
    }
}
