using Alchemist.Features.Images;
using Alchemist.Programs.Isolation;
using Alchemist.Tests.Images;
using SkiaSharp;
using Xunit;

namespace Alchemist.Features.Tests;

/// <summary>Images decoded in walled worker processes: the same pixels and reasons as in process, and a process lost to one image costs that image alone.</summary>
public sealed class WalledImageDecoderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-walled-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    [Fact]
    public void A_decoder_process_gives_exactly_the_in_process_pixels_and_the_same_reasons()
    {
        var p = ImagePreprocessing.WithSize(24);
        var images = new[]
        {
            TestImages.Png(In("gradient.png"), 70, 40, (x, y) => new SKColor((byte)(x * 3), (byte)(y * 5), (byte)((x + y) % 256))),
            TestImages.Square(In("square.png"), new SKColor(200, 30, 40), new SKColor(20, 90, 30), 0.4, seed: 3, size: 50),
            TestImages.Garbage(In("garbage.png")),
            TestImages.Truncated(In("truncated.png")),
            TestImages.ClaimsSize(In("huge.png"), 50_000),
        };

        using var decoder = new WalledImageDecoder();
        foreach (var image in images)
        {
            var bytes = File.ReadAllBytes(image);
            var inProcess = new float[p.TensorLength];
            var walled = new float[p.TensorLength];
            var expected = ImageDecoder.Decode(bytes, p, inProcess);
            Assert.Equal(expected, decoder.Decode(bytes, p, walled));
            Assert.Equal(inProcess, walled);
        }

        Assert.Equal(2, images.Count(i => ImageDecoder.Decode(File.ReadAllBytes(i), p, new float[p.TensorLength]) is null));
        Assert.Equal(1, decoder.ProcessesStarted);
        var walls = decoder.Walls!;
        Assert.True(walls.CleanEnvironment, string.Join(", ", walls.EnvironmentNames));
        Assert.True(walls.OwnTempFolder);
        Assert.Equal(WalledImageDecoder.HeapLimitBytes, walls.HeapLimitBytes);
        if (walls.LandlockAbi > 0)
        {
            Assert.True(walls.WritesConfined && walls.WritesBlocked, walls.WriteProbe);
        }
    }

    [Fact]
    public void An_image_whose_process_overruns_its_time_is_named_and_the_next_image_gets_a_new_process()
    {
        var p = ImagePreprocessing.WithSize(224);
        var bytes = File.ReadAllBytes(TestImages.Png(In("large.png"), 1500, 1200, (x, y) => new SKColor((byte)x, (byte)y, 90)));

        // No decode of a 1.8-megapixel image down to 224 pixels, the worker's first, finishes within a millisecond.
        using (var hurried = new WalledImageDecoder { Timeout = TimeSpan.FromMilliseconds(1) })
        {
            for (var i = 0; i < 2; i++)
            {
                var problem = hurried.Decode(bytes, p, new float[p.TensorLength]);
                Assert.StartsWith("the image decoder's process failed on it and was replaced: it took more than 0 s and was stopped", problem);
            }

            Assert.Equal(2, hurried.ProcessesStarted);
        }

        using var decoder = new WalledImageDecoder();
        var walled = new float[p.TensorLength];
        var inProcess = new float[p.TensorLength];
        Assert.Null(decoder.Decode(bytes, p, walled));
        Assert.Null(ImageDecoder.Decode(bytes, p, inProcess));
        Assert.Equal(inProcess, walled);
    }

    [Fact]
    public void A_decoder_process_that_dies_on_a_request_is_reported_with_its_exit_and_not_reused()
    {
        // A request too short for its header makes the decoder throw, which ends its process: the engine's side of a crash.
        using var process = WalledProcess.Start(WalledImageDecoder.Mode, WalledImageDecoder.HeapLimitBytes, WalledImageDecoder.NativeHeadroomBytes);
        Assert.True(process.Usable);
        var error = Assert.Throws<WalledProcessException>(() => process.Call(new byte[] { 1, 2, 3 }, TimeSpan.FromSeconds(30), 1024));
        Assert.Contains("the worker process exited with code", error.Message);
        Assert.False(process.Usable);
        Assert.Throws<WalledProcessException>(() => process.Call(new byte[28], TimeSpan.FromSeconds(30), 1024));
    }

    [Fact]
    public void A_missing_worker_is_an_error_naming_it_before_any_image_is_read()
    {
        var missing = In("alchemist-worker.dll");
        var error = Assert.Throws<FileNotFoundException>(() => new WalledImageDecoder(missing));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("images cannot be decoded without it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decoder_process_is_replaced_after_its_share_of_images_so_one_taken_over_cannot_falsify_the_rest()
    {
        var p = ImagePreprocessing.WithSize(16);
        var bytes = File.ReadAllBytes(TestImages.Solid(In("solid.png"), new SKColor(10, 200, 30)));
        var expected = new float[p.TensorLength];
        Assert.Null(ImageDecoder.Decode(bytes, p, expected));

        using var decoder = new WalledImageDecoder { ImagesPerProcess = 2 };
        for (var i = 0; i < 5; i++)
        {
            var walled = new float[p.TensorLength];
            Assert.Null(decoder.Decode(bytes, p, walled));
            Assert.Equal(expected, walled);
        }

        Assert.Equal(3, decoder.ProcessesStarted);

        // Each retired process's peak memory was read before it ended: a .NET process holds tens of megabytes, and no
        // decoder process may pass its heap cap and native headroom.
        decoder.Dispose();
        if (OperatingSystem.IsLinux())
        {
            Assert.InRange(decoder.PeakResidentBytes, 10L << 20, WalledImageDecoder.HeapLimitBytes + WalledImageDecoder.NativeHeadroomBytes);
        }
    }

    [Fact]
    public void An_answer_a_taken_over_decoder_forges_is_refused_or_shown_as_one_bounded_line()
    {
        var p = ImagePreprocessing.WithSize(2);
        var tensor = new float[p.TensorLength];

        // Wrong lengths, an unknown mark, nothing at all: refused, the tensor untouched.
        Assert.Equal("the image decoder's process answered 0 bytes where 13 marked 0 were due", WalledImageDecoder.ReadAnswer([], p, tensor));
        Assert.Equal("the image decoder's process answered 12 bytes marked 0 where 13 marked 0 were due", WalledImageDecoder.ReadAnswer(new byte[12], p, tensor));
        Assert.Equal("the image decoder's process answered 14 bytes marked 0 where 13 marked 0 were due", WalledImageDecoder.ReadAnswer(new byte[14], p, tensor));
        Assert.Equal("the image decoder's process answered 13 bytes marked 7 where 13 marked 0 were due", WalledImageDecoder.ReadAnswer([7, .. new byte[12]], p, tensor));
        Assert.All(tensor, v => Assert.Equal(0f, v));

        // A reason with an escape sequence and a faked log line becomes one line; a long one is cut.
        byte[] forged = [1, .. System.Text.Encoding.UTF8.GetBytes("corrupt\u001b[2J\nextract: all images fine")];
        Assert.Equal("corrupt?[2J?extract: all images fine", WalledImageDecoder.ReadAnswer(forged, p, tensor));
        byte[] longReason = [1, .. System.Text.Encoding.UTF8.GetBytes(new string('x', 5000))];
        Assert.StartsWith(new string('x', 600) + " … (truncated: 5,000 characters", WalledImageDecoder.ReadAnswer(longReason, p, tensor));

        // A well-formed answer: 12 RGB bytes normalized as in process.
        byte[] pixels = [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 20))];
        var expected = new float[p.TensorLength];
        ImageDecoder.Normalize(pixels, p, expected);
        Assert.Null(WalledImageDecoder.ReadAnswer([0, .. pixels], p, tensor));
        Assert.Equal(expected, tensor);
    }
}
