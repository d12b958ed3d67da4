using System.Security.Cryptography;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

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
/// Decodes image files (PNG, JPEG, GIF, BMP, TGA, PBM, TIFF, WebP) with ImageSharp into an encoder's input. Nothing here
/// throws for a bad image: a missing, unreadable, corrupt or oversized file is a reason, which the caller names with its
/// row, and that row's scores are missing. The header is read first and an image over <see cref="MaxPixels"/> or a file
/// over <see cref="MaxFileBytes"/> is refused before any pixel is decoded, so a small file that claims a huge canvas cannot
/// take the memory.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest canvas decoded: 40 megapixels (a 4 bytes-a-pixel buffer of 160 MB at most).</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>Largest file read: 64 MiB.</summary>
    public const long MaxFileBytes = 64L << 20;

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
        if (Check(bytes) is { } problem)
        {
            return problem;
        }

        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(bytes);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            // ImageSharp's decoders report damaged data as InvalidImageContentException (an ImageFormatException), but a
            // truncated or crafted stream can surface as one of the others from inside a decoder.
            return $"corrupt image: {e.Message}";
        }

        using (image)
        {
            var size = preprocessing.Size;
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(size, size),
                Mode = ResizeMode.Crop,
                Position = AnchorPositionMode.Center,
                Sampler = KnownResamplers.Bicubic,
            }));
            var plane = size * size;
            var mean = preprocessing.Mean;
            var scale = new[] { 1f / (255f * preprocessing.Std[0]), 1f / (255f * preprocessing.Std[1]), 1f / (255f * preprocessing.Std[2]) };
            var offset = new[] { mean[0] / preprocessing.Std[0], mean[1] / preprocessing.Std[1], mean[2] / preprocessing.Std[2] };
            var target = destination[..preprocessing.TensorLength];
            var pixels = new Rgb24[plane];
            image.CopyPixelDataTo(pixels);
            for (var i = 0; i < plane; i++)
            {
                var p = pixels[i];
                target[i] = (p.R * scale[0]) - offset[0];
                target[plane + i] = (p.G * scale[1]) - offset[1];
                target[(2 * plane) + i] = (p.B * scale[2]) - offset[2];
            }
        }

        return null;
    }

    /// <summary>Reads only the header: null when the bytes are an image of a size this decodes, else why not.</summary>
    private static string? Check(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return "empty file";
        }

        IImageInfo? info;
        try
        {
            info = Image.Identify(bytes);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return $"corrupt image: {e.Message}";
        }

        if (info is null)
        {
            return "not an image in a format this reads (PNG, JPEG, GIF, BMP, TGA, PBM, TIFF, WebP)";
        }

        return info.Width <= 0 || info.Height <= 0 ? $"corrupt image: {info.Width}x{info.Height} pixels"
            : (long)info.Width * info.Height > MaxPixels ? $"{info.Width}x{info.Height} pixels; images over {MaxPixels / 1_000_000} megapixels are not decoded"
            : null;
    }
}
