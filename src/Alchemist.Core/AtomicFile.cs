using System.Text;

namespace Alchemist;

/// <summary>
/// Writes that either land whole or not at all: into a temporary file beside the target, renamed over it when complete. A
/// process killed mid-write leaves no torn file, and a failed write (a full disk, an exception in the writer) leaves no
/// temporary file either. Every file the tool writes goes through here.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes <paramref name="text"/> as UTF-8 (no byte-order mark), as one file that lands whole or not at all; the folder is
    /// created when missing.
    /// </summary>
    public static void WriteAllText(string path, string text) => Write(path, stream => stream.Write(Utf8NoBom.GetBytes(text)));

    /// <summary>Writes UTF-8 text (no byte-order mark) through a writer, as one file.</summary>
    public static void WriteText(string path, Action<TextWriter> write) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, Utf8NoBom, 1 << 16, leaveOpen: true);
        write(writer);
    });

    /// <summary>
    /// Writes whatever <paramref name="write"/> puts into the stream, as one file. <paramref name="durable"/> also waits for
    /// the disk: worth it for what cannot be made again (calls paid for, labels), not for caches that are recomputed when
    /// missing, which apply writes per program and split.
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool durable = true) => WriteVia(path, temporary =>
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);
        stream.Flush(flushToDisk: durable);
    });

    /// <summary>For writers that want a path of their own (a library that saves to a file name): they write the temporary path given.</summary>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTo(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Appends one line and flushes it to disk before returning.</summary>
    public static void AppendLine(string path, string line)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var bytes = Utf8NoBom.GetBytes(line + "\n");
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
