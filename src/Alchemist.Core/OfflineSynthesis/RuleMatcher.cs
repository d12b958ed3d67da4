using System.Text.RegularExpressions;

namespace Alchemist.OfflineSynthesis;

/// <summary>Evaluates a set of rules in process, exactly as the program written from them does.</summary>
public sealed class RuleMatcher
{
    private readonly HashSet<string> _keywords = new(StringComparer.Ordinal);
    private readonly HashSet<string> _phrases = new(StringComparer.Ordinal);
    private readonly HashSet<string> _openings = new(StringComparer.Ordinal);
    private readonly List<Regex> _patterns = [];
    private readonly List<(bool AtMost, int Words)> _lengths = [];
    private readonly List<(NaiveBayesScorer Scorer, int Class)> _scorers = [];

    /// <summary>A matcher that fires where any of <paramref name="rules"/> fires.</summary>
    /// <exception cref="ArgumentException">A pattern rule names a pattern the synthesizer does not know.</exception>
    public RuleMatcher(IEnumerable<OfflineRule> rules)
    {
        foreach (var rule in rules)
        {
            if (rule.Scorer is not null)
            {
                _scorers.Add((rule.Scorer, rule.Class));
                continue;
            }

            switch (rule.Family)
            {
                case RuleFamily.Keyword:
                    _keywords.Add(rule.Key);
                    break;
                case RuleFamily.Phrase:
                    _phrases.Add(rule.Key);
                    break;
                case RuleFamily.Opening:
                    _openings.Add(rule.Key);
                    break;
                case RuleFamily.Pattern when FeatureIndex.TryParseLengthKey(rule.Key, out var atMost, out var words):
                    _lengths.Add((atMost, words));
                    break;
                case RuleFamily.Pattern:
                    _patterns.Add(RuleFeatures.PatternRegex(rule.Key));
                    break;
            }
        }
    }

    /// <summary>
    /// Whether any rule fires on <paramref name="text"/>; never on an empty text, where written programs abstain.
    /// </summary>
    public bool Fires(string text) => Fires(text, RuleFeatures.Tokenize(text));

    /// <summary>
    /// As <see cref="Fires(string)"/>, with the text's tokens (<see cref="RuleFeatures.Tokenize"/>) already computed.
    /// </summary>
    public bool Fires(string text, string[] tokens)
    {
        // The written programs abstain on empty text before any rule is tried; so must their evaluation in process.
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        for (var t = 0; t < tokens.Length; t++)
        {
            if (_keywords.Contains(tokens[t]) || (t > 0 && _phrases.Count > 0 && _phrases.Contains(tokens[t - 1] + " " + tokens[t])))
            {
                return true;
            }
        }

        if (tokens.Length > 0 && _openings.Count > 0
            && (_openings.Contains(tokens[0]) || (tokens.Length > 1 && _openings.Contains(tokens[0] + " " + tokens[1]))))
        {
            return true;
        }

        foreach (var regex in _patterns)
        {
            if (regex.IsMatch(text))
            {
                return true;
            }
        }

        foreach (var (scorer, cls) in _scorers)
        {
            if (scorer.Decide(text, tokens) == cls)
            {
                return true;
            }
        }

        foreach (var (atMost, words) in _lengths)
        {
            if (atMost ? tokens.Length <= words : tokens.Length >= words)
            {
                return true;
            }
        }

        return false;
    }
}
