using System.Text.RegularExpressions;

namespace Alchemist.OfflineSynthesis;

/// <summary>
/// A Snuba-style heuristic over one family of features: naive Bayes log-scores per class from the labeled sample, summed
/// over the features a text has. It decides the top class only when its score beats the runner-up's by
/// <see cref="Margin"/>, a threshold chosen on leave-one-out scores of the sample; otherwise it abstains. A text with
/// none of the features gets the prior alone, which never reaches the margin.
/// </summary>
public sealed class NaiveBayesScorer
{
    private readonly Dictionary<string, double[]> _weights;
    private readonly List<(Regex Regex, double[] Weights)> _patterns = [];
    private readonly List<(bool AtMost, int Words, double[] Weights)> _lengths = [];

    internal NaiveBayesScorer(RuleFamily family, IReadOnlyList<(string Key, double[] Weights)> weights, double[] bias, double margin)
    {
        Family = family;
        Bias = bias;
        Margin = margin;
        Weights = weights;
        _weights = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (key, w) in weights)
        {
            if (family == RuleFamily.Pattern && FeatureIndex.TryParseLengthKey(key, out var atMost, out var words))
            {
                _lengths.Add((atMost, words, w));
            }
            else if (family == RuleFamily.Pattern)
            {
                _patterns.Add((RuleFeatures.PatternRegex(key), w));
            }
            else
            {
                _weights[key] = w;
            }
        }
    }

    internal RuleFamily Family { get; }

    /// <summary>Per feature key, the log-score it adds to each class; patterns are tried in this order.</summary>
    public IReadOnlyList<(string Key, double[] Weights)> Weights { get; }

    /// <summary>Per class, the log prior every text starts from.</summary>
    public IReadOnlyList<double> Bias { get; }

    internal double Margin { get; }

    /// <summary>The class the scorer votes for, or -1 where it abstains.</summary>
    public int Decide(string text, string[] tokens)
    {
        Span<double> scores = stackalloc double[Bias.Count];
        for (var c = 0; c < scores.Length; c++)
        {
            scores[c] = Bias[c];
        }

        switch (Family)
        {
            case RuleFamily.Keyword:
                for (var t = 0; t < tokens.Length; t++)
                {
                    if (_weights.TryGetValue(tokens[t], out var w) && Array.IndexOf(tokens, tokens[t]) == t)
                    {
                        Add(scores, w);
                    }
                }

                break;
            case RuleFamily.Phrase:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var t = 1; t < tokens.Length; t++)
                {
                    var phrase = tokens[t - 1] + " " + tokens[t];
                    if (_weights.TryGetValue(phrase, out var w) && seen.Add(phrase))
                    {
                        Add(scores, w);
                    }
                }

                break;
            case RuleFamily.Opening:
                if (tokens.Length > 0 && _weights.TryGetValue(tokens[0], out var first))
                {
                    Add(scores, first);
                }

                if (tokens.Length > 1 && _weights.TryGetValue(tokens[0] + " " + tokens[1], out var pair))
                {
                    Add(scores, pair);
                }

                break;
            case RuleFamily.Pattern:
                foreach (var (regex, w) in _patterns)
                {
                    if (regex.IsMatch(text))
                    {
                        Add(scores, w);
                    }
                }

                foreach (var (atMost, words, w) in _lengths)
                {
                    if (atMost ? tokens.Length <= words : tokens.Length >= words)
                    {
                        Add(scores, w);
                    }
                }

                break;
        }

        return Decide(scores, Margin);
    }

    internal static int Decide(ReadOnlySpan<double> scores, double margin)
    {
        var best = 0;
        for (var c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best])
            {
                best = c;
            }
        }

        var second = double.NegativeInfinity;
        for (var c = 0; c < scores.Length; c++)
        {
            if (c != best && scores[c] > second)
            {
                second = scores[c];
            }
        }

        return scores[best] - second >= margin ? best : -1;
    }

    private static void Add(Span<double> scores, double[] weights)
    {
        for (var c = 0; c < scores.Length; c++)
        {
            scores[c] += weights[c];
        }
    }
}
