using System.Security.Cryptography;
using SkiaSharp;

namespace Alchemist.Features.Images;

/// <summary>
/// How an image becomes an encoder's input: resized so its shorter side is <see cref="Size"/> (bicubic), the centre
/// <see cref="Size"/> x <see cref="Size"/> cut out, and each RGB channel scaled to 0..1, less <see cref="Mean"/>, over
/// <see cref="Std"/>: CLIP's preprocessing, with CLIP's own means and deviations by default.
/// </summary>
/// <param name="Size">Side of the square the encoder reads, in pixels (224 for CLIP ViT-B/32).</param>
/// <param name="Mean">Per-channel mean (R, G, B) subtracted after scaling to 0..1.</param>
/// <param name="Std">Per-channel standard deviation divided by after the mean.</param>
public sealed record ImagePreprocessing(int Size, float[] Mean, float[] Std)
{
    /// <summary>CLIP's: 224 pixels, OpenAI's channel means and deviations.</summary>
    public static ImagePreprocessing Clip { get; } = WithSize(224);

    /// <summary>CLIP's means and deviations at another side.</summary>
    public static ImagePreprocessing WithSize(int size) =>
        new(size, [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f]);

    /// <summary>Floats one image takes: 3 channels of <see cref="Size"/> squared.</summary>
    public int TensorLength => 3 * Size * Size;
}

/// <summary>One image file as read: its bytes' SHA-256 (hex) when the file could be read, and why it cannot be used, if so.</summary>
/// <param name="Sha256">Hex SHA-256 of the file's bytes; null when the file could not be read at all.</param>
/// <param name="Error">Why the image cannot be scored (missing, unreadable, not an image, corrupt, too large); null when it decoded.</param>
public sealed record ImageRead(string? Sha256, string? Error);

