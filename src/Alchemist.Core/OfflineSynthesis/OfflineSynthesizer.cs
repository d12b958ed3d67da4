using System.Globalization;
using Alchemist.Evaluation;
using Alchemist.Labeling;

namespace Alchemist.OfflineSynthesis;

/// <summary>One rule: where <see cref="Key"/> fires the rule votes <see cref="Class"/>; everywhere else it abstains.</summary>
/// <param name="Family">What kind of feature the rule looks for.</param>
/// <param name="Key">The word, the two words, the opening, or the pattern name (length rules: "words&lt;=N" or "words&gt;=N");
/// for a scoring rule, "naive-bayes".</param>
/// <param name="Class">The class the rule votes.</param>
/// <param name="Fires">Labeled sample rows where the rule fires (for a scoring rule: with leave-one-out scores).</param>
/// <param name="Correct">Of those, rows whose gold label is <see cref="Class"/>.</param>
/// <param name="Precision">Smoothed precision on the sample, shrunk toward the class prior (scoring rules: leave-one-out precision).</param>
public sealed record OfflineRule(RuleFamily Family, string Key, int Class, int Fires, int Correct, double Precision)
{
    /// <summary>Set for a scoring rule: it fires where the scorer decides <see cref="OfflineRule.Class"/>.</summary>
    public NaiveBayesScorer? Scorer { get; init; }
}

/// <summary>A labeling program: rules that vote one class, and its C# source text.</summary>
public sealed record OfflineProgram(string Name, int Class, RuleFamily Family, IReadOnlyList<OfflineRule> Rules, int SampleRows, int Fires, int Correct, string Source)
{
    /// <summary>
    /// Set where the class had no program at the chosen strictness and its rules were kept at this lower one, which still
    /// asks each rule to beat the class's own prior (<see cref="OfflineSynthesisOptions.CoverageStrictness"/>).
    /// </summary>
    public double? CoverageStrictness { get; init; }
}

/// <summary>A class with enough sample rows that still got no program, and why.</summary>
public sealed record UncoveredClass(int Class, string Name, int SampleRows, string Reason);

/// <summary>
/// How <see cref="OfflineSynthesizer"/> writes programs; settings left null are chosen by cross-validation on the sample.
/// </summary>
public sealed record OfflineSynthesisOptions
{
    /// <summary>
    /// How far above the class prior a rule's smoothed precision must be, as a share of the distance to 1; null chooses it
    /// by cross-validation on the sample from <see cref="StrictnessCandidates"/>.
    /// </summary>
    public double? Strictness { get; init; }

    /// <summary>The strictnesses the cross-validation tries when <see cref="Strictness"/> is null.</summary>
    public IReadOnlyList<double> StrictnessCandidates { get; init; } = [0.35, 0.5, 0.6, 0.65, 0.8];

    /// <summary>
    /// The settings kept unless another candidate beats them in the cross-validation by more than one standard error of
    /// their held-out accuracy: on a sample of a hundred rows most differences between candidates are noise.
    /// </summary>
    public (double Strictness, ScoringSettings Scoring) Default { get; init; } = (0.6, new ScoringSettings(ScoringScope.AllFamilies, 0.9));

    /// <summary>
    /// Which scoring programs to write and the leave-one-out precision their margin must reach; null chooses by
    /// cross-validation on the sample from <see cref="ScoringCandidates"/>.
    /// </summary>
    public ScoringSettings? Scoring { get; init; }

    /// <summary>
    /// The scoring settings the cross-validation tries when <see cref="Scoring"/> is null, each with every strictness
    /// candidate.
    /// </summary>
    public IReadOnlyList<ScoringSettings> ScoringCandidates { get; init; } =
    [
        ScoringSettings.None,
        new(ScoringScope.Keywords, 0.9),
        new(ScoringScope.Keywords, 0.75),
        new(ScoringScope.AllFamilies, 0.9),
        new(ScoringScope.AllFamilies, 0.75),
        new(ScoringScope.AllFamilies, 0.6),
    ];

    /// <summary>
    /// What the cross-validation ranks settings by: held-out accuracy, or macro-F1, which counts a small class as much as the
    /// majority one.
    /// </summary>
    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Accuracy;

    /// <summary>A class with at least this many sample rows gets a program, at a lower strictness if need be, or an <see cref="UncoveredClass"/> that says why not.</summary>
    public int MinimumClassRows { get; init; } = 5;

