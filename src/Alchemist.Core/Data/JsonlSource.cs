using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Alchemist.Data;

/// <summary>
/// A JSON Lines file: one JSON object per line, read in batches. Fields are picked by name through a <see cref="FieldMap"/>;
/// other properties are ignored. A missing or null label means no label; a missing or null number reads as NaN.
/// </summary>
public sealed class JsonlSource : IDataSource, IFieldMapped
{
    /// <summary>
    /// A JSON Lines file read through <paramref name="fields"/>; nothing is read until <see cref="ReadBatches"/>.
    /// </summary>
    /// <param name="path">The file, one JSON object per line.</param>
    /// <param name="fields">Which properties hold texts, numbers, label and row id.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="fields"/> names no text or numeric field, or names a field twice.
    /// </exception>
    public JsonlSource(string path, FieldMap fields)
    {
        fields.Validate();
        Path = path;
        Fields = fields;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public string Format => "jsonl";

    /// <summary>Which fields of each row are read, and as what.</summary>
    public FieldMap Fields { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string>? ClassNames => Fields.ClassNames;

    /// <inheritdoc/>
    public string ContentHash() => Data.ContentHash.OfFile(Path, $"jsonl;{Fields.Describe()}");

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!File.Exists(Path))
        {
            throw new DataFormatException(Path, "file not found");
        }

        using var reader = new Utf8LineReader(Path);
        var scanner = new LineScanner(Fields);
        var builder = new DataBatchBuilder(Fields.TextFields, Fields.NumberFields, 0, 0, batchSize);
        long line = 0;
        long row = 0;
        while (reader.TryReadLine(out var bytes))
        {
            line++;
            if (IsBlank(bytes.Span))
            {
                continue;
            }

            if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            {
                bytes = Fields.ReplaceInvalidUtf8 ? Utf8Check.Replaced(bytes.Span) : throw Utf8Check.Error(Path, line);
            }

            if (!scanner.TryRead(bytes.Span, row, builder))
            {
                ParseLine(bytes, line, row, builder);
            }

            row++;
            if (builder.IsFull)
            {
                yield return builder.Flush()!;
            }
        }

        if (builder.Flush() is { } last)
        {
            yield return last;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r\f\v"u8) < 0;

    private void ParseLine(ReadOnlyMemory<byte> text, long line, long row, DataBatchBuilder builder)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(Path, DataFormatException.NotValidJson(e, positionIsInLine: true), line, inner: e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException(Path, $"each line must be a JSON object, found {root.ValueKind}", line);
            }

            var id = row.ToString(CultureInfo.InvariantCulture);
            if (Fields.IdField is not null)
            {
                id = root.TryGetProperty(Fields.IdField, out var idValue) && idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
                    ? idValue.ValueKind == JsonValueKind.String ? idValue.GetString()! : idValue.GetRawText()
                    : throw new DataFormatException(Path, "missing, or not a string or number", line, field: Fields.IdField);
            }

            var index = builder.AddRow(id);
            for (var i = 0; i < Fields.TextFields.Count; i++)
            {
                var name = Fields.TextFields[i];
                if (!root.TryGetProperty(name, out var value))
                {
                    throw new DataFormatException(Path, $"missing; the line has {Describe(root)}", line, id, name);
                }

                builder.TextColumn(i)[index] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.Null => string.Empty,
                    _ => throw new DataFormatException(Path, $"expected a string, found {value.ValueKind}", line, id, name),
                };
            }

            for (var i = 0; i < Fields.NumberFields.Count; i++)
            {
                var name = Fields.NumberFields[i];
                builder.NumberColumn(i)[index] = !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null
                    ? double.NaN
                    : value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
                        ? number
                        : value.ValueKind == JsonValueKind.String
                          && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                            ? parsed
                            : throw new DataFormatException(Path, $"expected a number, found {value.GetRawText()}", line, id, name);
            }

            if (Fields.LabelField is { } labelField && root.TryGetProperty(labelField, out var label))
            {
                builder.Labels[index] = ParseLabel(label, out var problem)
                    ?? throw new DataFormatException(Path, problem!, line, id, labelField);
            }
        }
    }

    private int? ParseLabel(JsonElement label, out string? problem)
    {
        switch (label.ValueKind)
        {
            case JsonValueKind.Null:
                problem = null;
                return DataBatch.NoLabel;
            case JsonValueKind.Number when label.TryGetInt64(out var k):
                return ClassLabels.CheckIndex(k, Fields.ClassNames, out problem);
            case JsonValueKind.String:
                return ClassLabels.TryParse(label.GetString(), Fields.ClassNames, out problem);
            default:
                problem = $"expected a class index or class name, found {label.GetRawText()}";
                return null;
        }
    }

    private static string Describe(JsonElement root)
    {
        var names = root.EnumerateObject().Select(p => $"'{p.Name}'").ToList();
        return names.Count == 0 ? "no fields" : "fields " + string.Join(", ", names);
    }

    /// <summary>
    /// Reads a well-formed line whose fields all have the kinds they should straight from its bytes, and declines anything
    /// else (a missing field, a wrong kind, a label that is not a class, malformed JSON), which <see cref="ParseLine"/> then
    /// reads again and reports: the errors are worded in one place. Building a <see cref="JsonDocument"/> for every line was
    /// the slowest stage of `predict` (362,000 rows/s). One scanner serves a whole file, so a line allocates only its values.
    /// </summary>
    private sealed class LineScanner(FieldMap fields)
    {
        private readonly byte[] _id = fields.IdField is null ? [] : Encoding.UTF8.GetBytes(fields.IdField);
        private readonly byte[] _label = fields.LabelField is null ? [] : Encoding.UTF8.GetBytes(fields.LabelField);
        private readonly byte[][] _textNames = [.. fields.TextFields.Select(Encoding.UTF8.GetBytes)];
        private readonly byte[][] _numberNames = [.. fields.NumberFields.Select(Encoding.UTF8.GetBytes)];
        private readonly string?[] _texts = new string?[fields.TextFields.Count];
        private readonly double[] _numbers = new double[fields.NumberFields.Count];

        /// <summary>Adds the line's row to <paramref name="builder"/>, or returns false having added nothing.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool TryRead(ReadOnlySpan<byte> line, long row, DataBatchBuilder builder)
        {
            Array.Clear(_texts);
            _numbers.AsSpan().Fill(double.NaN);
            string? id = null;
            var label = DataBatch.NoLabel;
            try
            {
                var reader = new Utf8JsonReader(line);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                // A property named twice counts once, by its last value, as JsonElement.TryGetProperty reads it.
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (fields.IdField is not null && reader.ValueTextEquals(_id))
                    {
                        reader.Read();
                        id = reader.TokenType switch
                        {
                            JsonTokenType.String => reader.GetString(),
                            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                            _ => null,
                        };
                        if (id is null)
                        {
                            return false;
                        }
                    }
                    else if (fields.LabelField is not null && reader.ValueTextEquals(_label))
                    {
                        reader.Read();
                        if (ReadLabel(ref reader) is not { } parsed)
                        {
                            return false;
                        }

                        label = parsed;
                    }
                    else if (IndexOf(_textNames, ref reader) is var text and >= 0)
                    {
                        reader.Read();
                        _texts[text] = reader.TokenType switch
                        {
                            JsonTokenType.String => reader.GetString(),
                            JsonTokenType.Null => string.Empty,
                            _ => null,
                        };
                        if (_texts[text] is null)
                        {
                            return false;
                        }
                    }
                    else if (IndexOf(_numberNames, ref reader) is var number and >= 0)
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value))
                        {
                            _numbers[number] = value;
                        }
                        else if (reader.TokenType == JsonTokenType.Null)
                        {
                            _numbers[number] = double.NaN;
                        }
                        else
                        {
                            return false;
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || Array.IndexOf(_texts, null) >= 0 || (fields.IdField is not null && id is null))
                {
                    return false;
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return false;
            }

            var index = builder.AddRow(id ?? row.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < _texts.Length; i++)
            {
                builder.TextColumn(i)[index] = _texts[i]!;
            }

            for (var i = 0; i < _numbers.Length; i++)
            {
                builder.NumberColumn(i)[index] = _numbers[i];
            }

            builder.Labels[index] = label;
            return true;
        }

        /// <summary>The class of a label value (null: no label), or null where <see cref="ParseLabel"/> would find a problem to report.</summary>
        private int? ReadLabel(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.Null => DataBatch.NoLabel,
            JsonTokenType.Number when reader.TryGetInt64(out var index) => ClassLabels.CheckIndex(index, fields.ClassNames, out _),
            JsonTokenType.String => ClassLabels.TryParse(reader.GetString(), fields.ClassNames, out _),
            _ => null,
        };

        private static int IndexOf(byte[][] names, ref Utf8JsonReader reader)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (reader.ValueTextEquals(names[i]))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
