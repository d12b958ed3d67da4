using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// Messages between the engine and a worker over one stream socket. Every frame is [int32 length][byte type][payload],
/// little-endian. Row batches travel column by column (UTF-16 characters plus offsets per text field, raw doubles per numeric
/// field) and votes come back as one sbyte column per program and batch, so no message holds an object per row.
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>Engine to worker: [int count] then per program [int index][string name][string kind][bytes payload].</summary>
    public const byte Load = 1;

    /// <summary>
    /// Engine to worker: [long batch][long firstRow][int rows][int textFields] per field [string name][int[rows+1] offsets]
    /// [int chars][UTF-16 chars]; [int numberFields] per field [string name][double[rows]]; [int programs] [int index]...
    /// </summary>
    public const byte Batch = 2;

    /// <summary>Engine to worker: finish and exit.</summary>
    public const byte Quit = 3;

    /// <summary>Engine to worker: answer <see cref="Drained"/> (the end of a run; the worker stays for the next one).</summary>
    public const byte Drain = 4;

    /// <summary>Worker to engine: [int count] per program [int index][string? error]; then [long cpuTicks].</summary>
    public const byte Loaded = 10;

    /// <summary>
    /// Worker to engine: [long batch][int program][int rows][int errors][int budget][long firstFaultRow][string? firstFault]
    /// [string? disableReason][long elapsedTicks][long workerCpuTicks][sbyte[rows] votes].
    /// </summary>
    public const byte Votes = 11;

    /// <summary>
    /// Worker to engine: everything sent before the <see cref="Drain"/> has been answered; [int count] per program whose
    /// static state changed [int index][string reason].
    /// </summary>
    public const byte Drained = 12;

    /// <summary>Worker to engine, first: the walls it raised around itself (<see cref="SandboxWalls"/>).</summary>
    public const byte Hello = 13;

    /// <summary>
    /// Worker to engine: [long batch]: the batch is decoded and its first program starts. A worker that dies on a batch it
    /// never started died of the rows themselves (too large to decode under its heap cap), whichever program was next.
    /// </summary>
    public const byte Started = 14;

    /// <summary>
    /// Engine to compiler process: [long id][string name][string source][byte instrument][bytes signature (as a worker's
    /// program image holds it)][long maxBytes][int maxNesting][int maxSyntaxDepth].
    /// </summary>
    public const byte Compile = 20;

    /// <summary>
    /// Compiler process to engine: [long id][long elapsedTicks][int diagnostics] per diagnostic [byte stage][int line]
    /// [int column][string message]; then [bytes image][string entryType] when it compiled (an empty image otherwise).
    /// </summary>
    public const byte Compiled = 21;

    /// <summary>Engine to a walled process (<see cref="WalledProcess"/>): [bytes request].</summary>
    public const byte Request = 30;

    /// <summary>Walled process to engine: [bytes answer], one per request, in order.</summary>
    public const byte Answer = 31;

    /// <summary>Frames above this size are refused (a corrupt or hostile length).</summary>
    public const int MaxFrameBytes = 1 << 30;

    /// <summary>The largest answer a worker sends: one batch's votes (at most 1 Mi rows) and a few bounded messages.</summary>
    public const int MaxAnswerBytes = 16 << 20;
}

/// <summary>Builds one frame in a reusable buffer.</summary>
internal sealed class FrameWriter
{
    private byte[] _buffer = new byte[1 << 16];
    private int _length;

    public void Begin(byte type)
    {
        _length = 4;
        WriteByte(type);
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteInt(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteLong(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt(-1);
            return;
        }

        Ensure(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 4));
        WriteInt(written);
        _length += written;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteInt(bytes.Length);
        WriteRaw(bytes);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>
    /// Writes texts as [int[count+1] char offsets][int total chars][UTF-16 chars]; a null text's offset is stored
    /// complemented (negative), so it arrives as null. UTF-16 is
    /// what a string holds, so both ends copy memory instead of transcoding, and any text (lone surrogates included)
    /// arrives exactly as it was.
    /// </summary>
    public void WriteTexts(ReadOnlySpan<string> texts)
    {
        var total = 0L;
        foreach (var text in texts)
        {
            total += text?.Length ?? 0;
        }

        if (total > (WorkerProtocol.MaxFrameBytes / sizeof(char)))
        {
            throw new InvalidOperationException($"a batch of {texts.Length} rows holds {total} characters, too many for one message; use smaller batches");
        }

        Ensure((4 * (texts.Length + 2)) + (sizeof(char) * (int)total));
        var offsets = MemoryMarshal.Cast<byte, int>(_buffer.AsSpan(_length, 4 * (texts.Length + 1)));
        _length += 4 * (texts.Length + 1);
        WriteInt((int)total);
        var chars = MemoryMarshal.Cast<byte, char>(_buffer.AsSpan(_length, sizeof(char) * (int)total));
        var position = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            var text = texts[i];
            offsets[i] = text is null ? ~position : position;
            if (!string.IsNullOrEmpty(text))
            {
                text.CopyTo(chars[position..]);
                position += text.Length;
            }
        }

        offsets[texts.Length] = position;
        _length += sizeof(char) * position;
    }