    /// <summary>
    /// The strictnesses tried, in order, for a class with no program at the chosen one (those below it only). Each still
    /// puts the rule's smoothed precision above the class's own prior, as Snuba's per-class thresholds do: a rare class's
    /// prior is low, so its rules may be far from perfect and still say much more than its base rate.
    /// </summary>
    public IReadOnlyList<double> CoverageStrictness { get; init; } = [0.35, 0.2, 0.1];

    /// <summary>Folds of the cross-validation that chooses <see cref="Strictness"/> and <see cref="Scoring"/>.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>How many times the cross-validation is repeated with other folds; more repeats make the choice steadier on a small sample.</summary>
    public int Repeats { get; init; } = 2;

    /// <summary>Pseudo-count of the prior in the smoothed precision (k + m·prior) / (n + m).</summary>
    public double PriorWeight { get; init; } = 2.0;

    /// <summary>Least number of sample rows of the class a rule must fire on; 0 picks it from the sample size.</summary>
    public int MinSupport { get; init; }

    internal int MaxRulesPerProgram { get; init; } = 40;

    /// <summary>At most this many rule programs; scoring programs come on top (at most one per class and family).</summary>
    public int MaxPrograms { get; init; } = 20;

    /// <summary>Rules of one family that were never wrong on the sample, with twice the least support, go to a separate "strong" program.</summary>
    public bool SplitStrongRules { get; init; } = true;

    /// <summary>Add-alpha smoothing of the naive Bayes counts in scoring programs.</summary>
    public double Smoothing { get; init; } = 1.0;

    /// <summary>
    /// Where the task's programs take a generated row record (several inputs), a C# expression over <c>row</c> that gives the
    /// text the sample's texts were made from, e.g. <c>row.Title + "\n" + row.Body</c>; null writes <c>Label(string text)</c>,
    /// the shape for a task with one text input.
    /// </summary>
    public string? TextFromRow { get; init; }
}

/// <summary>Which scoring (naive Bayes) programs the offline synthesizer writes.</summary>
public enum ScoringScope
{
    /// <summary>No scoring programs: rule programs only.</summary>
    None,

    /// <summary>One scoring program over single words.</summary>
    Keywords,

    /// <summary>One scoring program per rule family (words, two-word phrases, openings, patterns and lengths).</summary>
    AllFamilies,
}

/// <summary>Which scoring programs to write, and the leave-one-out precision on the sample their margin must reach.</summary>
public sealed record ScoringSettings(ScoringScope Scope, double Precision)
{
    /// <summary>No scoring programs.</summary>
    public static ScoringSettings None { get; } = new(ScoringScope.None, 1);

    /// <summary>
    /// The settings in words, as program headers state them: "no scoring programs", or e.g. "scoring programs over words at
    /// leave-one-out precision 0.90".
    /// </summary>
    public override string ToString() => Scope == ScoringScope.None
        ? "no scoring programs"
        : string.Create(CultureInfo.InvariantCulture, $"scoring programs over {(Scope == ScoringScope.Keywords ? "words" : "every family")} at leave-one-out precision {Precision:0.00}");
}

/// <summary>
/// Writes labeling programs from a small labeled sample, with no LLM, in the spirit of Snuba (Varma and Ré, 2018). Two kinds:
/// rule programs (keyword, phrase, opening and pattern rules, each kept when its smoothed precision on the sample is far
/// enough above the class prior, grouped by class and family) and scoring programs (naive Bayes scores over one family's
/// features that vote a class only when its lead over the runner-up reaches a margin chosen on leave-one-out scores).
/// Every program abstains outside the region where it is confident. How strict the rules are and which scoring programs
/// to write is chosen by k-fold cross-validation inside the sample: programs written from k-1 folds, majority vote of
/// their votes scored on the held-out fold. Programs come out as ordinary C# source, in the format LLM-written programs use.
/// Deterministic: the same sample gives the same programs.
/// </summary>
public static class OfflineSynthesizer
{
    /// <summary>The author name programs of this synthesizer carry in their provenance, and that reports show.</summary>
    public const string Provenance = "offline synthesizer";

