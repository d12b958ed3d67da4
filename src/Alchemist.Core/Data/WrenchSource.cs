using System.Text;
using System.Text.Json;

namespace Alchemist.Data;

/// <summary>
/// One split of a WRENCH folder (train.json, valid.json or test.json): a JSON object from row id to
/// <c>{"data": {...}, "label": k, "weak_labels": [...]}</c>. Fields of <c>data</c> become text fields (strings, or the raw
/// JSON of arrays and objects) and numeric fields (numbers); the first row decides which, and every row must have the same.
/// </summary>
public sealed class WrenchSource : IDataSource
{
    /// <summary>
    /// One WRENCH split file, labels read against <paramref name="classNames"/>; <see cref="Open"/> finds the file and its
    /// label.json.
    /// </summary>
    /// <param name="path">The split file (train.json, valid.json or test.json).</param>
    /// <param name="classNames">Class names in index order, as label.json gives them.</param>
    public WrenchSource(string path, IReadOnlyList<string> classNames)
    {
        Path = path;
        ClassNames = classNames;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public string Format => "wrench";

    /// <summary>Class names in index order, from the folder's label.json.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    IReadOnlyList<string>? IDataSource.ClassNames => ClassNames;

    /// <summary>The split file <paramref name="split"/>.json of a WRENCH folder, with class names from its label.json.</summary>
    public static WrenchSource Open(string folder, string split)
    {
        if (!Directory.Exists(folder))
        {
            throw new DataFormatException(folder, "folder not found");
        }

        var classes = ClassLabels.ReadLabelJson(System.IO.Path.Combine(folder, "label.json"));
        var path = System.IO.Path.Combine(folder, split + ".json");
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, $"file not found (a WRENCH folder has {string.Join(", ", SplitName.All.Select(s => s + ".json"))})");
        }

