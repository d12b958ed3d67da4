namespace Alchemist.Data;

/// <summary>
/// Which columns of a CSV or JSONL file hold what: one or more text fields, optional numeric fields, and optional label and
/// row-id fields. Labels may be class indices or class names (matched against <see cref="ClassNames"/>).
/// </summary>
public sealed record FieldMap
{
    /// <summary>Text fields and an optional label field; set the other fields with an initializer.</summary>
    /// <param name="textFields">The fields read as text, in the order programs receive them.</param>
    /// <param name="labelField">The field holding the gold label, or null when the file has none.</param>
    public FieldMap(IReadOnlyList<string> textFields, string? labelField = null)
    {
        TextFields = textFields;
        LabelField = labelField;
    }

    /// <summary>The fields read as text, in the order programs receive them.</summary>
    public IReadOnlyList<string> TextFields { get; init; }

    /// <summary>The fields read as numbers (a missing value reads as NaN); none by default.</summary>
    public IReadOnlyList<string> NumberFields { get; init; } = [];

    /// <summary>The field holding the gold label (a class index or name); null when the file has none.</summary>
    public string? LabelField { get; init; }

    /// <summary>The field holding each row's id; null numbers rows by their 0-based position.</summary>
    public string? IdField { get; init; }

    /// <summary>Class names in index order; without them labels must be non-negative integers.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>One text field and an optional label field: the common case.</summary>
    public static FieldMap Text(string textField = "text", string? labelField = null) => new([textField], labelField);

    internal IEnumerable<string> AllFields()
    {
        foreach (var f in TextFields)
        {
            yield return f;
        }

        foreach (var f in NumberFields)
        {
            yield return f;
        }

        if (LabelField is not null)
        {
            yield return LabelField;
        }

        if (IdField is not null)
        {
            yield return IdField;
        }
    }

    internal void Validate()
    {
        if (TextFields.Count == 0 && NumberFields.Count == 0)
        {
            throw new ArgumentException("at least one text or numeric field must be named");
        }

        var duplicate = AllFields().GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"field '{duplicate.Key}' is named twice");
        }
    }

    /// <summary>Reads invalid UTF-8 as U+FFFD instead of failing with the file and line (<c>data.invalid_utf8: replace</c>).</summary>
    public bool ReplaceInvalidUtf8 { get; init; }

    internal string Describe() =>
        $"text=[{string.Join(',', TextFields)}];number=[{string.Join(',', NumberFields)}];label={LabelField};id={IdField};" +
        $"classes=[{string.Join(',', ClassNames ?? [])}]{(ReplaceInvalidUtf8 ? ";utf8=replace" : "")}";
}