    /// <summary>
    /// Programs written from a labeled sample, with the settings of <paramref name="options"/> or those chosen by
    /// cross-validation on the sample.
    /// </summary>
    /// <param name="texts">The sample's texts.</param>
    /// <param name="labels">Each text's class, an index into <paramref name="classNames"/>.</param>
    /// <param name="classNames">The task's classes, at least two; they name the programs.</param>
    /// <param name="options">Settings; null takes the defaults.</param>
    /// <exception cref="ArgumentException">
    /// The sample is empty, the counts differ, a label is not a class index, or there are fewer than two classes.
    /// </exception>
    public static IReadOnlyList<OfflineProgram> Synthesize(
        IReadOnlyList<string> texts,
        IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames,
        OfflineSynthesisOptions? options = null) => SynthesizeWithChoice(texts, labels, classNames, options).Programs;

    /// <summary>As <see cref="Synthesize"/>, with the settings that were used and, when chosen, the cross-validation scores behind them.</summary>
    public static OfflineSynthesisResult SynthesizeWithChoice(
        IReadOnlyList<string> texts,
        IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames,
        OfflineSynthesisOptions? options = null)
    {
        options ??= new OfflineSynthesisOptions();
        var classes = classNames.Count;
        Validate(texts, labels, classes);
        var sample = new Sample(texts, labels, classes, options, classNames);
        var toCover = sample.ClassesToCover();
        var (strictness, scoring, scores) = options.Strictness is { } fixedStrictness && options.Scoring is { } fixedScoring
            ? (fixedStrictness, fixedScoring, (IReadOnlyList<CrossValidationScore>)[])
            : Choose(sample, options, toCover);
        var note = scores.Count == 0
            ? "settings given by the caller"
            : string.Create(CultureInfo.InvariantCulture, $"settings chosen by {options.Folds}-fold cross-validation on the sample (held-out majority-vote {options.Metric.DisplayName()} {scores.Max(s => s.Score(options.Metric)):0.000})");
        var programs = sample.RulePrograms(strictness);
        programs.AddRange(sample.ScoringPrograms(scoring));
        var uncovered = new List<UncoveredClass>();
        foreach (var c in sample.Uncovered(programs, toCover))
        {
            var (coverage, reason) = sample.CoveragePrograms(c, strictness);
            programs.AddRange(coverage);
            if (reason is not null)
            {
                uncovered.Add(new UncoveredClass(c, classNames[c], sample.ClassCounts[c], reason));
            }
        }

        var written = programs
            .Select(p => p with { Source = WriteSource(p, classNames, sample.Rows, strictness, scoring, note, options.TextFromRow) })
            .ToList();
        return new OfflineSynthesisResult(written, strictness, scoring, scores) { Metric = options.Metric, UncoveredClasses = uncovered };
    }

