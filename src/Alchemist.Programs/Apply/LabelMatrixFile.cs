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

    /// <summary>
    /// Reads rows of a matrix that <see cref="Write"/> wrote, a range at a time, without reading the rest: for a matrix too
    /// large to hold beside everything else (a streamed train split's votes), walked in batches.
    /// </summary>
    public sealed class RowReader : IDisposable
    {
        private readonly FileStream _stream;
        private readonly long _columnsStart;

        /// <summary>Opens <paramref name="path"/> and reads its header.</summary>
        /// <exception cref="InvalidDataException">The file is not a label matrix, or its header is corrupt.</exception>
        public RowReader(string path)
        {
            Path = path;
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            (Rows, Classes, ProgramNames) = ReadHeader(_stream, path);
            _columnsStart = _stream.Position;
            if (_stream.Length != _columnsStart + ((long)Rows * ProgramNames.Count))
            {
                throw new InvalidDataException($"{path} holds {_stream.Length - _columnsStart:N0} bytes of votes, not {Rows:N0} rows x {ProgramNames.Count} programs");
            }
        }

        /// <summary>The file read.</summary>
        public string Path { get; }

        /// <summary>Rows in the whole matrix.</summary>
        public int Rows { get; }

        /// <summary>Number of classes of its votes.</summary>
        public int Classes { get; }

        /// <summary>Each column's program, in order.</summary>
        public IReadOnlyList<string> ProgramNames { get; }

        /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1 of every program.</summary>
        /// <exception cref="InvalidDataException">A vote is outside -1..classes-1.</exception>
        public LabelMatrix ReadRows(int start, int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(start);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Rows - start);
            var columns = new sbyte[ProgramNames.Count][];
            for (var j = 0; j < columns.Length; j++)
            {
                columns[j] = GC.AllocateUninitializedArray<sbyte>(count);
                _stream.Position = _columnsStart + ((long)j * Rows) + start;
                _stream.ReadExactly(MemoryMarshal.AsBytes(columns[j].AsSpan()));
                CheckVotes(Path, ProgramNames[j], columns[j], Classes, start);
            }

            return LabelMatrix.FromColumns(count, Classes, ProgramNames, columns);
        }

        /// <summary>Closes the file.</summary>
        public void Dispose() => _stream.Dispose();
    }

    /// <summary>Reads a matrix that <see cref="Write"/> wrote.</summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a label matrix, its header is corrupt, or a vote is outside -1..classes-1.
    /// </exception>
    /// <exception cref="EndOfStreamException">The file ends early.</exception>
    public static LabelMatrix Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (rows, classes, names) = ReadHeader(stream, path);
        var columns = new sbyte[names.Count][];
        for (var j = 0; j < columns.Length; j++)
        {
            columns[j] = GC.AllocateUninitializedArray<sbyte>(rows);
            stream.ReadExactly(MemoryMarshal.AsBytes(columns[j].AsSpan()));
            CheckVotes(path, names[j], columns[j], classes, 0);
        }

        return LabelMatrix.FromColumns(rows, classes, names, columns);
    }

    private static (int Rows, int Classes, IReadOnlyList<string> Names) ReadHeader(FileStream stream, string path)
    {
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

        return (rows, classes, names);
    }

    private static void CheckVotes(string path, string program, sbyte[] column, int classes, int firstRow)
    {
        var bad = column.AsSpan().IndexOfAnyExceptInRange(LabelMatrix.Abstain, (sbyte)(classes - 1));
        if (bad >= 0)
        {
            throw new InvalidDataException($"{path}: program '{program}' has vote {column[bad]} at row {firstRow + bad}, outside -1..{classes - 1}");
        }
    }
}
