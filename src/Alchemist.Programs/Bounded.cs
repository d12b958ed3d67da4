using System.Globalization;

namespace Alchemist.Programs;

/// <summary>
/// Bounds text that a program can influence (an exception's message, a returned class name, a compiler message quoting its
/// source) before it is kept, sent between processes or written to a report: a program throwing a 30-million-character
/// message must not grow <c>apply --json</c> to 60 MB.
/// </summary>
public static class Bounded
{
    /// <summary>Characters kept of one message.</summary>
    public const int MaxMessageChars = 4096;

    /// <summary>The text itself when short enough, else its start and a note of how long it was.</summary>
    public static string Text(string text, int maxChars = MaxMessageChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var keep = maxChars;
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            keep--; // never cut a character in two
        }

        return string.Concat(text.AsSpan(0, keep), string.Create(CultureInfo.InvariantCulture, $" … (truncated: {text.Length:N0} characters in all)"));
    }

    /// <summary>
    /// Text another process or a file supplied, as it can be shown in one line of a log or a terminal: control characters
    /// (line breaks, escape sequences) as '?', at most <paramref name="maxChars"/> characters.
    /// </summary>
    public static string Line(string text, int maxChars) =>
        Text(string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        }), maxChars);

    /// <summary><see cref="Text"/> for an optional message.</summary>
    public static string? TextOrNull(string? text, int maxChars = MaxMessageChars) => text is null ? null : Text(text, maxChars);
}
