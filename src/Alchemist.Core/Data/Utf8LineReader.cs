using System.Runtime.CompilerServices;
namespace Alchemist.Data;

/// <summary>
/// Reads a file line by line as UTF-8 bytes, with no decoding to strings, so that a JSON line is parsed from its bytes
/// (<see cref="JsonlSource"/>) rather than decoded to UTF-16 for the parser to encode back. Lines end at \n, with a \r before
/// it dropped; a byte order mark at the start is skipped.
/// </summary>
internal sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _atEnd;
    private bool _started;

    public Utf8LineReader(string path) =>
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

    /// <summary>The next line's bytes (valid until the next call), or false at the end of the file.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = Trim(_start, newline);
                _start += newline + 1;
                return true;
            }

            if (_atEnd)
            {
                if (_start < _end)
                {
                    line = Trim(_start, _end - _start);
                    _start = _end;
                    return true;
                }

                line = default;
                return false;
            }

            Fill();
        }
    }

    public void Dispose() => _stream.Dispose();

    private ReadOnlyMemory<byte> Trim(int start, int length)
    {
        if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
        {
            length--;
        }

        return _buffer.AsMemory(start, length);
    }

    /// <summary>Moves the partial line to the front, grows the buffer when the line fills it, and reads more.</summary>
    private void Fill()
    {
        var pending = _end - _start;
        if (pending == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        }

        _start = 0;
        _end = pending;
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += read;
        _atEnd = read == 0;
        // A file's first read returns all it asks for unless the file is shorter, so a byte order mark is whole in it.
        if (!_started && _end >= 3 && _buffer.AsSpan(0, 3).SequenceEqual("\uFEFF"u8))
        {
            _start = 3;
        }

        _started = true;
    }
}
