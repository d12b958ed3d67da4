using System.Globalization;
using System.Text;

namespace Alchemist.OfflineSynthesis;

/// <summary>Writes a group of rules as a readable C# labeling program: <c>public static int Label(string text)</c>.</summary>
internal static class ProgramWriter
{
    public static string Write(string name, int cls, IReadOnlyList<string> classNames, RuleFamily family, IReadOnlyList<OfflineRule> rules, int sampleRows, int fires, int correct, string settings, string? textFromRow = null)
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
        var s = Begin(name);
        s.Append(CultureInfo.InvariantCulture, $"// Votes {className} (class {cls}) when the text {what}; abstains otherwise.\n");
        s.Append(CultureInfo.InvariantCulture, $"// On the labeled sample ({sampleRows} rows) it fired on {fires} rows, {correct} of them {className} (precision {precision:0.00}).\n");
        s.Append(CultureInfo.InvariantCulture, $"// {settings}.\n");
        s.Append("// After each rule: sample rows it fired on / of those with this class.\n");
        OpenLabel(s, textFromRow);
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

    /// <summary>
    /// A scoring program: per class, the log prior plus the naive Bayes log-odds of each feature the text has; votes
    /// <paramref name="cls"/> only when its score leads every other class by the margin. Sums run in the order
    /// <see cref="NaiveBayesScorer.Decide(string, string[])"/> uses, so the program decides exactly as the scorer.
    /// </summary>
    public static string WriteScoring(string name, int cls, IReadOnlyList<string> classNames, NaiveBayesScorer scorer, int sampleRows, int fires, int correct, string settings, string? textFromRow = null)
    {
        var className = classNames[cls];
        var what = scorer.Family switch
        {
            RuleFamily.Keyword => "words",
            RuleFamily.Phrase => "two-word phrases",
            RuleFamily.Opening => "openings (first word, first two words)",
            _ => "surface patterns and lengths",
        };
        var margin = Number(scorer.Margin);
        var s = Begin(name);
        s.Append(CultureInfo.InvariantCulture, $"// Naive Bayes over {what}: each class starts from its log prior and each feature the text has adds its log-odds\n");
        s.Append(CultureInfo.InvariantCulture, $"// per class (weights in the order {string.Join(", ", classNames)}). Votes {className} (class {cls}) when {className}'s score\n");
        s.Append(CultureInfo.InvariantCulture, $"// leads every other class by at least {scorer.Margin:0.###}; abstains otherwise, and always when the text has none of the features.\n");
        s.Append(CultureInfo.InvariantCulture, $"// The margin is the lowest at which leave-one-out scores on the labeled sample ({sampleRows} rows) were right often enough;\n");
        s.Append(CultureInfo.InvariantCulture, $"// scored that way it voted {className} on {fires} sample rows, {correct} of them {className} (precision {(fires == 0 ? 0 : (double)correct / fires):0.00}).\n");
        s.Append(CultureInfo.InvariantCulture, $"// {settings}.\n");
        OpenLabel(s, textFromRow);
        s.Append(CultureInfo.InvariantCulture, $"    double[] scores = [{string.Join(", ", scorer.Bias.Select(Number))}];\n");
        var tokens = $"Regex.Matches(text.ToLowerInvariant(), {Verbatim(RuleFeatures.TokenRegex)})";
        switch (scorer.Family)
        {
            case RuleFamily.Keyword:
                s.Append("    var seen = new HashSet<string>();\n");
                s.Append(CultureInfo.InvariantCulture, $"    foreach (Match token in {tokens})\n    {{\n");
                s.Append("        if (!seen.Add(token.Value))\n        {\n            continue;\n        }\n\n");
                s.Append("        switch (token.Value)\n        {\n");
                AppendWeightCases(s, scorer.Weights, "            ");
                s.Append("        }\n    }\n\n");
                break;
            case RuleFamily.Phrase:
                s.Append("    var seen = new HashSet<string>();\n");
                s.Append("    var previous = \"\";\n");
                s.Append(CultureInfo.InvariantCulture, $"    foreach (Match token in {tokens})\n    {{\n");
                s.Append("        var phrase = previous + \" \" + token.Value;\n");
                s.Append("        if (previous.Length > 0 && seen.Add(phrase))\n        {\n");
                s.Append("            switch (phrase)\n            {\n");
                AppendWeightCases(s, scorer.Weights, "                ");
                s.Append("            }\n        }\n\n");
                s.Append("        previous = token.Value;\n    }\n\n");
                break;
            case RuleFamily.Opening:
                s.Append(CultureInfo.InvariantCulture, $"    var tokens = {tokens};\n");
                s.Append("    if (tokens.Count > 0)\n    {\n");
                s.Append("        AddOpening(scores, tokens[0].Value);\n    }\n\n");
                s.Append("    if (tokens.Count > 1)\n    {\n");
                s.Append("        AddOpening(scores, tokens[0].Value + \" \" + tokens[1].Value);\n    }\n\n");
                break;
            case RuleFamily.Pattern:
                var lengths = new List<(string Key, double[] Weights, bool AtMost, int Words)>();
                foreach (var (key, weights) in scorer.Weights)
                {
                    if (FeatureIndex.TryParseLengthKey(key, out var atMost, out var words))
                    {
                        lengths.Add((key, weights, atMost, words));
                        continue;
                    }

                    var pattern = RuleFeatures.Patterns.First(p => p.Name == key);
                    var options = pattern.IgnoreCase ? ", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant" : ", RegexOptions.CultureInvariant";
                    s.Append(CultureInfo.InvariantCulture, $"    // {pattern.Description}\n");
                    s.Append(CultureInfo.InvariantCulture, $"    if (Regex.IsMatch(text, {Verbatim(pattern.Regex)}{options}))\n    {{\n        Add(scores, {string.Join(", ", weights.Select(Number))});\n    }}\n\n");
                }

                if (lengths.Count > 0)
                {
                    s.Append(CultureInfo.InvariantCulture, $"    var words = {tokens}.Count;\n");
                    foreach (var (_, weights, atMost, words) in lengths)
                    {
                        s.Append(CultureInfo.InvariantCulture, $"    if (words {(atMost ? "<=" : ">=")} {words})\n    {{\n        Add(scores, {string.Join(", ", weights.Select(Number))});\n    }}\n\n");
                    }
                }

                break;
        }

        s.Append(CultureInfo.InvariantCulture, $"    return Decide(scores, {cls}, {margin});\n}}\n\n");
        if (scorer.Family == RuleFamily.Opening)
        {
            s.Append("static void AddOpening(double[] scores, string opening)\n{\n    switch (opening)\n    {\n");
            AppendWeightCases(s, scorer.Weights, "        ");
            s.Append("    }\n}\n\n");
        }

        s.Append("static void Add(double[] scores, params double[] weights)\n{\n");
        s.Append("    for (var c = 0; c < scores.Length; c++)\n    {\n        scores[c] += weights[c];\n    }\n}\n\n");
        s.Append("// The class if its score leads every other class by at least the margin, else -1 (abstain).\n");
        s.Append("static int Decide(double[] scores, int cls, double margin)\n{\n");
        s.Append("    for (var c = 0; c < scores.Length; c++)\n    {\n");
        s.Append("        if (c != cls && scores[cls] - scores[c] < margin)\n        {\n            return -1;\n        }\n    }\n\n");
        s.Append("    return cls;\n}\n");
        return s.ToString();
    }