    public void WriteDoubles(ReadOnlySpan<double> values) => WriteRaw(MemoryMarshal.AsBytes(values));

    public void WriteVotes(ReadOnlySpan<sbyte> votes) => WriteRaw(MemoryMarshal.AsBytes(votes));

    /// <summary>Sends the frame built since <see cref="Begin"/>.</summary>
    public void SendTo(Stream stream)
    {
        if (_length - 4 > WorkerProtocol.MaxFrameBytes)
        {
            throw new InvalidOperationException(
                $"a message of {_length - 4L} bytes is larger than the {WorkerProtocol.MaxFrameBytes} bytes a worker accepts; apply with smaller batches");
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer, _length - 4);
        stream.Write(_buffer, 0, _length);
    }

    private void Ensure(int more)
    {
        var needed = (long)_length + more;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"a message would need {needed} bytes, more than one buffer holds; apply with smaller batches");
        }

        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(needed, _buffer.Length * 2L)));
        }
    }
}

/// <summary>
/// Reads one frame at a time into a reusable buffer and hands out its fields in order. Frames longer than
/// <paramref name="maxFrameBytes"/> are refused: the engine reads a worker's answers with a small limit, so a worker that
/// lies about a frame's length cannot make it allocate a gigabyte.
/// </summary>
internal sealed class FrameReader(Stream stream, int maxFrameBytes = WorkerProtocol.MaxFrameBytes)
{
    private byte[] _buffer = new byte[1 << 16];
    private int _length;
    private int _position;

    /// <summary>Reads the next frame and returns its type, or null at a clean end of the stream.</summary>
    public byte? Next()
    {
        Span<byte> header = stackalloc byte[4];
        var got = 0;
        while (got < 4)
        {
            var read = stream.Read(header[got..]);
            if (read == 0)
            {
                return got == 0 ? null : throw new EndOfStreamException("the stream ended inside a frame header");
            }

            got += read;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 1 || length > maxFrameBytes)
        {
            throw new InvalidDataException($"frame length {length} is out of range");
        }

        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        stream.ReadExactly(_buffer, 0, length);
        _length = length;
        _position = 1;
        return _buffer[0];
    }

    public byte ReadByte() => Take(1)[0];

    public int ReadInt() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadLong() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public string? ReadString()
    {
        var length = ReadInt();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public byte[] ReadBytes() => Take(ReadInt()).ToArray();

    public ReadOnlySpan<byte> ReadRaw(int length) => Take(length);

    /// <summary>Reads what <see cref="FrameWriter.WriteTexts"/> wrote into <paramref name="texts"/> (one string per non-empty text).</summary>
    public void ReadTexts(Span<string> texts)
    {
        var offsets = MemoryMarshal.Cast<byte, int>(Take(4 * (texts.Length + 1)));
        var total = ReadInt();
        if (total < 0 || total > WorkerProtocol.MaxFrameBytes / sizeof(char))
        {
            throw new InvalidDataException($"a text column claims {total} characters");
        }

        var chars = MemoryMarshal.Cast<byte, char>(Take(sizeof(char) * total));
        for (var i = 0; i < texts.Length; i++)
        {
            var isNull = offsets[i] < 0;
            var start = isNull ? ~offsets[i] : offsets[i];
            var end = offsets[i + 1] < 0 ? ~offsets[i + 1] : offsets[i + 1];
            if (end < start || end > chars.Length || (isNull && end != start))
            {
                throw new InvalidDataException($"text {i} of a batch has offsets {start}..{end} outside its {chars.Length} characters");
            }

            texts[i] = isNull ? null! : end == start ? string.Empty : new string(chars[start..end]);
        }
    }

    public void ReadDoubles(Span<double> values) => Take(sizeof(double) * values.Length).CopyTo(MemoryMarshal.AsBytes(values));

    public Span<sbyte> ReadVotes(int count) => MemoryMarshal.Cast<byte, sbyte>(TakeWritable(count));

    private ReadOnlySpan<byte> Take(int count) => TakeWritable(count);

    private Span<byte> TakeWritable(int count)
    {
        if (count < 0 || _position + count > _length)
        {
            throw new InvalidDataException($"frame is shorter than its fields ({count} bytes wanted at {_position} of {_length})");
        }

        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }
}
