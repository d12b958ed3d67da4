namespace Alchemist.OfflineSynthesis;

/// <summary>One rule: where <see cref="Key"/> fires the rule votes <see cref="Class"/>; everywhere else it abstains.</summary>
/// <param name="Key">The word, the two words, the opening, or the pattern name (length rules: "words&lt;=N" or "words&gt;=N").</param>
/// <param name="Fires">Labeled sample rows where the rule fires.</param>
/// <param name="Correct">Of those, rows whose gold label is <see cref="Class"/>.</param>
/// <param name="Precision">Smoothed precision on the sample, shrunk toward the class prior.</param>
public sealed record OfflineRule(RuleFamily Family, string Key, int Class, int Fires, int Correct, double Precision);

/// <summary>A labeling program: the rules of one family for one class, and its C# source text.</summary>
public sealed record OfflineProgram(string Name, int Class, RuleFamily Family, IReadOnlyList<OfflineRule> Rules, int SampleRows, int Fires, int Correct, string Source);

public sealed record OfflineSynthesisOptions
{
    /// <summary>How far above the class prior a rule's smoothed precision must be, as a share of the distance to 1.</summary>
    public double Strictness { get; init; } = 0.6;

    /// <summary>Pseudo-count of the prior in the smoothed precision (k + m·prior) / (n + m).</summary>
    public double PriorWeight { get; init; } = 2.0;

    /// <summary>Least number of sample rows of the class a rule must fire on; 0 picks it from the sample size.</summary>
    public int MinSupport { get; init; }

    public int MaxRulesPerProgram { get; init; } = 40;

    public int MaxPrograms { get; init; } = 20;

    /// <summary>Rules of one family with at least this smoothed precision go to a separate "strong" program.</summary>
    public bool SplitStrongRules { get; init; } = true;
}

/// <summary>
/// Writes labeling programs from a small labeled sample, with no LLM: keyword, phrase, opening and pattern rules chosen
/// by precision and support, in the spirit of Snuba (Varma and Ré, 2018). Each rule abstains outside the region where
/// it is confident. Programs come out as ordinary C# source, in the format LLM-written programs use.
/// </summary>
public static class OfflineSynthesizer
{
    public const string Provenance = "offline synthesizer";

    public static IReadOnlyList<OfflineProgram> Synthesize(
        IReadOnlyList<string> texts,
        IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames,
        OfflineSynthesisOptions? options = null)
    {
        options ??= new OfflineSynthesisOptions();
        if (texts.Count != labels.Count)
        {
            throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels", nameof(labels));
        }

        var classes = classNames.Count;
        if (classes < 2)
        {
            throw new ArgumentException("the offline synthesizer needs at least two classes", nameof(classNames));
        }

        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
            {
                throw new ArgumentException($"labeled sample row {i}: label {labels[i]} is not a class index in [0, {classes})", nameof(labels));
            }
        }

        if (texts.Count == 0)
        {
            throw new ArgumentException("the offline synthesizer needs a labeled sample (the valid split); it is empty", nameof(texts));
        }

        var rows = texts.Count;
        var features = FeatureIndex.Build(texts);
        var minSupport = options.MinSupport > 0 ? options.MinSupport : Math.Clamp((int)Math.Round(Math.Sqrt(rows) / 7), 2, 6);
        var classCounts = new int[classes];
        foreach (var label in labels)
        {
            classCounts[label]++;
        }

        var chosen = new List<OfflineRule>();
        for (var c = 0; c < classes; c++)
        {
            var prior = (classCounts[c] + 1.0) / (rows + classes);
            var threshold = prior + ((1 - prior) * options.Strictness);
            chosen.AddRange(ChooseRules(features, labels, c, prior, threshold, minSupport, options.PriorWeight));
        }

