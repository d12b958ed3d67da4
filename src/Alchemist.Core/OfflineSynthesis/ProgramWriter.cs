using System.Globalization;
using System.Text;

namespace Alchemist.OfflineSynthesis;

/// <summary>Writes a group of rules as a readable C# labeling program: <c>public static int Label(string text)</c>.</summary>
internal static class ProgramWriter
{
    public static string Write(string name, int cls, IReadOnlyList<string> classNames, RuleFamily family, IReadOnlyList<OfflineRule> rules, int sampleRows, int fires, int correct)
    {
        var className = classNames[cls];
        var what = family switch
        {
            RuleFamily.Keyword => "contains one of the words below",
            RuleFamily.Phrase => "contains one of the two-word phrases below",
            RuleFamily.Opening => "begins with one of the openings below",
            _ => "matches one of the patterns below",
        };
        var precision = fires == 0 ? 0 : (double)correct / fires;
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"// Labeling program \"{name}\", written by the {OfflineSynthesizer.Provenance} from the labeled sample.\n");
        s.Append(CultureInfo.InvariantCulture, $"// Votes {className} (class {cls}) when the text {what}; abstains otherwise.\n");
        s.Append(CultureInfo.InvariantCulture, $"// On the labeled sample ({sampleRows} rows) it fired on {fires} rows, {correct} of them {className} (precision {precision:0.00}).\n");
        s.Append("// After each rule: sample rows it fired on / of those with this class.\n");
        s.Append("using System.Text.RegularExpressions;\n\n");
        s.Append("public static int Label(string text)\n{\n");
        s.Append("    if (string.IsNullOrEmpty(text))\n    {\n        return -1;\n    }\n\n");
        switch (family)
        {
            case RuleFamily.Keyword:
                s.Append(CultureInfo.InvariantCulture, $"    foreach (Match token in Regex.Matches(text.ToLowerInvariant(), {Verbatim(RuleFeatures.TokenRegex)}))\n    {{\n");
                s.Append("        switch (token.Value)\n        {\n");
                AppendCases(s, rules, "            ");
                s.Append(CultureInfo.InvariantCulture, $"                return {cls};\n        }}\n    }}\n\n");
                break;
            case RuleFamily.Phrase:
                s.Append("    var previous = \"\";\n");
                s.Append(CultureInfo.InvariantCulture, $"    foreach (Match token in Regex.Matches(text.ToLowerInvariant(), {Verbatim(RuleFeatures.TokenRegex)}))\n    {{\n");
                s.Append("        if (previous.Length > 0)\n        {\n");
                s.Append("            switch (previous + \" \" + token.Value)\n            {\n");
                AppendCases(s, rules, "                ");
                s.Append(CultureInfo.InvariantCulture, $"                    return {cls};\n            }}\n        }}\n\n");
                s.Append("        previous = token.Value;\n    }\n\n");
                break;
            case RuleFamily.Opening:
                s.Append(CultureInfo.InvariantCulture, $"    var tokens = Regex.Matches(text.ToLowerInvariant(), {Verbatim(RuleFeatures.TokenRegex)});\n");
                s.Append("    if (tokens.Count == 0)\n    {\n        return -1;\n    }\n\n");
                var single = rules.Where(r => !r.Key.Contains(' ')).ToList();
                var pairs = rules.Where(r => r.Key.Contains(' ')).ToList();
                if (single.Count > 0)
                {
                    s.Append("    switch (tokens[0].Value)\n    {\n");
                    AppendCases(s, single, "        ");
                    s.Append(CultureInfo.InvariantCulture, $"            return {cls};\n    }}\n\n");
                }

                if (pairs.Count > 0)
                {
                    s.Append("    if (tokens.Count > 1)\n    {\n");
                    s.Append("        switch (tokens[0].Value + \" \" + tokens[1].Value)\n        {\n");
                    AppendCases(s, pairs, "            ");
                    s.Append(CultureInfo.InvariantCulture, $"                return {cls};\n        }}\n    }}\n\n");
                }

                break;
            case RuleFamily.Pattern:
                AppendPatterns(s, rules, cls);
                break;
        }

        s.Append("    return -1;\n}\n");
        return s.ToString();
    }

    private static void AppendPatterns(StringBuilder s, IReadOnlyList<OfflineRule> rules, int cls)
    {
        var lengths = new List<(OfflineRule Rule, bool AtMost, int Words)>();
        foreach (var rule in rules)
        {
            if (FeatureIndex.TryParseLengthKey(rule.Key, out var atMost, out var words))
            {
                lengths.Add((rule, atMost, words));
                continue;
            }

            var pattern = RuleFeatures.Patterns.First(p => p.Name == rule.Key);
            var options = pattern.IgnoreCase ? ", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant" : ", RegexOptions.CultureInvariant";
            s.Append(CultureInfo.InvariantCulture, $"    // {pattern.Description}: {rule.Fires} / {rule.Correct}\n");
            s.Append(CultureInfo.InvariantCulture, $"    if (Regex.IsMatch(text, {Verbatim(pattern.Regex)}{options}))\n    {{\n        return {cls};\n    }}\n\n");
        }

        if (lengths.Count > 0)
        {
            s.Append(CultureInfo.InvariantCulture, $"    var words = Regex.Matches(text.ToLowerInvariant(), {Verbatim(RuleFeatures.TokenRegex)}).Count;\n");
            foreach (var (rule, atMost, words) in lengths)
            {
                s.Append(CultureInfo.InvariantCulture, $"    // {(atMost ? "at most" : "at least")} {words} words: {rule.Fires} / {rule.Correct}\n");
                s.Append(CultureInfo.InvariantCulture, $"    if (words {(atMost ? "<=" : ">=")} {words})\n    {{\n        return {cls};\n    }}\n\n");
            }
        }
    }

    private static void AppendCases(StringBuilder s, IReadOnlyList<OfflineRule> rules, string indent)
    {
        foreach (var rule in rules)
        {
            s.Append(CultureInfo.InvariantCulture, $"{indent}case {Quoted(rule.Key)}: // {rule.Fires} / {rule.Correct}\n");
        }
    }

    private static string Verbatim(string value) => "@\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Quoted(string value)
    {
        var s = new StringBuilder("\"");
        foreach (var ch in value)
        {
            _ = ch switch
            {
                '"' => s.Append("\\\""),
                '\\' => s.Append("\\\\"),
                _ when char.IsControl(ch) || char.IsSurrogate(ch) => s.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:x4}"),
                _ => s.Append(ch),
            };
        }

        return s.Append('"').ToString();
    }
}
