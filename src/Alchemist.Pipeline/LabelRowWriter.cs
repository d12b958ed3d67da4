using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;

namespace Alchemist.Pipeline;

/// <summary>The file formats labels are written in.</summary>
public enum LabelFileFormat
{
    /// <summary>Comma-separated values with a header row: id, label, then p_&lt;class&gt; per class.</summary>
    Csv,
    /// <summary>One JSON object per line: id, label and a probabilities object by class name.</summary>
    Jsonl,

    /// <summary>Apache Parquet: the CSV's columns (split, id and label as strings, p_&lt;class&gt; as floats), in row groups.</summary>
    Parquet,
}

/// <summary>
/// Writes labeled rows, one per line, as CSV (CsvHelper quotes what needs quoting), JSON lines or Parquet (columns of
/// <see cref="ParquetRows"/> rows at a time, in row groups): the split when there is one,
/// the row's id, its label, each class's probability to 5 decimals and, when asked, the programs that voted and how. `run`
/// writes its labels and `predict` its predictions through this, so both files read alike.
/// </summary>
internal sealed class LabelRowWriter : IDisposable
{
    private const string ProbabilityFormat = "0.#####";

    private readonly Stream _stream;
    private readonly CsvWriter? _csv;
    private readonly Utf8JsonWriter? _json;
    private readonly IReadOnlyList<string> _classNames;

    // Property names encoded once: encoding and escape-checking them again for each of millions of rows cost predict's writer.
    private static readonly JsonEncodedText SplitName = JsonEncodedText.Encode("split");
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText LabelName = JsonEncodedText.Encode("label");
    private static readonly JsonEncodedText ProbabilitiesName = JsonEncodedText.Encode("probabilities");
    private static readonly JsonEncodedText VotesName = JsonEncodedText.Encode("votes");
    private readonly JsonEncodedText[] _jsonClassNames;
    private readonly bool _withSplit;
    private readonly bool _withVotes;
    private readonly ParquetLabels? _parquet;

