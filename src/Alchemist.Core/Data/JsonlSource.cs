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

            ParseLine(bytes, line, row, builder);
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
}