    /// <summary>A one-rule program over a number input: <c>public static int Label(Row row)</c> comparing one field with the threshold.</summary>
    public static string WriteThreshold(string name, ThresholdRule rule, string memberName, IReadOnlyList<string> classNames, int sampleRows, string settings)
    {
        var className = classNames[rule.Class];
        var words = rule.Direction switch
        {
            ThresholdDirection.AtLeast => string.Create(CultureInfo.InvariantCulture, $"at least {rule.Threshold:G6}"),
            ThresholdDirection.AtMost => string.Create(CultureInfo.InvariantCulture, $"at most {rule.Threshold:G6}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"between {rule.Threshold:G6} and {rule.Upper:G6}"),
        };
        var s = Begin(name);
        s.Append(CultureInfo.InvariantCulture, $"// Votes {className} (class {rule.Class}) when {rule.Feature} is {words}; abstains otherwise, and when it is missing (NaN).\n");
        s.Append(CultureInfo.InvariantCulture, $"// On the labeled sample ({sampleRows} rows) it fired on {rule.Fires} rows, {rule.Correct} of them {className} (precision {(double)rule.Correct / rule.Fires:0.00}).\n");
        s.Append(CultureInfo.InvariantCulture, $"// {settings}.\n");
        // A member is a property of the row, or an expression over them in parentheses (a difference of two scores).
        var value = memberName.StartsWith('(') ? memberName : "row." + memberName;
        var test = rule.Direction switch
        {
            ThresholdDirection.AtLeast => $"{value} >= {Number(rule.Threshold)}",
            ThresholdDirection.AtMost => $"{value} <= {Number(rule.Threshold)}",
            _ => $"{value} >= {Number(rule.Threshold)} && {value} <= {Number(rule.Upper)}",
        };
        s.Append(CultureInfo.InvariantCulture, $"public static int Label(Row row)\n{{\n    return {test} ? {rule.Class} : -1;\n}}\n");
        return s.ToString();
    }

    private static void AppendWeightCases(StringBuilder s, IReadOnlyList<(string Key, double[] Weights)> weights, string indent)
    {
        foreach (var (key, w) in weights)
        {
            s.Append(CultureInfo.InvariantCulture, $"{indent}case {Quoted(key)}:\n{indent}    Add(scores, {string.Join(", ", w.Select(Number))});\n{indent}    break;\n");
        }
    }

    /// <summary>Round-trip text of a double, so the program adds exactly the scorer's numbers.</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

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

    /// <summary>The first comment line every written program starts with.</summary>
    private static StringBuilder Begin(string name) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture, $"// Labeling program \"{name}\", written by the {OfflineSynthesizer.Provenance} from the labeled sample.\n");

    /// <summary>
    /// The usings and the Label method's opening: <c>Label(string text)</c>, or <c>Label(Row row)</c> reading the text from the
    /// row by <paramref name="textFromRow"/>; empty text abstains.
    /// </summary>
    private static void OpenLabel(StringBuilder s, string? textFromRow)
    {
        s.Append("using System.Text.RegularExpressions;\n\n");
        if (textFromRow is null)
        {
            s.Append("public static int Label(string text)\n{\n");
        }
        else
        {
            s.Append("public static int Label(Row row)\n{\n");
            s.Append("    // The text inputs, joined as the synthesizer read them.\n");
            s.Append(CultureInfo.InvariantCulture, $"    var text = {textFromRow};\n");
        }

        s.Append("    if (string.IsNullOrEmpty(text))\n    {\n        return -1;\n    }\n\n");
    }
}
