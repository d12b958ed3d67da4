namespace Alchemist.Data;

/// <summary>
/// A data file that cannot be read as asked: the message names the file and, where known, the line, the row id and the field,
/// so that a user can open the file at the right place.
/// </summary>
public sealed class DataFormatException : UserError
{
    /// <summary>A problem in <paramref name="file"/>, at the place given; the message leads with the file and place.</summary>
    /// <param name="file">The data file.</param>
    /// <param name="problem">What is wrong, without the place.</param>
    /// <param name="line">1-based line in the file, or null.</param>
    /// <param name="rowId">The row's id, or null.</param>
    /// <param name="field">The field involved, or null.</param>
    /// <param name="inner">The exception that revealed the problem, or null.</param>
    public DataFormatException(string file, string problem, long? line = null, string? rowId = null, string? field = null, Exception? inner = null)
        : base(Compose(file, problem, line, rowId, field), file, line, field, inner)
    {
        Problem = problem;
        RowId = rowId;
        Field = field;
    }

    /// <summary>The file the row is in (never null here).</summary>
    public new string File => base.File!;

    /// <summary>What is wrong, without the file and place the message leads with.</summary>
    public string Problem { get; }

    /// <summary>The id of the row the problem is in, when known.</summary>
    public string? RowId { get; }

    /// <summary>The field the problem is in, when one is.</summary>
    public string? Field { get; }

    /// <summary>
    /// "not valid JSON: ..." without the parser's own "LineNumber: 0 | BytePositionInLine: n" suffix, which counts from zero
    /// within the text it was given and so contradicts the line this exception names.
    /// </summary>
    internal static string NotValidJson(System.Text.Json.JsonException e, bool positionIsInLine)
    {
        var message = e.Message;
        var suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }

        return positionIsInLine && e.BytePositionInLine is { } position
            ? $"not valid JSON at byte {position + 1} of the line: {message}"
            : $"not valid JSON: {message}";
    }

    private static string Compose(string file, string problem, long? line, string? rowId, string? field)
    {
        var place = new List<string>(3);
        if (line is not null)
        {
            place.Add($"line {line}");
        }

        if (rowId is not null)
        {
            place.Add($"row '{rowId}'");
        }

        if (field is not null)
        {
            place.Add($"field '{field}'");
        }

        return place.Count == 0 ? $"{file}: {problem}" : $"{file}: {string.Join(", ", place)}: {problem}";
    }
}
