using System.Globalization;
using System.Text.Json;

namespace Alchemist.Data;

/// <summary>
/// A JSON Lines file: one JSON object per line, read in batches. Fields are picked by name through a <see cref="FieldMap"/>;
/// other properties are ignored. A missing or null label means no label; a missing or null number reads as NaN.
/// </summary>
public sealed class JsonlSource : IDataSource, IFieldMapped
{
    public JsonlSource(string path, FieldMap fields)
    {
        fields.Validate();
        Path = path;
        Fields = fields;
    }

    public string Path { get; }

    public string Format => "jsonl";

    public FieldMap Fields { get; }

    public IReadOnlyList<string>? ClassNames => Fields.ClassNames;

    public string ContentHash() => Data.ContentHash.OfFile(Path, $"jsonl;{Fields.Describe()}");

    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!File.Exists(Path))
        {
            throw new DataFormatException(Path, "file not found");
        }

        using var reader = new Utf8LineReader(Path);
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
                throw Utf8Check.Error(Path, line);
            }

            if (Fields.LabelField is not null || !TryReadPlainLine(bytes.Span, row, builder))
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

    /// <summary>
    /// Reads a well-formed line whose fields all have the kinds they should, straight from its bytes, and returns false for
    /// anything else (a missing field, a wrong kind, malformed JSON), which <see cref="ParseLine"/> then reads again and
    /// reports. Building a <see cref="JsonDocument"/> for every line was the slowest stage of `predict` (362,000 rows/s).
    /// Lines with a label always go through <see cref="ParseLine"/>: labels are read from training files, not at scale.
    /// </summary>
    private bool TryReadPlainLine(ReadOnlySpan<byte> text, long row, DataBatchBuilder builder)
    {
        var texts = new string?[Fields.TextFields.Count];
        var numbers = new double[Fields.NumberFields.Count];
        numbers.AsSpan().Fill(double.NaN);
        string? id = null;
        try
        {
            var reader = new Utf8JsonReader(text);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == Fields.IdField)
                {
                    id = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                        _ => null,
                    };
                    if (id is null)
                    {
                        return false;
                    }
                }
                else if (IndexOf(Fields.TextFields, name) is var textField and >= 0)
                {
                    texts[textField] = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Null => string.Empty,
                        _ => null,
                    };
                    if (texts[textField] is null)
                    {
                        return false;
                    }
                }
                else if (IndexOf(Fields.NumberFields, name) is var numberField and >= 0)
                {
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var number))
                    {
                        numbers[numberField] = number;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || Array.IndexOf(texts, null) >= 0 || (Fields.IdField is not null && id is null))
            {
                return false;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }

        var index = builder.AddRow(id ?? row.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < texts.Length; i++)
        {
            builder.TextColumn(i)[index] = texts[i]!;
        }

        for (var i = 0; i < numbers.Length; i++)
        {
            builder.NumberColumn(i)[index] = numbers[i];
        }

        return true;
    }

    private static int IndexOf(IReadOnlyList<string> names, string? name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
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
}