    private static void Validate(IReadOnlyList<string> texts, IReadOnlyList<int> labels, int classes)
    {
        if (texts.Count != labels.Count)
        {
            throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels", nameof(labels));
        }

        if (classes < 2)
        {
            throw new ArgumentException("the offline synthesizer needs at least two classes", "classNames");
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
    }

    private static string WriteSource(OfflineProgram program, IReadOnlyList<string> classNames, int rows, double strictness, ScoringSettings scoring, string note, string? textFromRow)
    {
        if (program.Rules is [{ Scorer: { } scorer }])
        {
            var settings = string.Create(CultureInfo.InvariantCulture, $"{scoring}; {note}");
            return ProgramWriter.WriteScoring(program.Name, program.Class, classNames, scorer, rows, program.Fires, program.Correct, settings, textFromRow);
        }

        var ruleSettings = program.CoverageStrictness is { } lowered
            ? string.Create(CultureInfo.InvariantCulture, $"rule strictness {lowered:0.00}, below the chosen {strictness:0.00}, at which this class had no program (every rule still beats the class's prior); {note}")
            : string.Create(CultureInfo.InvariantCulture, $"rule strictness {strictness:0.00}; {note}");
        return ProgramWriter.Write(program.Name, program.Class, classNames, program.Family, program.Rules, rows, program.Fires, program.Correct, ruleSettings, textFromRow);
    }

    /// <summary>
    /// Every combination of candidate strictness and scoring settings, scored in the metric by the majority vote of the
    /// programs written from k-1 folds (with the programs that cover classes left without one) on the held-out fold (rows
    /// with no vote count as the most frequent class), averaged over the repeats. The default is kept unless the best leads
    /// it by more than one standard error; other ties keep the earlier candidate.
    /// </summary>
    private static (double Strictness, ScoringSettings Scoring, IReadOnlyList<CrossValidationScore> Scores) Choose(Sample sample, OfflineSynthesisOptions options, IReadOnlyList<int> toCover)
    {
        var strictnessCandidates = options.Strictness is { } s ? [s] : options.StrictnessCandidates;
        var scoringCandidates = options.Scoring is { } sc ? [sc] : options.ScoringCandidates;
        var classes = sample.Classes;
        var repeats = Math.Max(1, options.Repeats);
        var predicted = new int[strictnessCandidates.Count, scoringCandidates.Count, repeats][];
        var folds = Math.Clamp(options.Folds, 2, Math.Max(2, sample.Rows / 4));
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            for (var i = 0; i < strictnessCandidates.Count; i++)
            {
                for (var j = 0; j < scoringCandidates.Count; j++)
                {
                    predicted[i, j, repeat] = new int[sample.Rows];
                }
            }

            var fold = sample.FoldOfRow(folds, repeat);
            for (var f = 0; f < folds; f++)
            {
                var learn = Enumerable.Range(0, sample.Rows).Where(r => fold[r] != f).ToArray();
                var hold = Enumerable.Range(0, sample.Rows).Where(r => fold[r] == f).ToArray();
                if (hold.Length == 0 || learn.Length == 0)
                {
                    continue;
                }

                var inner = sample.Subset(learn);
                var holdTexts = hold.Select(r => sample.Texts[r]).ToArray();
                var holdTokens = hold.Select(r => sample.Tokens[r]).ToArray();
                var rulePrograms = strictnessCandidates.Select(inner.RulePrograms).ToArray();
                var scoringPrograms = scoringCandidates.Select(inner.ScoringPrograms).ToArray();
                var ruleCounts = rulePrograms.Select(p => VoteCounts(p, holdTexts, holdTokens, classes)).ToArray();
                var scoringCounts = scoringPrograms.Select(p => VoteCounts(p, holdTexts, holdTokens, classes)).ToArray();
                var coverageCounts = new Dictionary<(int Strictness, int Class), (int[] Counts, double[] Coverage)>();
                var fallback = inner.MostFrequentClass;
                var total = new int[classes];
                var totalCoverage = new double[classes];
                for (var i = 0; i < strictnessCandidates.Count; i++)
                {
                    for (var j = 0; j < scoringCandidates.Count; j++)
                    {
                        var extra = new List<(int[] Counts, double[] Coverage)>();
                        foreach (var c in inner.Uncovered([.. rulePrograms[i], .. scoringPrograms[j]], toCover))
                        {
                            if (!coverageCounts.TryGetValue((i, c), out var counts))
                            {
                                counts = coverageCounts[(i, c)] = VoteCounts(inner.CoveragePrograms(c, strictnessCandidates[i]).Programs, holdTexts, holdTokens, classes);
                            }

                            extra.Add(counts);
                        }

                        for (var k = 0; k < hold.Length; k++)
                        {
                            for (var c = 0; c < classes; c++)
                            {
                                var at = (k * classes) + c;
                                total[c] = ruleCounts[i].Counts[at] + scoringCounts[j].Counts[at];
                                totalCoverage[c] = ruleCounts[i].Coverage[at] + scoringCounts[j].Coverage[at];
                                foreach (var (counts, coverage) in extra)
                                {
                                    total[c] += counts[at];
                                    totalCoverage[c] += coverage[at];
                                }
                            }

                            predicted[i, j, repeat][hold[k]] = MajorityClass(total, totalCoverage, fallback);
                        }
                    }
                }
            }
        }

        var gold = sample.Labels.ToArray();
        var scores = new List<CrossValidationScore>();
        var best = (I: 0, J: 0);
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < strictnessCandidates.Count; i++)
        {
            for (var j = 0; j < scoringCandidates.Count; j++)
            {
                var metrics = Enumerable.Range(0, repeats).Select(r => ClassificationMetrics.Compute(gold, predicted[i, j, r], classes)).ToArray();
                var score = new CrossValidationScore(strictnessCandidates[i], scoringCandidates[j], metrics.Average(m => m.Accuracy)) { MacroF1 = metrics.Average(m => m.MacroF1) };
                scores.Add(score);
                if (score.Score(options.Metric) > bestScore + 1e-12)
                {
                    (best, bestScore) = ((i, j), score.Score(options.Metric));
                }
            }
        }