        return new WrenchSource(path, classes);
    }

    /// <summary>Reads invalid UTF-8 in a text as U+FFFD instead of failing with the file and row (<c>data.invalid_utf8: replace</c>).</summary>
    public bool ReplaceInvalidUtf8 { get; init; }

    /// <inheritdoc/>
    public string ContentHash() => Data.ContentHash.OfFile(Path, $"wrench;classes=[{string.Join(',', ClassNames)}]{(ReplaceInvalidUtf8 ? ";utf8=replace" : "")}");

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!File.Exists(Path))
        {
            throw new DataFormatException(Path, "file not found");
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var scanner = new JsonObjectScanner(stream, Path);
        RowParser? parser = null;
        DataBatchBuilder? builder = null;
        while (scanner.TryNext(out var id, out var value, out var line))
        {
            if (parser is null)
            {
                parser = RowParser.FromFirstRow(value.Span, Path, id, line, ClassNames);
                parser.ReplaceInvalidUtf8 = ReplaceInvalidUtf8;
                builder = new DataBatchBuilder(parser.TextFields, parser.NumberFields, parser.WeakPrograms, ClassNames.Count, batchSize);
            }

            parser.Parse(value.Span, id, line, builder!);
            if (builder!.IsFull)
            {
                yield return builder.Flush()!;
            }
        }

        if (builder?.Flush() is { } last)
        {
            yield return last;
        }
    }

    private sealed class RowParser
    {
        private readonly string _path;
        private readonly IReadOnlyList<string> _classes;
        private readonly Field[] _fields;
        private readonly int[] _seenInRow;
        private int _rowNumber;

        private RowParser(string path, IReadOnlyList<string> classes, Field[] fields, int weakPrograms)
        {
            _path = path;
            _classes = classes;
            _fields = fields;
            _seenInRow = new int[fields.Length];
            WeakPrograms = weakPrograms;
            TextFields = fields.Where(f => !f.IsNumber).Select(f => f.Name).ToArray();
            NumberFields = fields.Where(f => f.IsNumber).Select(f => f.Name).ToArray();
        }

        public string[] TextFields { get; }

        public bool ReplaceInvalidUtf8 { get; set; }

        public string[] NumberFields { get; }

        public int WeakPrograms { get; }

        public static RowParser FromFirstRow(ReadOnlySpan<byte> row, string path, string id, long line, IReadOnlyList<string> classes)
        {
            var fields = new List<Field>();
            var weakPrograms = 0;
            var reader = new Utf8JsonReader(row, isFinalBlock: true, default);
            ExpectObject(ref reader, path, id, line, null, "a row must be an object with 'data', 'label' and 'weak_labels'");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    ExpectObject(ref reader, path, id, line, "data", "'data' must be an object of named fields");
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var name = reader.GetString()!;
                        reader.Read();
                        var kind = reader.TokenType;
                        int textIndex = 0, numberIndex = 0;
                        foreach (var f in fields)
                        {
                            if (f.IsNumber)
                            {
                                numberIndex++;
                            }
                            else
                            {
                                textIndex++;
                            }
                        }

                        var isNumber = kind == JsonTokenType.Number;
                        fields.Add(new Field(name, Encoding.UTF8.GetBytes(name), isNumber, isNumber ? numberIndex : textIndex, fields.Count));
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("weak_labels"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            weakPrograms++;
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (fields.Count == 0)
            {
                throw new DataFormatException(path, "the first row has no fields under 'data', so there is nothing to label", line, id, "data");
            }

            return new RowParser(path, classes, [.. fields], weakPrograms);
        }

        public void Parse(ReadOnlySpan<byte> row, string id, long line, DataBatchBuilder builder)
        {
            _rowNumber++;
            var index = builder.AddRow(id);
            var sawData = false;
            var reader = new Utf8JsonReader(row, isFinalBlock: true, default);
            ExpectObject(ref reader, _path, id, line, null, "a row must be an object with 'data', 'label' and 'weak_labels'");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    ParseData(ref reader, id, line, builder, index);
                    sawData = true;
                }
                else if (reader.ValueTextEquals("label"u8))
                {
                    reader.Read();
                    builder.Labels[index] = ParseLabel(ref reader, id, line);
                }
                else if (reader.ValueTextEquals("weak_labels"u8))
                {
                    reader.Read();
                    ParseWeakLabels(ref reader, id, line, builder, index);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!sawData)
            {
                throw new DataFormatException(_path, "the row has no 'data' object", line, id, "data");
            }
        }

        private void ParseData(ref Utf8JsonReader reader, string id, long line, DataBatchBuilder builder, int index)
        {
            ExpectObject(ref reader, _path, id, line, "data", "'data' must be an object of named fields");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Find(ref reader);
                if (field is null)
                {
                    throw new DataFormatException(
                        _path,
                        $"field is not in the first row, whose fields are {string.Join(", ", _fields.Select(f => $"'{f.Name}'"))}",
                        line,
                        id,
                        "data." + reader.GetString());
                }

                if (_seenInRow[field.Value.Position] == _rowNumber)
                {
                    throw new DataFormatException(_path, "field appears twice", line, id, "data." + field.Value.Name);
                }

                _seenInRow[field.Value.Position] = _rowNumber;
                reader.Read();
                var f = field.Value;
                if (f.IsNumber)
                {
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var number))
                    {
                        throw new DataFormatException(_path, $"expected a number (as in the first row), found {reader.TokenType}", line, id, "data." + f.Name);
                    }

                    builder.NumberColumn(f.Column)[index] = number;
                }
                else
                {
                    builder.TextColumn(f.Column)[index] = reader.TokenType switch
                    {
                        JsonTokenType.String => TextOf(ref reader, id, line, f.Name),
                        JsonTokenType.Null => string.Empty,
                        JsonTokenType.StartArray or JsonTokenType.StartObject => RawJson(ref reader),

                        // A text field whose first value was a string or null may hold numbers and booleans later: keep their text.
                        _ => Encoding.UTF8.GetString(reader.ValueSpan),
                    };
                }
            }

            foreach (var f in _fields)
            {
                if (_seenInRow[f.Position] != _rowNumber)
                {
                    throw new DataFormatException(_path, "field is missing (the first row has it)", line, id, "data." + f.Name);
                }
            }
        }

        private int ParseLabel(ref Utf8JsonReader reader, string id, long line)
        {
            string? problem;
            int? label;
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return DataBatch.NoLabel;
                case JsonTokenType.Number when reader.TryGetInt64(out var number):
                    label = ClassLabels.CheckIndex(number, _classes, out problem);
                    break;
                case JsonTokenType.String:
                    label = ClassLabels.TryParse(reader.GetString(), _classes, out problem);
                    break;
                default:
                    label = null;
                    problem = $"expected a class index, found {reader.TokenType} {Describe(ref reader)}";
                    reader.Skip();
                    break;
            }

            return label ?? throw new DataFormatException(_path, problem!, line, id, "label");
        }

        private void ParseWeakLabels(ref Utf8JsonReader reader, string id, long line, DataBatchBuilder builder, int index)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new DataFormatException(_path, $"expected an array of votes, found {reader.TokenType}", line, id, "weak_labels");
            }

            var j = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (j >= WeakPrograms)
                {
                    throw new DataFormatException(_path, $"has more than the {WeakPrograms} votes of the first row", line, id, "weak_labels");
                }

                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var vote)
                    || ClassLabels.CheckIndex(vote, _classes, out var problem) is not { } checkedVote)
                {
                    var what = reader.TokenType == JsonTokenType.Number ? Describe(ref reader) : reader.TokenType.ToString();
                    throw new DataFormatException(_path, $"vote {j} is {what}, not -1 (abstain) or a class index 0..{_classes.Count - 1}", line, id, "weak_labels");
                }

                builder.WeakColumn(j)[index] = (sbyte)checkedVote;
                j++;
            }

            if (j != WeakPrograms)
            {
                throw new DataFormatException(_path, $"has {j} votes, the first row has {WeakPrograms}", line, id, "weak_labels");
            }
        }

        private Field? Find(ref Utf8JsonReader reader)
        {
            foreach (var f in _fields)
            {
                if (reader.ValueTextEquals(f.Utf8Name))
                {
                    return f;
                }
            }

            return null;
        }

        /// <summary>A string value; invalid UTF-8 in it is a data error naming the row, never a crash or a silent U+FFFD.</summary>
        private string TextOf(ref Utf8JsonReader reader, string id, long line, string field)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException e)
            {
                return ReplaceInvalidUtf8 ? Lenient(ref reader) : throw new DataFormatException(_path, "not valid UTF-8 (save the file as UTF-8)", line, id, "data." + field, e);
            }
        }

        /// <summary>
        /// The string with each invalid UTF-8 sequence read as U+FFFD. Its raw bytes are still JSON-escaped, so, decoded
        /// leniently and quoted again, they parse as a JSON string whatever escapes they hold.
        /// </summary>
        private static string Lenient(ref Utf8JsonReader reader)
        {
            var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
            return JsonSerializer.Deserialize<string>("\"" + Encoding.UTF8.GetString(raw) + "\"")!;
        }

        private static string RawJson(ref Utf8JsonReader reader)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.GetRawText();
        }

        private static string Describe(ref Utf8JsonReader reader) =>
            reader.TokenType is JsonTokenType.Number or JsonTokenType.String
                ? Encoding.UTF8.GetString(reader.ValueSpan)
                : reader.TokenType.ToString();

        private static void ExpectObject(ref Utf8JsonReader reader, string path, string id, long line, string? field, string problem)
        {
            if (reader.TokenType == JsonTokenType.None)
            {
                reader.Read();
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new DataFormatException(path, problem + $", found {reader.TokenType}", line, id, field);
            }
        }
    }

    /// <param name="Name">The field's name in <c>data</c>.</param>
    /// <param name="Utf8Name">The name as UTF-8 bytes, to match property names without decoding them.</param>
    /// <param name="IsNumber">Whether the field holds numbers rather than text.</param>
    /// <param name="Column">Index among the text fields, or among the numeric fields.</param>
    /// <param name="Position">Index among all fields.</param>
    private readonly record struct Field(string Name, byte[] Utf8Name, bool IsNumber, int Column, int Position);
}
