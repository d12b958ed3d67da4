using System.Text;

namespace Alchemist.Data;

/// <summary>
/// Invalid UTF-8 in a data file is an error that names the file and line, never text silently turned into U+FFFD. The byte
/// scan runs only where a reader met a replacement character or a decoding failure, so valid files are read once.
/// </summary>
public static class Utf8Check
{
    /// <summary>Decodes strictly: a reader using it fails on the first invalid byte instead of substituting.</summary>
    public static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The 1-based line of the first invalid UTF-8 sequence in the file, or null when it is all valid UTF-8.</summary>
    public static long? FirstInvalidLine(string path)
    {
        var decoder = Strict.GetDecoder();
        var bytes = new byte[1 << 16];
        var chars = new char[Strict.GetMaxCharCount(bytes.Length)];
        long line = 1;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        int read;
        while ((read = stream.Read(bytes)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (bytes[i] != (byte)'\n')
                {
                    continue;
                }

                if (!Decodes(decoder, bytes.AsSpan(start, i + 1 - start), chars, flush: true))
                {
                    return line;
                }

                line++;
                start = i + 1;
            }

            // A line that runs past the buffer is decoded in pieces; the decoder keeps a sequence cut at the boundary.
            if (!Decodes(decoder, bytes.AsSpan(start, read - start), chars, flush: false))
            {
                return line;
            }
        }

        return Decodes(decoder, [], chars, flush: true) ? null : line;
    }

    /// <summary>
    /// How many lines of the file hold invalid UTF-8, and the first of them (1-based; null when none): what
    /// <c>data.invalid_utf8: replace</c> read as U+FFFD, for the run's report.
    /// </summary>
    public static (long Lines, long? FirstLine) InvalidLines(string path)
    {
        long lines = 0;
        long? first = null;
        long line = 0;
        using var reader = new Utf8LineReader(path);
        while (reader.TryReadLine(out var bytes))
        {
            line++;
            if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            {
                lines++;
                first ??= line;
            }
        }

        return (lines, first);
    }

    /// <summary>The bytes with each invalid UTF-8 sequence replaced by U+FFFD's encoding, as a lenient decoder reads them.</summary>
    public static ReadOnlyMemory<byte> Replaced(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes));

    /// <summary>The error for a file with invalid UTF-8 at <paramref name="line"/>.</summary>
    public static DataFormatException Error(string path, long line, Exception? inner = null) =>
        new(path, "not valid UTF-8 (save the file as UTF-8)", line, inner: inner);

    private static bool Decodes(Decoder decoder, ReadOnlySpan<byte> bytes, char[] chars, bool flush)
    {
        try
        {
            decoder.GetChars(bytes, chars, flush);
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoder.Reset();
            return false;
        }
    }
}