        return GroupIntoPrograms(chosen, texts, labels, classNames, options, minSupport);
    }

    private static List<OfflineRule> ChooseRules(FeatureIndex features, IReadOnlyList<int> labels, int cls, double prior, double threshold, int minSupport, double priorWeight)
    {
        var candidates = new List<OfflineRule>();
        foreach (var feature in features.All)
        {
            var correct = 0;
            foreach (var row in feature.Rows)
            {
                if (labels[row] == cls)
                {
                    correct++;
                }
            }

            if (correct < minSupport)
            {
                continue;
            }

            var precision = (correct + (priorWeight * prior)) / (feature.Rows.Count + priorWeight);
            if (precision >= threshold)
            {
                candidates.Add(new OfflineRule(feature.Family, feature.Key, cls, feature.Rows.Count, correct, precision));
            }
        }

        candidates.Sort(static (a, b) =>
        {
            var byPrecision = b.Precision.CompareTo(a.Precision);
            if (byPrecision != 0)
            {
                return byPrecision;
            }

            var bySupport = b.Correct.CompareTo(a.Correct);
            return bySupport != 0 ? bySupport : string.CompareOrdinal(a.Family + a.Key, b.Family + b.Key);
        });

        // A phrase or two-word opening is dropped when one of its words already is a rule for the same class of the
        // same or a broader family: wherever it fires the broader rule fires too, so it adds nothing.
        var keywords = candidates.Where(r => r.Family == RuleFamily.Keyword).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var openings = candidates.Where(r => r.Family == RuleFamily.Opening && !r.Key.Contains(' ')).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        return candidates.Where(r => r.Family switch
        {
            RuleFamily.Phrase => !r.Key.Split(' ').Any(keywords.Contains),
            RuleFamily.Opening when r.Key.Contains(' ') => !openings.Contains(r.Key.Split(' ')[0]),
            _ => true,
        }).ToList();
    }

    private static List<OfflineProgram> GroupIntoPrograms(List<OfflineRule> rules, IReadOnlyList<string> texts, IReadOnlyList<int> labels, IReadOnlyList<string> classNames, OfflineSynthesisOptions options, int minSupport)
    {
        var groups = new List<(int Class, RuleFamily Family, bool Strong, List<OfflineRule> Rules)>();
        foreach (var byClassAndFamily in rules.GroupBy(r => (r.Class, r.Family)).OrderBy(g => g.Key.Class).ThenBy(g => g.Key.Family))
        {
            var all = byClassAndFamily.Take(options.MaxRulesPerProgram * 2).ToList();
            var strong = options.SplitStrongRules ? all.Where(r => r.Correct == r.Fires && r.Correct >= 2 * minSupport).ToList() : [];
            if (strong.Count >= 3 && all.Count - strong.Count >= 3)
            {
                groups.Add((byClassAndFamily.Key.Class, byClassAndFamily.Key.Family, true, strong.Take(options.MaxRulesPerProgram).ToList()));
                groups.Add((byClassAndFamily.Key.Class, byClassAndFamily.Key.Family, false, all.Except(strong).Take(options.MaxRulesPerProgram).ToList()));
            }
            else
            {
                groups.Add((byClassAndFamily.Key.Class, byClassAndFamily.Key.Family, false, all.Take(options.MaxRulesPerProgram).ToList()));
            }
        }

        var programs = new List<OfflineProgram>();
        var tokenized = texts.Select(RuleFeatures.Tokenize).ToArray();
        foreach (var (cls, family, strong, groupRules) in groups)
        {
            var name = $"{Slug(classNames[cls])}-{FamilyName(family)}{(strong ? "-strong" : "")}";
            var matcher = new RuleMatcher(groupRules);
            int fires = 0, correct = 0;
            for (var i = 0; i < texts.Count; i++)
            {
                if (matcher.Fires(texts[i], tokenized[i]))
                {
                    fires++;
                    correct += labels[i] == cls ? 1 : 0;
                }
            }

            var source = ProgramWriter.Write(name, cls, classNames, family, groupRules, texts.Count, fires, correct);
            programs.Add(new OfflineProgram(name, cls, family, groupRules, texts.Count, fires, correct, source));
        }

        // Too many programs make a report nobody reads: keep those that cover the most of the sample.
        return programs.Count <= options.MaxPrograms
            ? programs
            : programs.OrderByDescending(p => p.Correct).Take(options.MaxPrograms).OrderBy(p => p.Class).ThenBy(p => p.Family).ToList();
    }

    internal static string FamilyName(RuleFamily family) => family switch
    {
        RuleFamily.Keyword => "keywords",
        RuleFamily.Phrase => "phrases",
        RuleFamily.Opening => "openings",
        RuleFamily.Pattern => "patterns",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    internal static string Slug(string name)
    {
        var chars = name.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray();
        var slug = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "class" : slug;
    }
}
