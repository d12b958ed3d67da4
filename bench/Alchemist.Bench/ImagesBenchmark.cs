using System.Diagnostics;
using System.Globalization;
using Alchemist.Features;
using Alchemist.Spec;
using SkiaSharp;

namespace Alchemist.Bench;

/// <summary>
/// <c>bench/run images</c>: image extraction with the bundled example's CLIP-shaped toy model (examples/fruit-ripeness/models)
/// over generated 32-pixel PNGs, each of its own colours: a cold extraction (every image read, hashed, decoded and encoded)
/// in a child process with its images per second and peak resident memory, against a second child that scores the same
/// images against one more concept (every embedding from the cache, only reading and hashing). The toy encoder is a few
/// arithmetic operations, so the figures measure the pipeline around the model (Skia decoding, batching, hashing,
/// the cache, the tables), not CLIP itself.
/// </summary>
internal static class ImagesBenchmark
{
    public static int Run(string[] args)
    {
        var images = 10_000;
        for (var i = 0; i < args.Length; i++)
        {
            images = args[i] switch
            {
                "--images" when i + 1 < args.Length => int.Parse(args[++i], CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        var work = Directory.CreateTempSubdirectory("alchemist-bench-images-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            Write(work, images);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images: wrote {images:N0} PNGs of 32x32 in {clock.Elapsed.TotalSeconds:0.0} s; {Environment.ProcessorCount} processors"));
            var (coldSeconds, coldPeak, decoderPeak) = Child(work);
            File.AppendAllText(Path.Combine(work, TaskSpec.FileName), "  - green\n");
            var (cachedSeconds, cachedPeak, _) = Child(work);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"images: cold extraction of {images:N0} images x 2 concepts: {coldSeconds:0.00} s, {images / coldSeconds:N0} images/s, peak {coldPeak:N0} MB, and each walled decoder process at most {decoderPeak:N0} MB beside it"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"images: one more concept, embeddings from the cache: {cachedSeconds:0.00} s, {images / cachedSeconds:N0} images/s, peak {cachedPeak:N0} MB; cold / cached seconds: {coldSeconds / cachedSeconds:0.00}"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The child's side: extracts the project's scores and prints its seconds and peak resident memory.</summary>
    public static int RunChild(string[] args)
    {
        var spec = SpecReader.Load(args[0]);
        var clock = Stopwatch.StartNew();
        var result = ImageExtraction.Run(spec);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds} {PredictBenchmark.PeakResidentBytes() / 1e6} {result.Encoded} {result.DecoderPeakResidentBytes / 1e6}"));
        return 0;
    }

    private static (double Seconds, double PeakMegabytes, double DecoderPeakMegabytes) Child(string project)
    {
        using var child = Process.Start(BenchChild.StartInfo("images-child", project))!;
        var reply = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the extraction failed ({child.ExitCode}): {reply}");
        }

        var parts = reply.Trim().Split('\n')[^1].Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    private static void Write(string work, int count)
    {
        var models = Path.Combine(RepositoryRoot(), "examples", "fruit-ripeness", "models");
        Directory.CreateDirectory(Path.Combine(work, "models"));
        foreach (var file in Directory.GetFiles(models))
        {
            File.Copy(file, Path.Combine(work, "models", Path.GetFileName(file)));
        }

        var lines = new string[count + 1];
        lines[0] = "id,image,label";
        Parallel.For(0, count, i =>
        {
            var random = new Random(i);
            var a = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            var b = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            using var image = new SKBitmap(new SKImageInfo(32, 32, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var pixels = image.GetPixelSpan();
            for (var y = 0; y < 32; y++)
            {
                for (var x = 0; x < 32; x++)
                {
                    var c = (x - 16) * (x - 16) + ((y - 16) * (y - 16)) < 100 ? a : b;
                    var at = (y * image.RowBytes) + (4 * x);
                    (pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]) = (c.Red, c.Green, c.Blue, 255);
                }
            }

            var name = $"images/{i / 1000:D3}/{i:D6}.png";
            Directory.CreateDirectory(Path.Combine(work, "data", "images", $"{i / 1000:D3}"));
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(work, "data", name), png.ToArray());
            lines[i + 1] = $"{i},{name},{(a.Red > a.Green ? "RED" : "GREEN")}";
        });
        File.WriteAllLines(Path.Combine(work, "data", "train.csv"), lines);
        File.WriteAllText(Path.Combine(work, TaskSpec.FileName), """
            name: bench-images
            description: Is the disc red or green?
            inputs:
            - name: image
              type: image
            classes: [RED, GREEN]
            data:
              format: csv
              train: data/train.csv
              label_field: label
              id_field: id
            extractor:
              image_encoder: models/image-encoder.onnx
              text_encoder: models/text-encoder.onnx
              vocabulary: models/vocab.json
              merges: models/merges.txt
              batch_size: 64
              concepts:
              - red
              - blue

            """.Replace("\n\n", "\n", StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var folder = AppContext.BaseDirectory; folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(Path.Combine(folder, "Alchemist.slnx")))
            {
                return folder;
            }
        }

        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", ".."));
    }
}
