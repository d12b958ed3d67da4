using System.Globalization;

namespace Alchemist.Data;

/// <summary>What a text value longer than <see cref="FieldLimit.MaxChars"/> does (<c>data.oversized_fields</c>).</summary>
public enum OversizedFieldPolicy
{
    /// <summary>The value is cut to the limit (<c>truncate</c>, the default); the row is labeled as any other.</summary>
    Truncate,

    /// <summary>
    /// The row is refused (<c>reject</c>): every program abstains on it (<see cref="DataBatch.RejectedRows"/>). Its values are
    /// still cut to the limit, so no part of the tool holds the whole value.
    /// </summary>
    Reject,
}

/// <summary>
/// The longest text value a row may bring (<c>data.max_field_chars</c>, in UTF-16 characters) and what a longer one does
/// (<c>data.oversized_fields</c>).
/// </summary>
/// <param name="MaxChars">The most characters one text value keeps; at least 1.</param>
/// <param name="Policy">What a longer value does.</param>
public sealed record FieldLimit(int MaxChars, OversizedFieldPolicy Policy)
{
    /// <summary>
    /// 1,000,000 characters. The longest real text fields (a long article, a contract, a whole book chapter) stay far below
    /// it, and what it costs is small: a value travels to a worker as 2 MB of UTF-16 and is held there as a frame and a
    /// string (4 MB), so a batch with a few such values, and a program that copies one a few times (a lower-cased copy, a
    /// split), stay well inside a worker's 512 MiB heap and a program's 256 MiB per-row allocation budget; the end model's
    /// n-grams of it stay in the megabytes. A value 200 times that (a 200 MB row) ran every worker out of memory; with the
    /// limit raised past it, the sandbox found the row and went on, but the in-process stages after it (the offline rules'
    /// cross-fit, the end model) took 7 minutes and 22.7 GB over that one value, against 25 s and 1.2 GB with it cut here.
    /// </summary>
    public const int DefaultMaxChars = 1_000_000;

    /// <summary>How many oversized values a report names by row.</summary>
    public const int ExamplesKept = 5;

    /// <summary>The default: <see cref="DefaultMaxChars"/>, truncated.</summary>
    public static FieldLimit Default { get; } = new(DefaultMaxChars, OversizedFieldPolicy.Truncate);

    /// <summary>The value cut to <see cref="MaxChars"/> characters (one fewer where a surrogate pair would be cut in two).</summary>
    public string Cut(string value)
    {
        if (value.Length <= MaxChars)
        {
            return value;
        }

        var keep = MaxChars;
        if (char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        return value[..keep];
    }

    /// <summary>"data.max_field_chars 1000000, oversized truncate": part of a source's content hash.</summary>
    internal string HashPart => string.Create(CultureInfo.InvariantCulture, $"max_field_chars={MaxChars};oversized={Policy.ToString().ToLowerInvariant()}");
}

/// <summary>One text value over the limit.</summary>
/// <param name="Row">The row's 0-based position in its split.</param>
/// <param name="RowId">The row's id (the id field, or its position in the file).</param>
/// <param name="Field">The text field.</param>
/// <param name="Length">The value's length in characters before it was cut.</param>
public sealed record OversizedValue(long Row, string RowId, string Field, long Length)
{
    /// <summary>"row 12 (id 'a7', field text, 200,000,000 characters)".</summary>
    public string Describe()
    {
        var id = RowId.Length > 200 ? RowId[..200] + "…" : RowId;
        return string.Create(CultureInfo.InvariantCulture, $"row {Row} (id '{id}', field {Field}, {Length:N0} characters)");
    }
}

/// <summary>The text values over the limit in one read of a source.</summary>
/// <param name="Limit">The limit and policy they were read under.</param>
/// <param name="Values">Values over the limit (a row with two such fields counts twice).</param>
/// <param name="Rows">Rows with at least one such value.</param>
/// <param name="First">The first <see cref="FieldLimit.ExamplesKept"/> such values read (by batch, then field, then row).</param>
public sealed record OversizedFields(FieldLimit Limit, int Values, int Rows, IReadOnlyList<OversizedValue> First)
{
    /// <summary>A warning for the run's log and report, naming the first rows: "train: 1 text value ...".</summary>
    public string Describe(string split)
    {
        var examples = string.Join("; ", First.Select(v => v.Describe())) + (Values > First.Count ? $"; and {Values - First.Count:N0} more" : "");
        var values = Values == 1 ? "1 text value" : $"{Values:N0} text values";
        var limit = string.Create(CultureInfo.InvariantCulture, $"data.max_field_chars ({Limit.MaxChars:N0} characters)");
        return Limit.Policy == OversizedFieldPolicy.Reject
            ? $"{split}: {values} longer than {limit} in {Rows:N0} row{(Rows == 1 ? "" : "s")}, rejected (data.oversized_fields: reject): every program abstains on {(Rows == 1 ? "it" : "them")}: {examples}"
            : $"{split}: {values} longer than {limit} {(Values == 1 ? "was" : "were")} truncated to it (data.oversized_fields: truncate): {examples}";
    }
}

/// <summary>
/// The rows of a source with every text value cut to a <see cref="FieldLimit"/>, and, under
/// <see cref="OversizedFieldPolicy.Reject"/>, the rows that had a longer value marked (<see cref="DataBatch.RejectedRows"/>).
/// Every read counts the values it cut (<see cref="LastRead"/>). Its content hash holds the limit, so caches keyed by the
/// rows change with it.
/// </summary>
public sealed class FieldLimitSource : IDataSource, IFieldMapped
{
    private readonly IDataSource _inner;
    private volatile OversizedFields? _lastRead;

