namespace Alchemist.OfflineSynthesis;

/// <summary>Every candidate rule condition seen in the labeled sample, with the sample rows where it holds.</summary>
internal sealed class FeatureIndex
{
    public sealed record Feature(RuleFamily Family, string Key, List<int> Rows);

    private FeatureIndex(List<Feature> all) => All = all;

    public IReadOnlyList<Feature> All { get; }

    public static FeatureIndex Build(IReadOnlyList<string> texts)
    {
        var byKey = new Dictionary<(RuleFamily, string), List<int>>();
        var seen = new HashSet<(RuleFamily, string)>();
        var wordCounts = new int[texts.Count];
        for (var row = 0; row < texts.Count; row++)
        {
            var tokens = RuleFeatures.Tokenize(texts[row]);
            wordCounts[row] = tokens.Length;
            CollectKeys(texts[row], tokens, seen);
            foreach (var key in seen)
            {
                if (!byKey.TryGetValue(key, out var rows))
                {
                    byKey[key] = rows = [];
                }

                rows.Add(row);
            }
        }

        foreach (var threshold in LengthThresholds(wordCounts))
        {
            var shortRows = Enumerable.Range(0, texts.Count).Where(r => wordCounts[r] <= threshold).ToList();
            var longRows = Enumerable.Range(0, texts.Count).Where(r => wordCounts[r] >= threshold).ToList();
            byKey[(RuleFamily.Pattern, LengthKey(atMost: true, threshold))] = shortRows;
            byKey[(RuleFamily.Pattern, LengthKey(atMost: false, threshold))] = longRows;
        }

        var all = byKey.Select(kv => new Feature(kv.Key.Item1, kv.Key.Item2, kv.Value))
            .OrderBy(f => f.Family).ThenBy(f => f.Key, StringComparer.Ordinal).ToList();
        return new FeatureIndex(all);
    }

    private static void CollectKeys(string text, string[] tokens, HashSet<(RuleFamily, string)> seen)
    {
        seen.Clear();
        for (var t = 0; t < tokens.Length; t++)
        {
            seen.Add((RuleFamily.Keyword, tokens[t]));
            if (t > 0)
            {
                seen.Add((RuleFamily.Phrase, tokens[t - 1] + " " + tokens[t]));
            }
        }

        if (tokens.Length > 0)
        {
            seen.Add((RuleFamily.Opening, tokens[0]));
            if (tokens.Length > 1)
            {
                seen.Add((RuleFamily.Opening, tokens[0] + " " + tokens[1]));
            }
        }

        foreach (var p in RuleFeatures.MatchingPatterns(text))
        {
            seen.Add((RuleFamily.Pattern, RuleFeatures.Patterns[p].Name));
        }
    }

    public static string LengthKey(bool atMost, int words) => atMost ? $"words<={words}" : $"words>={words}";

    public static bool TryParseLengthKey(string key, out bool atMost, out int words)
    {
        atMost = key.StartsWith("words<=", StringComparison.Ordinal);
        var atLeast = key.StartsWith("words>=", StringComparison.Ordinal);
        words = 0;
        return (atMost || atLeast) && int.TryParse(key.AsSpan(7), out words);
    }

    private static IEnumerable<int> LengthThresholds(int[] wordCounts)
    {
        if (wordCounts.Length == 0)
        {
            return [];
        }

        var sorted = wordCounts.Order().ToArray();
        return new[] { 0.1, 0.25, 0.5, 0.75, 0.9 }.Select(q => sorted[(int)(q * (sorted.Length - 1))]).Where(t => t > 0).Distinct();
    }
}
