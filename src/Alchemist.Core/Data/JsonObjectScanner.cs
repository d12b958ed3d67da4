using System.Text.Json;

namespace Alchemist.Data;

/// <summary>
/// Walks the members of one top-level JSON object (a WRENCH split: row id -> row) from a stream without loading the file:
/// it keeps a buffer that holds at least one whole member and hands out each member's value bytes in turn.
/// </summary>
internal sealed class JsonObjectScanner
{
    private readonly Stream _stream;
    private readonly string _path;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _begun;
    private bool _done;
    private bool _bomChecked;
    private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
    private long _lineAtStart = 1;

    public JsonObjectScanner(Stream stream, string path)
    {
        _stream = stream;
        _path = path;
    }

    /// <summary>
    /// Moves to the next member. <paramref name="value"/> stays valid until the next call; <paramref name="line"/> is the
    /// 1-based line where the value starts.
    /// </summary>
    public bool TryNext(out string key, out ReadOnlyMemory<byte> value, out long line)
    {
        key = string.Empty;
        value = default;
        line = _lineAtStart;
        while (!_done)
        {
            if (!_bomChecked && (_end >= 3 || _eof))
            {
                _bomChecked = true;
                if (_buffer.AsSpan(0, _end).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
                {
                    _start = 3;
                }
            }

            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, _state);
            try
            {
                if (!_begun)
                {
                    if (!reader.Read())
                    {
                        Refill("the file is empty");
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new DataFormatException(_path, $"a WRENCH split must be a JSON object from row id to row, found {reader.TokenType}", line: _lineAtStart);
                    }

                    _begun = true;
                    Advance(ref reader);
                    continue;
                }

                if (!reader.Read())
                {
                    Refill("the file ends before the object that holds the rows is closed");
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    _done = true;
                    return false;
                }

                key = reader.GetString()!;
                if (!reader.Read())
                {
                    Refill($"the file ends inside row '{key}'");
                    continue;
                }

                var valueStart = (int)reader.TokenStartIndex;
                if (!reader.TrySkip())
                {
                    Refill($"the file ends inside row '{key}'");
                    continue;
                }

                var valueEnd = (int)reader.BytesConsumed;
                line = _lineAtStart + _buffer.AsSpan(_start, valueStart).Count((byte)'\n');
                value = _buffer.AsMemory(_start + valueStart, valueEnd - valueStart);
                Advance(ref reader);
                return true;
            }
            catch (JsonException e)
            {
                var at = e.LineNumber is { } zeroBased ? zeroBased + 1 : _lineAtStart;
                throw new DataFormatException(_path, DataFormatException.NotValidJson(e, positionIsInLine: false), line: at, rowId: key.Length > 0 ? key : null, inner: e);
            }
        }

        return false;
    }

    private void Advance(ref Utf8JsonReader reader)
    {
        var consumed = (int)reader.BytesConsumed;
        _lineAtStart += _buffer.AsSpan(_start, consumed).Count((byte)'\n');
        _start += consumed;
        _state = reader.CurrentState;
    }

    private void Refill(string problemAtEnd)
    {
        if (_eof)
        {
            throw new DataFormatException(_path, problemAtEnd, line: _lineAtStart);
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, checked(_buffer.Length * 2));
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
