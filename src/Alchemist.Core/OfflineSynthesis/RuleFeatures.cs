using System.Text.RegularExpressions;

namespace Alchemist.OfflineSynthesis;

/// <summary>The kinds of rule the offline synthesizer writes; each becomes its own family of programs.</summary>
public enum RuleFamily
{
    /// <summary>A single word anywhere in the text.</summary>
    Keyword,

    /// <summary>Two adjacent words.</summary>
    Phrase,

    /// <summary>The first word or first two words of the text (question type, greetings, headlines).</summary>
    Opening,

    /// <summary>A regular expression for a surface shape (links, numbers, currency, '!' runs, capitals) or a length bound.</summary>
    Pattern,
}

/// <summary>A surface pattern the synthesizer may turn into a rule; <see cref="Regex"/> is written verbatim into programs.</summary>
public sealed record SurfacePattern(string Name, string Regex, bool IgnoreCase, string Description);

/// <summary>
/// Turns a text into the features rules are made of. The same tokenizer and patterns are written into the generated
/// programs, so a rule fires in a program exactly where it fired while it was being chosen.
/// </summary>
public static class RuleFeatures
{
    /// <summary>Tokens are maximal runs of letters and digits of the lower-cased text.</summary>
    public const string TokenRegex = @"[\p{L}\p{N}]+";

    internal static IReadOnlyList<SurfacePattern> Patterns { get; } =
    [
        new("link", @"https?://|www\.|\b[\w-]+\.(com|net|org|ly|info|co|uk|be)\b", true, "a web link"),
        new("email", @"[\w.+-]+@[\w-]+\.[\w.]+", false, "an e-mail address"),
        new("digit", @"\d", false, "a digit"),
        new("long-number", @"\d{5,}", false, "a number of five digits or more (phone numbers, codes)"),
        new("currency", @"[$£€]\s?\d|\d\s?(usd|dollars?|pounds?|euros?|eur)\b", true, "an amount of money"),
        new("percent", @"\d\s?%|\bpercent\b", true, "a percentage"),
        new("exclamations", @"!{2,}", false, "a run of two or more '!'"),
        new("question-mark", @"\?", false, "a question mark"),
        new("caps-word", @"\b[A-Z]{3,}\b", false, "a word of three or more capital letters"),
        new("no-lowercase", @"^[^a-z]*[A-Z][^a-z]*$", false, "capital letters and no lower-case letter at all"),
        new("repeated-char", @"(.)\1{3,}", false, "a character repeated four times or more"),
        new("markup", @"<[a-z]+[^>]*>|&[a-z]+;", true, "HTML markup"),
        new("emoticon", @"\p{So}|\p{Cs}|[:;]-?[)(DP]|<3", false, "an emoji or emoticon"),
        new("year", @"\b(19|20)\d\d\b", false, "a year"),
    ];

    // Compiled, not interpreted: the offline cross-fit matches these over every sampled train row once per fold, and at
    // 1M generated rows (a 50,000-row sample) the interpreter took 65 % of that stage's 12.5 s. Matching is the same.
    private static readonly Regex Token = new(TokenRegex, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly Regex[] CompiledPatterns = Patterns
        .Select(p => new Regex(p.Regex, RegexOptions.CultureInvariant | RegexOptions.Compiled | (p.IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None)))
        .ToArray();

    /// <summary>The compiled regex of the pattern named <paramref name="name"/>, shared by every rule and scorer that tries it.</summary>
    /// <exception cref="ArgumentException">The synthesizer knows no pattern of that name.</exception>
    internal static Regex PatternRegex(string name)
    {
        for (var p = 0; p < Patterns.Count; p++)
        {
            if (Patterns[p].Name == name)
            {
                return CompiledPatterns[p];
            }
        }

        throw new ArgumentException($"unknown pattern '{name}'", nameof(name));
    }

    /// <summary>The text's lower-cased word tokens; none for a missing (null) or empty text.</summary>
    public static string[] Tokenize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var matches = Token.Matches(text.ToLowerInvariant());
        var tokens = new string[matches.Count];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = matches[i].Value;
        }

        return tokens;
    }

    /// <summary>Indices into <see cref="Patterns"/> of the patterns that match the text.</summary>
    public static IEnumerable<int> MatchingPatterns(string text)
    {
        for (var p = 0; p < CompiledPatterns.Length; p++)
        {
            if (CompiledPatterns[p].IsMatch(text))
            {
                yield return p;
            }
        }
    }
}
