using Alchemist.Features.Images;
using Xunit;

namespace Alchemist.Features.Tests;

public sealed class BicubicCropTests
{
    /// <summary>Grey RGBA rows of <paramref name="width"/> x <paramref name="height"/>, each pixel's level from its column.</summary>
    private static byte[] Columns(int width, int height, Func<int, byte> level)
    {
        var rgba = new byte[4 * width * height];
        for (var i = 0; i < width * height; i++)
        {
            var v = level(i % width);
            (rgba[4 * i], rgba[(4 * i) + 1], rgba[(4 * i) + 2], rgba[(4 * i) + 3]) = (v, v, v, 255);
        }

        return rgba;
    }

    [Fact]
    public void Halving_a_black_and_white_edge_gives_the_hand_computed_weights()
    {
        // 4 x 4, left half black, right half white, to 2 x 2: twice as wide a kernel (radius 4 source pixels). Output column
        // 0 is centred on source x = 0.5, so source columns 0..3 weigh f(-0.25), f(0.25), f(0.75), f(1.25) with Catmull-Rom
        // f: 0.8671875, 0.8671875, 0.2265625, -0.0703125, summing to 1.890625. The white columns give
        // 255 * (0.2265625 - 0.0703125) / 1.890625 = 21.07, so 21; column 1 mirrors it: 233.93, so 234. ImageSharp 2.1.13
        // gave the same.
        var pixels = BicubicCrop.Resize(Columns(4, 4, x => x < 2 ? (byte)0 : (byte)255), 4, 4, 2);
        Assert.Equal(new byte[] { 21, 21, 21, 234, 234, 234, 21, 21, 21, 234, 234, 234 }, pixels);
    }

    [Fact]
    public void Shrinking_averages_the_source_instead_of_sampling_it()
    {
        // One-pixel black and white stripes, 64 x 16 to 8 x 8: scaled to 32 x 8 and cut to the middle. A sampler that does
        // not widen its kernel would land on black or white; averaged, every pixel is mid-grey (ImageSharp: 128).
        var pixels = BicubicCrop.Resize(Columns(64, 16, x => x % 2 == 0 ? (byte)0 : (byte)255), 64, 16, 8);
        Assert.All(pixels, v => Assert.InRange(v, 126, 130));
    }

    [Fact]
    public void An_image_already_the_output_size_is_copied_unchanged()
    {
        var rgba = Columns(5, 5, x => (byte)(x * 50));
        var pixels = BicubicCrop.Resize(rgba, 5, 5, 5);
        Assert.Equal(Enumerable.Range(0, 25).SelectMany(i => Enumerable.Repeat((byte)(i % 5 * 50), 3)), pixels);
    }

    [Fact]
    public void A_wide_image_keeps_its_centre_columns()
    {
        // 12 x 4 to 4 x 4: no scaling, the centre 4 columns (4..7) kept.
        var pixels = BicubicCrop.Resize(Columns(12, 4, x => (byte)(x * 20)), 12, 4, 4);
        Assert.Equal(new byte[] { 80, 100, 120, 140 }, Enumerable.Range(0, 4).Select(x => pixels[3 * x]));
    }
}
