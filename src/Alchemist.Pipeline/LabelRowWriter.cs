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
}

/// <summary>
/// Writes labeled rows, one per line, as CSV (CsvHelper quotes what needs quoting) or JSON lines: the split when there is one,
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

    /// <summary>Writes to <paramref name="stream"/>, which stays open; CSV starts with its header row.</summary>
    public LabelRowWriter(Stream stream, LabelFileFormat format, IReadOnlyList<string> classNames, bool withSplit, bool withVotes)
    {
        _stream = stream;
        _classNames = classNames;
        _withSplit = withSplit;
        _withVotes = withVotes;
        _jsonClassNames = [.. classNames.Select(c => JsonEncodedText.Encode(c))];
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
                _csv.WriteField(probability, ProbabilityFormat, CultureInfo.InvariantCulture);
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

    public void Dispose()
    {
        _csv?.Dispose();
        _json?.Dispose();
        _stream.Flush();
    }
}