    /// <summary>Writes to <paramref name="stream"/>, which stays open; CSV starts with its header row.</summary>
    public LabelRowWriter(Stream stream, LabelFileFormat format, IReadOnlyList<string> classNames, bool withSplit, bool withVotes)
    {
        _stream = stream;
        _classNames = classNames;
        _withSplit = withSplit;
        _withVotes = withVotes;
        _jsonClassNames = [.. classNames.Select(c => JsonEncodedText.Encode(c))];
        if (format == LabelFileFormat.Parquet)
        {
            _parquet = new ParquetLabels(stream, classNames, withSplit, withVotes);
            return;
        }

        if (format == LabelFileFormat.Jsonl)
        {
            _json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true });
            return;
        }

        _csv = CsvWriter.Create(stream, CsvWriterOptions.Default with { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: true);
        string[] header = [.. withSplit ? ["split"] : Array.Empty<string>(), "id", "label", .. classNames.Select(c => "p_" + c), .. withVotes ? ["votes"] : Array.Empty<string>()];
        _csv.WriteRecord(header);
    }

    /// <summary>One row: <paramref name="votes"/> are (program, class) pairs, written only when the writer was made with votes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(string? split, string id, int label, ReadOnlySpan<float> probabilities, IReadOnlyList<(string Program, string Class)>? votes = null)
    {
        if (_parquet is not null)
        {
            _parquet.Add(split, id, _classNames[label], probabilities, votes);
            return;
        }

        if (_csv is not null)
        {
            if (_withSplit)
            {
                _csv.WriteField(split);
            }

            _csv.WriteField(id);
            _csv.WriteField(_classNames[label]);
            foreach (var probability in probabilities)
            {
                // Rounded as the JSON lines and Parquet columns round it: formatted as a float, 0.951805 (the float nearest
                // 0.95180499...) read 0.95181 here and 0.9518 there.
                _csv.WriteField(Math.Round((double)probability, 5), ProbabilityFormat, CultureInfo.InvariantCulture);
            }

            if (_withVotes)
            {
                _csv.WriteField(votes is null ? string.Empty : string.Join(';', votes.Select(v => $"{v.Program}={v.Class}")));
            }

            _csv.EndRecord();
            return;
        }

        var json = _json!;
        json.WriteStartObject();
        if (_withSplit)
        {
            json.WriteString(SplitName, split);
        }

        json.WriteString(IdName, id);
        json.WriteString(LabelName, _jsonClassNames[label]);
        json.WriteStartObject(ProbabilitiesName);
        for (var c = 0; c < probabilities.Length; c++)
        {
            json.WriteNumber(_jsonClassNames[c], Math.Round(probabilities[c], 5));
        }

        json.WriteEndObject();
        if (_withVotes)
        {
            json.WriteStartObject(VotesName);
            foreach (var (program, vote) in votes ?? [])
            {
                json.WriteString(program, vote);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.Flush();
        json.Reset();
        _stream.WriteByte((byte)'\n');
    }

    /// <summary>Rows per Parquet row group: large enough for columnar compression, small enough to hold while they gather.</summary>
    public const int ParquetRows = 65_536;

    public void Dispose()
    {
        _parquet?.Dispose();
        _csv?.Dispose();
        _json?.Dispose();
        _stream.Flush();
    }
}

/// <summary>Label rows gathered by column and written as a Parquet row group every <see cref="LabelRowWriter.ParquetRows"/> rows.</summary>
internal sealed class ParquetLabels : IDisposable
{
    private readonly Parquet.Schema.DataField<string> _split = new("split");
    private readonly Parquet.Schema.DataField<string> _id = new("id");
    private readonly Parquet.Schema.DataField<string> _label = new("label");
    private readonly Parquet.Schema.DataField<float>[] _probabilities;
    private readonly Parquet.Schema.DataField<string> _votes = new("votes");
    private readonly bool _withSplit;
    private readonly bool _withVotes;
    private readonly Parquet.ParquetWriter _writer;
    private readonly List<string?> _splits = [];
    private readonly List<string?> _ids = [];
    private readonly List<string?> _labels = [];
    private readonly List<float>[] _columns;
    private readonly List<string?> _voteTexts = [];

    public ParquetLabels(Stream stream, IReadOnlyList<string> classNames, bool withSplit, bool withVotes)
    {
        _withSplit = withSplit;
        _withVotes = withVotes;
        _probabilities = [.. classNames.Select(c => new Parquet.Schema.DataField<float>("p_" + c))];
        _columns = [.. classNames.Select(_ => new List<float>())];
        Parquet.Schema.Field[] fields = [.. withSplit ? [_split] : Array.Empty<Parquet.Schema.Field>(), _id, _label, .. _probabilities, .. withVotes ? [_votes] : Array.Empty<Parquet.Schema.Field>()];
        _writer = Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(fields), stream).GetAwaiter().GetResult();
    }

    public void Add(string? split, string id, string label, ReadOnlySpan<float> probabilities, IReadOnlyList<(string Program, string Class)>? votes)
    {
        _splits.Add(split);
        _ids.Add(id);
        _labels.Add(label);
        for (var c = 0; c < _columns.Length; c++)
        {
            // As the CSV and JSON lines writers round them: 5 decimals.
            _columns[c].Add((float)Math.Round(probabilities[c], 5));
        }

        _voteTexts.Add(votes is null ? string.Empty : string.Join(';', votes.Select(v => $"{v.Program}={v.Class}")));
        if (_ids.Count == LabelRowWriter.ParquetRows)
        {
            Flush();
        }
    }

    private void Flush()
    {
        if (_ids.Count == 0)
        {
            return;
        }

        using (var group = _writer.CreateRowGroup())
        {
            if (_withSplit)
            {
                group.WriteAsync(_split, _splits, null).GetAwaiter().GetResult();
            }

            group.WriteAsync(_id, _ids, null).GetAwaiter().GetResult();
            group.WriteAsync(_label, _labels, null).GetAwaiter().GetResult();
            for (var c = 0; c < _columns.Length; c++)
            {
                group.WriteAsync<float>(_probabilities[c], new ReadOnlyMemory<float>([.. _columns[c]]), null, null, CancellationToken.None).GetAwaiter().GetResult();
            }

            if (_withVotes)
            {
                group.WriteAsync(_votes, _voteTexts, null).GetAwaiter().GetResult();
            }
        }

        _splits.Clear();
        _ids.Clear();
        _labels.Clear();
        foreach (var column in _columns)
        {
            column.Clear();
        }

        _voteTexts.Clear();
    }

    public void Dispose()
    {
        Flush();
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