        var chosen = scores[(best.I * scoringCandidates.Count) + best.J];
        var preferredAt = scores.FindIndex(x => x.Strictness == options.Default.Strictness && x.Scoring == options.Default.Scoring);
        if (preferredAt >= 0)
        {
            var preferred = scores[preferredAt];
            // Accuracy: the binomial standard error of the default's held-out accuracy, as measured when this gate was set
            // (docs/architecture.md); macro-F1 is not a mean over rows, so its paired bootstrap standard error on the first repeat.
            var standardError = options.Metric != EvaluationMetric.MacroF1
                ? Math.Sqrt(preferred.Accuracy * (1 - preferred.Accuracy) / sample.Rows)
                : PairedLead.Of(options.Metric, predicted[best.I, best.J, 0], predicted[preferredAt / scoringCandidates.Count, preferredAt % scoringCandidates.Count, 0], gold, classes).StandardError;
            if (chosen.Score(options.Metric) - preferred.Score(options.Metric) <= (double.IsNaN(standardError) ? 0 : standardError))
            {
                return (preferred.Strictness, preferred.Scoring, scores);
            }
        }

        return (chosen.Strictness, chosen.Scoring, scores);
    }

    /// <summary>
    /// Per held-out row and class, how many programs vote that class and the sum of those programs' coverage of the
    /// sample they were written from (row-major).
    /// </summary>
    private static (int[] Counts, double[] Coverage) VoteCounts(IReadOnlyList<OfflineProgram> programs, string[] texts, string[][] tokens, int classes)
    {
        var counts = new int[texts.Length * classes];
        var coverage = new double[texts.Length * classes];
        foreach (var program in programs)
        {
            var matcher = new RuleMatcher(program.Rules);
            var programCoverage = program.Fires / (double)Math.Max(program.SampleRows, 1);
            for (var k = 0; k < texts.Length; k++)
            {
                if (matcher.Fires(texts[k], tokens[k]))
                {
                    counts[(k * classes) + program.Class]++;
                    coverage[(k * classes) + program.Class] += programCoverage;
                }
            }
        }

        return (counts, coverage);
    }

    /// <summary>
    /// The class with most votes, as the majority-vote label model decides: a tie goes to the side whose voters fire on
    /// the smallest share of rows (the most specific), no votes to <paramref name="fallback"/>.
    /// </summary>
    private static int MajorityClass(int[] votes, double[] coverage, int fallback)
    {
        var best = -1;
        for (var c = 0; c < votes.Length; c++)
        {
            if (votes[c] == 0)
            {
                continue;
            }

            if (best < 0 || votes[c] > votes[best] || (votes[c] == votes[best] && coverage[c] / votes[c] < coverage[best] / votes[best]))
            {
                best = c;
            }
        }

        return best < 0 ? fallback : best;
    }

    internal static string FamilyName(RuleFamily family) => family switch
    {
        RuleFamily.Keyword => "keywords",
        RuleFamily.Phrase => "phrases",
        RuleFamily.Opening => "openings",
        RuleFamily.Pattern => "patterns",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    /// <summary>The labeled sample with its features, class counts and support threshold; writes programs without source text.</summary>
    private sealed class Sample
    {
        private readonly OfflineSynthesisOptions _options;
        private readonly IReadOnlyList<string> _classNames;
        private readonly string[] _classSlugs;

        public Sample(IReadOnlyList<string> texts, IReadOnlyList<int> labels, int classes, OfflineSynthesisOptions options, IReadOnlyList<string>? classNames = null, string[][]? tokens = null)
        {
            Texts = texts;
            Labels = labels;
            Classes = classes;
            _options = options;
            _classNames = classNames ?? Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
            _classSlugs = ProgramNames.ClassSlugs(_classNames);
            Tokens = tokens ?? texts.Select(RuleFeatures.Tokenize).ToArray();
            Features = FeatureIndex.Build(texts);
            ClassCounts = new int[classes];
            foreach (var label in labels)
            {
                ClassCounts[label]++;
            }

            MinSupport = options.MinSupport > 0 ? options.MinSupport : Math.Clamp((int)Math.Round(Math.Sqrt(Rows) / 7), 2, 6);
        }

        public IReadOnlyList<string> Texts { get; }

        public IReadOnlyList<int> Labels { get; }

        public string[][] Tokens { get; }

        public int Classes { get; }

        public int Rows => Texts.Count;

        public FeatureIndex Features { get; }

        public int[] ClassCounts { get; }

        public int MinSupport { get; }

        public int MostFrequentClass => Array.IndexOf(ClassCounts, ClassCounts.Max());

        public Sample Subset(int[] rows) =>
            new(rows.Select(r => Texts[r]).ToArray(), rows.Select(r => Labels[r]).ToArray(), Classes, _options, _classNames, rows.Select(r => Tokens[r]).ToArray());

        /// <summary>Folds stratified by class, rows shuffled with a fixed seed so the choice is deterministic.</summary>
        public int[] FoldOfRow(int folds, int repeat)
        {
            var random = new Random(20180301 + repeat);
            var order = Enumerable.Range(0, Rows).Select(r => (Row: r, Key: random.Next())).OrderBy(x => Labels[x.Row]).ThenBy(x => x.Key).ToArray();
            var fold = new int[Rows];
            for (var i = 0; i < order.Length; i++)
            {
                fold[order[i].Row] = i % folds;
            }

            return fold;
        }

        public List<OfflineProgram> RulePrograms(double strictness)
        {
            var chosen = new List<OfflineRule>();
            for (var c = 0; c < Classes; c++)
            {
                chosen.AddRange(ChooseRules(c, Prior(c), Threshold(c, strictness), MinSupport));
            }

            return GroupIntoPrograms(chosen);
        }

        /// <summary>The class's smoothed share of the sample: the base rate a rule for it must beat.</summary>
        private double Prior(int cls) => (ClassCounts[cls] + 1.0) / (Rows + Classes);

        private double Threshold(int cls, double strictness) => Prior(cls) + ((1 - Prior(cls)) * strictness);

        /// <summary>The classes that must get a program or a reason: those with at least <see cref="OfflineSynthesisOptions.MinimumClassRows"/> sample rows.</summary>
        public IReadOnlyList<int> ClassesToCover() => [.. Enumerable.Range(0, Classes).Where(c => ClassCounts[c] >= _options.MinimumClassRows)];

        /// <summary>The classes of <paramref name="toCover"/> no program in <paramref name="programs"/> votes for.</summary>
        public IEnumerable<int> Uncovered(IReadOnlyList<OfflineProgram> programs, IReadOnlyList<int> toCover) =>
            toCover.Where(c => !programs.Any(p => p.Class == c));

        /// <summary>
        /// Programs for a class that has none at <paramref name="strictness"/>: its rules at the first lower strictness in
        /// <see cref="OfflineSynthesisOptions.CoverageStrictness"/> that yields any, with the least support lowered to a third
        /// of the class's rows (at least 2) where the class is too small for the usual one. Without any, the reason.
        /// </summary>
        public (List<OfflineProgram> Programs, string? Reason) CoveragePrograms(int cls, double strictness)
        {
            var support = Math.Min(MinSupport, Math.Max(2, ClassCounts[cls] / 3));
            var tried = _options.CoverageStrictness.Where(s => s < strictness).ToList();
            foreach (var lowered in tried)
            {
                var rules = ChooseRules(cls, Prior(cls), Threshold(cls, lowered), support);
                if (rules.Count > 0)
                {
                    return ([.. GroupIntoPrograms(rules).Select(p => p with { CoverageStrictness = lowered })], null);
                }
            }

            var floor = tried.Count > 0 ? tried.Min() : strictness;
            return ([], string.Create(CultureInfo.InvariantCulture,
                $"no word, phrase, opening or pattern on at least {support} of its {ClassCounts[cls]} sample rows reaches a smoothed precision of {Threshold(cls, floor):0.00} " +
                $"(its prior {Prior(cls):0.00} plus {floor:0.00} of the way to 1), the least strictness tried; label more of its rows, or write or ask an LLM for a program for it"));
        }

        public List<OfflineProgram> ScoringPrograms(ScoringSettings settings) => settings.Scope switch
        {
            ScoringScope.None => [],
            ScoringScope.Keywords => [.. ScoringPrograms(RuleFamily.Keyword, settings.Precision)],
            _ => [.. Enum.GetValues<RuleFamily>().SelectMany(family => ScoringPrograms(family, settings.Precision))],
        };

        private List<OfflineRule> ChooseRules(int cls, double prior, double threshold, int minSupport)
        {
            var candidates = new List<OfflineRule>();
            foreach (var feature in Features.All)
            {
                var correct = 0;
                foreach (var row in feature.Rows)
                {
                    if (Labels[row] == cls)
                    {
                        correct++;
                    }
                }

                if (correct < minSupport)
                {
                    continue;
                }

                var precision = (correct + (_options.PriorWeight * prior)) / (feature.Rows.Count + _options.PriorWeight);
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

        private List<OfflineProgram> GroupIntoPrograms(List<OfflineRule> rules)
        {
            var groups = new List<(int Class, RuleFamily Family, bool Strong, List<OfflineRule> Rules)>();
            foreach (var byClassAndFamily in rules.GroupBy(r => (r.Class, r.Family)).OrderBy(g => g.Key.Class).ThenBy(g => g.Key.Family))
            {
                var all = byClassAndFamily.Take(_options.MaxRulesPerProgram * 2).ToList();
                var strong = _options.SplitStrongRules ? all.Where(r => r.Correct == r.Fires && r.Correct >= 2 * MinSupport).ToList() : [];
                if (strong.Count >= 3 && all.Count - strong.Count >= 3)
                {
                    groups.Add((byClassAndFamily.Key.Class, byClassAndFamily.Key.Family, true, strong.Take(_options.MaxRulesPerProgram).ToList()));
                    groups.Add((byClassAndFamily.Key.Class, byClassAndFamily.Key.Family, false, all.Except(strong).Take(_options.MaxRulesPerProgram).ToList()));
                }
                else
                {
                    groups.Add((byClassAndFamily.Key.Class, byClassAndFamily.Key.Family, false, all.Take(_options.MaxRulesPerProgram).ToList()));
                }
            }

            var programs = new List<OfflineProgram>();
            foreach (var (cls, family, strong, groupRules) in groups)
            {
                var name = $"{_classSlugs[cls]}-{FamilyName(family)}{(strong ? "-strong" : "")}";
                var matcher = new RuleMatcher(groupRules);
                int fires = 0, correct = 0;
                for (var i = 0; i < Rows; i++)
                {
                    if (matcher.Fires(Texts[i], Tokens[i]))
                    {
                        fires++;
                        correct += Labels[i] == cls ? 1 : 0;
                    }
                }

                programs.Add(new OfflineProgram(name, cls, family, groupRules, Rows, fires, correct, ""));
            }

            // Too many programs make a report nobody reads: keep those that cover the most of the sample, but never drop a
            // class's best program for another class's second, or a small class would lose its only voice.
            if (programs.Count <= _options.MaxPrograms)
            {
                return programs;
            }

            var bestOfEachClass = programs.GroupBy(p => p.Class).Select(g => g.OrderByDescending(p => p.Correct).First()).ToList();
            return bestOfEachClass
                .Concat(programs.Except(bestOfEachClass).OrderByDescending(p => p.Correct))
                .Take(Math.Max(_options.MaxPrograms, bestOfEachClass.Count))
                .OrderBy(p => p.Class).ThenBy(p => p.Family).ToList();
        }

        /// <summary>
        /// Naive Bayes over one family's features (those on at least <see cref="MinSupport"/> sample rows), with each sample
        /// row scored leave-one-out: by counts without that row. The margin is the lowest at which the leave-one-out
        /// decisions reach <paramref name="precision"/>; one program per class that the scorer decides often enough.
        /// </summary>
        private IEnumerable<OfflineProgram> ScoringPrograms(RuleFamily family, double precision)
        {
            var classes = Classes;
            var rows = Rows;
            var alpha = _options.Smoothing;
            var used = Features.All.Where(f => f.Family == family && f.Rows.Count >= MinSupport && f.Rows.Count < rows).ToList();
            if (used.Count == 0)
            {
                yield break;
            }

            var counts = new int[used.Count, classes];
            var rowFeatures = new List<int>[rows];
            for (var r = 0; r < rows; r++)
            {
                rowFeatures[r] = [];
            }

            for (var f = 0; f < used.Count; f++)
            {
                foreach (var r in used[f].Rows)
                {
                    counts[f, Labels[r]]++;
                    rowFeatures[r].Add(f);
                }
            }

            // Log-odds of the feature in the class against the whole sample: positive is evidence for the class. With
            // leaveOut set, the counts are those without one row of that class (the row being scored).
            double Weight(int f, int c, int leaveOut)
            {
                var removed = leaveOut >= 0 ? 1 : 0;
                var k = counts[f, c] - (c == leaveOut ? 1 : 0);
                var nc = ClassCounts[c] - (c == leaveOut ? 1 : 0);
                return Math.Log((k + alpha) / (nc + (2 * alpha))) - Math.Log((used[f].Rows.Count - removed + alpha) / (rows - removed + (2 * alpha)));
            }

            double Bias(int c, int leaveOut) =>
                Math.Log((ClassCounts[c] - (c == leaveOut ? 1 : 0) + 1.0) / (rows - (leaveOut >= 0 ? 1 : 0) + classes));

            var margins = new double[rows];
            var decided = new int[rows];
            Span<double> scores = stackalloc double[classes];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < classes; c++)
                {
                    scores[c] = Bias(c, Labels[r]);
                    foreach (var f in rowFeatures[r])
                    {
                        scores[c] += Weight(f, c, Labels[r]);
                    }
                }

                (decided[r], margins[r]) = TopAndMargin(scores);
            }

            Span<double> prior = stackalloc double[classes];
            for (var c = 0; c < classes; c++)
            {
                prior[c] = Bias(c, -1);
            }

            var priorMargin = TopAndMargin(prior).Margin;
            var order = Enumerable.Range(0, rows).Where(r => rowFeatures[r].Count > 0).OrderByDescending(r => margins[r]).ToArray();
            var margin = double.NaN;
            var right = 0;
            for (var i = 0; i < order.Length; i++)
            {
                right += decided[order[i]] == Labels[order[i]] ? 1 : 0;
                var isCut = i == order.Length - 1 || margins[order[i + 1]] < margins[order[i]];
                if (isCut && margins[order[i]] > priorMargin + 1e-9 && right >= precision * (i + 1) && i + 1 >= MinSupport)
                {
                    margin = margins[order[i]];
                }
            }

            if (double.IsNaN(margin))
            {
                yield break;
            }

            var weights = used.Select((feature, f) => (feature.Key, Enumerable.Range(0, classes).Select(c => Weight(f, c, -1)).ToArray())).ToList();
            var scorer = new NaiveBayesScorer(family, weights, Enumerable.Range(0, classes).Select(c => Bias(c, -1)).ToArray(), margin);
            for (var c = 0; c < classes; c++)
            {
                int fires = 0, correct = 0;
                foreach (var r in order)
                {
                    if (decided[r] == c && margins[r] >= margin)
                    {
                        fires++;
                        correct += Labels[r] == c ? 1 : 0;
                    }
                }

                if (correct < MinSupport)
                {
                    continue;
                }

                var rule = new OfflineRule(family, "naive-bayes", c, fires, correct, (double)correct / fires) { Scorer = scorer };
                yield return new OfflineProgram($"{_classSlugs[c]}-{FamilyName(family)}-scored", c, family, [rule], rows, fires, correct, "");
            }
        }

        private static (int Top, double Margin) TopAndMargin(ReadOnlySpan<double> scores)
        {
            var best = 0;
            for (var c = 1; c < scores.Length; c++)
            {
                best = scores[c] > scores[best] ? c : best;
            }

            var second = double.NegativeInfinity;
            for (var c = 0; c < scores.Length; c++)
            {
                second = c != best && scores[c] > second ? scores[c] : second;
            }

            return (best, scores[best] - second);
        }
    }
}

/// <summary>Held-out majority-vote accuracy (and macro-F1) of one candidate pair of settings in the cross-validation on the sample.</summary>
public sealed record CrossValidationScore(double Strictness, ScoringSettings Scoring, double Accuracy)
{
    /// <summary>Held-out majority-vote macro-F1 of the candidate.</summary>
    public double MacroF1 { get; init; }

    internal double Score(EvaluationMetric metric) => metric != EvaluationMetric.MacroF1 ? Accuracy : MacroF1;
}

/// <summary>The programs, the settings they were written with, and the cross-validation scores that chose them (empty when given).</summary>
public sealed record OfflineSynthesisResult(IReadOnlyList<OfflineProgram> Programs, double Strictness, ScoringSettings Scoring, IReadOnlyList<CrossValidationScore> Scores)
{
    /// <summary>What the cross-validation ranked the settings by.</summary>
    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Accuracy;

    /// <summary>Classes with enough sample rows that got no program even at the lowest strictness tried, each with the reason.</summary>
    public IReadOnlyList<UncoveredClass> UncoveredClasses { get; init; } = [];
}