/// <summary>
/// Decodes image files (PNG, JPEG, GIF, BMP, WebP, ICO, WBMP: the formats the bundled Skia build decodes) with SkiaSharp into
/// an encoder's input. Nothing here throws for a bad image: a missing, unreadable, corrupt, truncated or oversized file is a
/// reason, which the caller names with its row, and that row's scores are missing. The header is read first and an image
/// over <see cref="MaxPixels"/> or a file over <see cref="MaxFileBytes"/> is refused before any pixel is decoded, so a small
/// file that claims a huge canvas cannot take the memory.
/// </summary>
/// <remarks>
/// Pixels are taken as ImageSharp 2, which this replaced, took them, so that embeddings and scores stay as they were: the
/// colour channels as stored, without the alpha channel (a transparent pixel is its stored colour, not composited on a
/// background), grey and palette images as RGB, no embedded colour profile or EXIF orientation applied, and the first frame
/// of an animation. The resize is ImageSharp's bicubic crop, done here, since Skia's cubic sampling does not widen its
/// kernel when it shrinks and would alias a large photo.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Largest canvas decoded: 40 megapixels (a 4 bytes-a-pixel buffer of 160 MB at most).</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>Largest file read: 64 MiB.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>
    /// Names the code that turns bytes into pixels, for the keys of cached embeddings: decoders differ (JPEG's especially:
    /// ImageSharp and Skia were 1-7 levels apart on 4:2:0 files), so an embedding made by another decoder is not reused.
    /// </summary>
    public static string Identity { get; } = $"SkiaSharp {typeof(SKCodec).Assembly.GetName().Version}, native {SkiaSharpVersion.Native}; managed bicubic crop";

    /// <summary>
    /// Reads <paramref name="path"/>, hashes its bytes and, when <paramref name="destination"/> is given, decodes it into it
    /// (channel-major: all of R, then G, then B, <see cref="ImagePreprocessing.TensorLength"/> floats).
    /// </summary>
    public static ImageRead Read(string path, ImagePreprocessing preprocessing, Span<float> destination)
    {
        var read = ReadFile(path, out var bytes);
        return bytes is null ? read : read with { Error = destination.IsEmpty ? Check(bytes) : Decode(bytes, preprocessing, destination) };
    }

    /// <summary>
    /// The full path of an image a data row names, relative to <paramref name="folder"/> (the data file's folder, or the
    /// image folder), or why it is not read: a row must not make the tool read a file elsewhere, by an absolute path, by
    /// '..', or by a link that leads out, since data files come from wherever a user got them.
    /// </summary>
    public static string? ResolveUnder(string folder, string relative, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(relative))
        {
            problem = "the row names no image (its path is empty)";
            return null;
        }

        if (relative.Contains('\0', StringComparison.Ordinal))
        {
            problem = "the path holds a NUL character, which no file name can";
            return null;
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var full = Path.GetFullPath(relative, root);
        if (!IsUnder(full, root))
        {
            problem = "the path leads outside the data file's folder (an absolute path or '..'); images are read only from under it";
            return null;
        }

        try
        {
            // Every step below the folder, not only the file: a linked subfolder (which an unpacked archive can hold) leads
            // out as well as a linked file does.
            var resolvedRoot = Path.GetFullPath(ResolveLinks(root));
            var step = root;
            foreach (var part in Path.GetRelativePath(root, full).Split(Path.DirectorySeparatorChar))
            {
                step = Path.Combine(step, part);
                FileSystemInfo here = Directory.Exists(step) ? new DirectoryInfo(step) : new FileInfo(step);
                if (here.ResolveLinkTarget(returnFinalTarget: true) is { } target
                    && !IsUnder(Path.GetFullPath(target.FullName), root) && !IsUnder(Path.GetFullPath(target.FullName), resolvedRoot))
                {
                    problem = "the path is a link to a file outside the data file's folder; images are read only from under it";
                    return null;
                }
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Not there: ReadFile says so in its own words.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot be read: {e.Message}";
            return null;
        }

        return full;
    }

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The folder with its own links resolved, so that a data folder reached through a link still holds its files.</summary>
    private static string ResolveLinks(string folder) =>
        new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? folder;

    /// <summary>
    /// Reads <paramref name="path"/>'s bytes (null when it cannot be read: the reason is in the result) and hashes them; the
    /// bytes are not looked at.
    /// </summary>
    public static ImageRead ReadFile(string path, out byte[]? bytes)
    {
        bytes = null;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new ImageRead(null, Directory.Exists(path) ? "is a folder, not an image file" : "file not found");
            }

            if (info.Length > MaxFileBytes)
            {
                return new ImageRead(null, $"file is {info.Length:N0} bytes; images over {MaxFileBytes >> 20} MiB are not read");
            }

            // Read to the cap, not to the end the file reports: a device such as /dev/zero reports 0 bytes and never ends.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxFileBytes)
                {
                    return new ImageRead(null, $"file has more than {MaxFileBytes >> 20} MiB; images over that are not read");
                }

                buffer.Write(chunk, 0, read);
            }

            bytes = buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ImageRead(null, $"cannot be read: {e.Message}");
        }

        return new ImageRead(Convert.ToHexStringLower(SHA256.HashData(bytes)), null);
    }

    /// <summary>Decodes image bytes into <paramref name="destination"/>; the reason they cannot be used, or null.</summary>
    public static string? Decode(byte[] bytes, ImagePreprocessing preprocessing, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, preprocessing.TensorLength, nameof(destination));
        if (DecodeCrop(bytes, preprocessing.Size, out var pixels) is { } problem)
        {
            return problem;
        }

        Normalize(pixels!, preprocessing, destination);
        return null;
    }

    /// <summary>
    /// Decodes image bytes, resizes them so the shorter side is <paramref name="size"/> and cuts out the centre square:
    /// <paramref name="pixels"/> is then its RGB bytes, row by row (3 x size x size). The reason they cannot be used, or null.
    /// </summary>
    public static string? DecodeCrop(byte[] bytes, int size, out byte[]? pixels)
    {
        pixels = null;
        using var codec = Open(bytes, out var problem);
        if (codec is null)
        {
            return problem;
        }

        // Unpremultiplied, so that dropping alpha leaves the stored colour; no colour space, so that Skia converts none.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var result = codec.GetPixels(info, out var rgba);
        if (result != SKCodecResult.Success)
        {
            // Skia fills in what a damaged or cut-off file lacks: scores of that half-image would pass for the image's.
            return result switch
            {
                SKCodecResult.IncompleteInput => "corrupt image: the file ends before its pixels do",
                SKCodecResult.ErrorInInput => "corrupt image: its pixel data is damaged",
                _ => $"corrupt image: its pixels cannot be decoded ({result})",
            };
        }

        pixels = BicubicCrop.Resize(rgba, info.Width, info.Height, size);
        return null;
    }

    /// <summary>
    /// The encoder's input from <see cref="DecodeCrop"/>'s RGB bytes: one plane per channel, each scaled to 0..1, less its
    /// mean, over its deviation.
    /// </summary>
    public static void Normalize(ReadOnlySpan<byte> pixels, ImagePreprocessing preprocessing, Span<float> destination)
    {
        var plane = preprocessing.Size * preprocessing.Size;
        ArgumentOutOfRangeException.ThrowIfNotEqual(pixels.Length, 3 * plane, nameof(pixels));
        var mean = preprocessing.Mean;
        Span<float> scale = [1f / (255f * preprocessing.Std[0]), 1f / (255f * preprocessing.Std[1]), 1f / (255f * preprocessing.Std[2])];
        Span<float> offset = [mean[0] / preprocessing.Std[0], mean[1] / preprocessing.Std[1], mean[2] / preprocessing.Std[2]];
        var target = destination[..preprocessing.TensorLength];
        for (var i = 0; i < plane; i++)
        {
            target[i] = (pixels[3 * i] * scale[0]) - offset[0];
            target[plane + i] = (pixels[(3 * i) + 1] * scale[1]) - offset[1];
            target[(2 * plane) + i] = (pixels[(3 * i) + 2] * scale[2]) - offset[2];
        }
    }

    /// <summary>Reads only the header: null when the bytes are an image of a size this decodes, else why not.</summary>
    private static string? Check(byte[] bytes)
    {
        using var codec = Open(bytes, out var problem);
        return problem;
    }

    /// <summary>A decoder that has read the header of an image of a size this decodes (no pixel yet), or null and why not.</summary>
    private static SKCodec? Open(byte[] bytes, out string? problem)
    {
        if (bytes.Length == 0)
        {
            problem = "empty file";
            return null;
        }

        // Skia refuses a stream shorter than the bytes it reads to tell the format, though a whole 1-pixel GIF or WBMP is
        // shorter; a decoder ignores what follows the image's end.
        var data = bytes.Length >= SKCodec.MinBufferedBytesNeeded ? bytes : [.. bytes, .. new byte[SKCodec.MinBufferedBytesNeeded - bytes.Length]];
        var codec = SKCodec.Create(new SKMemoryStream(data), out var result);
        if (codec is null)
        {
            problem = result switch
            {
                SKCodecResult.Unimplemented => "not an image in a format this reads (PNG, JPEG, GIF, BMP, WebP, ICO, WBMP)",
                SKCodecResult.IncompleteInput => "corrupt image: the file ends inside its header",
                _ => $"corrupt image: its header cannot be read ({result})",
            };
            return null;
        }

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        problem = width <= 0 || height <= 0 ? $"corrupt image: {width}x{height} pixels"
            : (long)width * height > MaxPixels ? $"{width}x{height} pixels; images over {MaxPixels / 1_000_000} megapixels are not decoded"
            : null;
        if (problem is null)
        {
            return codec;
        }

        codec.Dispose();
        return null;
    }
}