    /// <summary>The rows of <paramref name="inner"/> under <paramref name="limit"/>.</summary>
    public FieldLimitSource(IDataSource inner, FieldLimit limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit.MaxChars, 1);
        _inner = inner;
        Limit = limit;
    }

    /// <summary>The limit and policy applied.</summary>
    public FieldLimit Limit { get; }

    /// <summary>What the last read to the end found over the limit; null until a read has reached the end.</summary>
    public OversizedFields? LastRead => _lastRead;

    /// <inheritdoc/>
    public FieldMap? Fields => (_inner as IFieldMapped)?.Fields;

    /// <inheritdoc/>
    public string Path => _inner.Path;

    /// <inheritdoc/>
    public string Format => _inner.Format;

    /// <inheritdoc/>
    public IReadOnlyList<string>? ClassNames => _inner.ClassNames;

    /// <summary>What a read finds over the limit: <see cref="LastRead"/>, or a read of every row now when there was none.</summary>
    public OversizedFields Scan()
    {
        if (_lastRead is { } read)
        {
            return read;
        }

        foreach (var _ in ReadBatches())
        {
        }

        return _lastRead!;
    }

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        var values = 0;
        var rows = 0;
        var first = new List<OversizedValue>();
        foreach (var batch in _inner.ReadBatches(batchSize))
        {
            Dictionary<string, string[]>? texts = null;
            List<int>? rejected = null;
            foreach (var (field, column) in batch.Texts)
            {
                string[]? cut = null;
                for (var r = 0; r < column.Length; r++)
                {
                    if (column[r] is not { } value || value.Length <= Limit.MaxChars)
                    {
                        continue;
                    }

                    cut ??= (string[])column.Clone();
                    cut[r] = Limit.Cut(value);
                    values++;
                    if (first.Count < FieldLimit.ExamplesKept)
                    {
                        first.Add(new OversizedValue(batch.FirstRow + r, batch.RowIds[r], field, value.Length));
                    }

                    rejected ??= [];
                    rejected.Add(r);
                }

                if (cut is not null)
                {
                    texts ??= new Dictionary<string, string[]>(batch.Texts, StringComparer.Ordinal);
                    texts[field] = cut;
                }
            }

            if (texts is null)
            {
                yield return batch;
                continue;
            }

            int[] marked = [.. rejected!.Distinct().Order()];
            rows += marked.Length;
            yield return new DataBatch(batch.FirstRow, batch.RowIds, texts, batch.Numbers, batch.Labels, batch.WeakLabels)
            {
                RejectedRows = Limit.Policy == OversizedFieldPolicy.Reject ? marked : batch.RejectedRows,
            };
        }

        _lastRead = new OversizedFields(Limit, values, rows, first);
    }

    /// <inheritdoc/>
    public string ContentHash() => _inner.ContentHash() + ";" + Limit.HashPart;
}
