using System.Globalization;
using CsvHelper;

namespace Alchemist.Data;

/// <summary>
/// A CSV (or TSV) file with a header row, read in batches. Columns are picked by name through a <see cref="FieldMap"/>;
/// other columns are ignored. Empty labels mean no label, and so does a file without the label column (a test or new file
/// nobody labeled); empty numbers read as NaN.
/// </summary>
public sealed class CsvSource : IDataSource, IFieldMapped
{
    /// <summary>A CSV file read through <paramref name="fields"/>; nothing is read until <see cref="ReadBatches"/>.</summary>
    /// <param name="path">The file; its first row names the columns.</param>
    /// <param name="fields">Which columns hold texts, numbers, label and row id.</param>
    /// <param name="separator">The column separator; null means a tab for a .tsv file and a comma otherwise.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="fields"/> names no text or numeric field, or names a field twice.
    /// </exception>
    public CsvSource(string path, FieldMap fields, char? separator = null)
    {
        fields.Validate();
        Path = path;
        Fields = fields;
        Separator = separator ?? (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',');
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public string Format => "csv";

    /// <summary>Which fields of each row are read, and as what.</summary>
    public FieldMap Fields { get; }

    internal char Separator { get; }

    private bool _utf8Checked;

    /// <inheritdoc/>
    public IReadOnlyList<string>? ClassNames => Fields.ClassNames;

    /// <inheritdoc/>
    public string ContentHash() => Data.ContentHash.OfFile(Path, $"csv;sep={(int)Separator};{Fields.Describe()}");

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!File.Exists(Path))
        {
            throw new DataFormatException(Path, "file not found");
        }

        var options = CsvReaderOptions.Default with
        {
            Separator = Separator,
            HasHeader = true,
            TrackLineNumbers = true,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            MalformedData = CsvMalformedDataHandling.Throw,
            FormatProvider = CultureInfo.InvariantCulture,
        };
        using var csv = CsvReader.FromFile(Path, options);
        var columns = LocateColumns(csv);
        var builder = new DataBatchBuilder(Fields.TextFields, Fields.NumberFields, 0, 0, batchSize);
        long row = 0;
        while (Next(csv))
        {
            var line = csv.LineNumber;
            var id = columns.Id >= 0 ? csv.GetString(columns.Id) : row.ToString(CultureInfo.InvariantCulture);
            var index = builder.AddRow(id);
            for (var i = 0; i < columns.Texts.Length; i++)
            {
                var text = csv.GetString(columns.Texts[i]);
                // The CSV reader substitutes U+FFFD for invalid UTF-8; a byte scan tells that from a real U+FFFD.
                if (!Fields.ReplaceInvalidUtf8 && text.Contains('\uFFFD', StringComparison.Ordinal) && !_utf8Checked)
                {
                    _utf8Checked = true;
                    if (Utf8Check.FirstInvalidLine(Path) is { } invalid)
                    {
                        throw Utf8Check.Error(Path, invalid);
                    }
                }

                builder.TextColumn(i)[index] = text;
            }

            for (var i = 0; i < columns.Numbers.Length; i++)
            {
                var text = csv.GetString(columns.Numbers[i]);
                builder.NumberColumn(i)[index] = string.IsNullOrWhiteSpace(text)
                    ? double.NaN
                    : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                        ? number
                        : throw new DataFormatException(Path, $"'{text}' is not a number", line, id, Fields.NumberFields[i]);
            }

            if (columns.Label >= 0)
            {
                builder.Labels[index] = ClassLabels.TryParse(csv.GetString(columns.Label), Fields.ClassNames, out var problem)
                    ?? throw new DataFormatException(Path, problem!, line, id, Fields.LabelField);
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

    private bool Next(CsvReader csv)
    {
        try
        {
            return csv.Read();
        }
        catch (CsvFormatException e)
        {
            throw new DataFormatException(Path, $"malformed CSV: {e.Message}", e.LineNumber > 0 ? e.LineNumber : null, inner: e);
        }
    }

    private Columns LocateColumns(CsvReader csv)
    {
        IReadOnlyList<string> headers;
        try
        {
            headers = [.. csv.Headers];
        }
        catch (CsvFormatException e)
        {
            throw new DataFormatException(Path, $"malformed header: {e.Message}", 1, inner: e);
        }

        if (headers.Count == 0)
        {
            throw new DataFormatException(Path, "the file is empty; a header row naming the columns is needed", 1);
        }

        int Find(string name) =>
            FindOptional(name) ?? throw new DataFormatException(Path, $"no such column in the header; columns are {string.Join(", ", headers.Select(h => $"'{h}'"))}{SeparatorHint(headers)}", 1, field: name);

        int? FindOptional(string name)
        {
            // An exact match first, then one ignoring case and surrounding spaces; two columns that match are ambiguous.
            foreach (var matches in new Func<string, bool>[] { h => string.Equals(h, name, StringComparison.Ordinal), h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase) })
            {
                var found = Enumerable.Range(0, headers.Count).Where(i => matches(headers[i])).ToList();
                if (found.Count > 1)
                {
                    throw new DataFormatException(Path, $"{found.Count} columns of the header match this name (columns {string.Join(", ", found.Select(i => i + 1))}); rename all but one", 1, field: name);
                }

                if (found.Count == 1)
                {
                    return found[0];
                }
            }

            return null;
        }

        return new Columns(
            [.. Fields.TextFields.Select(Find)],
            [.. Fields.NumberFields.Select(Find)],
            Fields.LabelField is null ? -1 : FindOptional(Fields.LabelField) ?? -1,
            Fields.IdField is null ? -1 : Find(Fields.IdField));
    }

    private string SeparatorHint(IReadOnlyList<string> headers)
    {
        if (headers.Count != 1)
        {
            return string.Empty;
        }

        var other = new[] { ';', '\t', '|', ',' }.FirstOrDefault(c => c != Separator && headers[0].Contains(c));
        return other == default ? string.Empty
            : $" (one column: the file seems separated by {(other == '\t' ? "tabs" : $"'{other}'")}; .csv files must use ',' and .tsv files tabs)";
    }

    private sealed record Columns(int[] Texts, int[] Numbers, int Label, int Id);
}
