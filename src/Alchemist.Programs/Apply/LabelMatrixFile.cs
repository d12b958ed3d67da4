using System.Runtime.InteropServices;
using System.Text;
using Alchemist.Labeling;

namespace Alchemist.Programs.Apply;

/// <summary>
/// A label matrix on disk: a small header (rows, classes, program names) and then each program's column as raw votes, so
/// writing and reading cost one pass over n x m bytes. Written to a temporary name and renamed.
/// </summary>
public static class LabelMatrixFile
{
    /// <summary>The extension of label matrix files.</summary>
    public const string Extension = ".votes";
    private static readonly byte[] Magic = "ALCLM001"u8.ToArray();

    /// <summary>Writes <paramref name="matrix"/> to <paramref name="path"/>, replacing any file there as one step.</summary>
    public static void Write(string path, LabelMatrix matrix)
    {
        AtomicFile.Write(path, stream =>
        {
            using var header = new MemoryStream();
            using (var writer = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(matrix.Rows);
                writer.Write(matrix.Classes);
                writer.Write(matrix.Programs);
                foreach (var name in matrix.ProgramNames)
                {
                    writer.Write(name);
                }
            }

            header.WriteTo(stream);
            for (var j = 0; j < matrix.Programs; j++)
            {
                stream.Write(MemoryMarshal.AsBytes(matrix.Column(j)));
            }
        }, durable: false);
    }

    /// <summary>Reads a matrix that <see cref="Write"/> wrote.</summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a label matrix, its header is corrupt, or a vote is outside -1..classes-1.
    /// </exception>
    /// <exception cref="EndOfStreamException">The file ends early.</exception>
    public static LabelMatrix Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        Span<byte> magic = stackalloc byte[8];
        stream.ReadExactly(magic);
        if (!magic.SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a label matrix written by alchemist apply");
        }

        var rows = reader.ReadInt32();
        var classes = reader.ReadInt32();
        var programs = reader.ReadInt32();
        if (rows < 0 || programs < 0 || classes is < 2 or > sbyte.MaxValue)
        {
            throw new InvalidDataException($"{path} has a corrupt header ({rows} rows, {classes} classes, {programs} programs)");
        }

        var names = new string[programs];
        for (var j = 0; j < programs; j++)
        {
            names[j] = reader.ReadString();
        }

        var columns = new sbyte[programs][];
        for (var j = 0; j < programs; j++)
        {
            columns[j] = GC.AllocateUninitializedArray<sbyte>(rows);
            stream.ReadExactly(MemoryMarshal.AsBytes(columns[j].AsSpan()));
            var bad = columns[j].AsSpan().IndexOfAnyExceptInRange(LabelMatrix.Abstain, (sbyte)(classes - 1));
            if (bad >= 0)
            {
                throw new InvalidDataException($"{path}: program '{names[j]}' has vote {columns[j][bad]} at row {bad}, outside -1..{classes - 1}");
            }
        }

        return LabelMatrix.FromColumns(rows, classes, names, columns);
    }
}
