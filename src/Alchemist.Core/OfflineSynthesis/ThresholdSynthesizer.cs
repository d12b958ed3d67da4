using System.Globalization;
using Alchemist.Evaluation;
using Alchemist.Labeling;

namespace Alchemist.OfflineSynthesis;

/// <summary>Which side of its threshold a <see cref="ThresholdRule"/> fires on.</summary>
public enum ThresholdDirection
{
    /// <summary>Fires where the feature is at least the threshold.</summary>
    AtLeast,

    /// <summary>Fires where the feature is at most the threshold.</summary>
    AtMost,

    /// <summary>Fires where the feature is at least the threshold and at most the upper threshold.</summary>
    Between,
}

/// <summary>Votes <see cref="Class"/> where the feature is at least (or at most) the threshold; abstains elsewhere and on NaN.</summary>
/// <param name="Feature">The feature's name.</param>
/// <param name="FeatureIndex">The feature's position among the features given to the synthesizer.</param>
/// <param name="Direction">Which side of the threshold the rule fires on.</param>
/// <param name="Threshold">The threshold, halfway between the last sample value inside the region and the first outside.</param>
/// <param name="Class">The class the rule votes.</param>
/// <param name="Fires">Labeled sample rows where the rule fires.</param>
/// <param name="Correct">Of those, rows whose gold label is <paramref name="Class"/>.</param>
/// <param name="Precision">Smoothed precision on the sample, shrunk toward the class prior, as the text rules' is.</param>
/// <param name="Upper">For <see cref="ThresholdDirection.Between"/>, the upper threshold; NaN otherwise.</param>
public sealed record ThresholdRule(string Feature, int FeatureIndex, ThresholdDirection Direction, double Threshold, int Class, int Fires, int Correct, double Precision, double Upper = double.NaN)
{
    /// <summary>Whether the rule fires on a row whose feature is <paramref name="value"/>; never on NaN.</summary>
    public bool FiresOn(double value) => Direction switch
    {
        ThresholdDirection.AtLeast => value >= Threshold,
        ThresholdDirection.AtMost => value <= Threshold,
        _ => value >= Threshold && value <= Upper,
    };
}

/// <summary>A labeling program of one threshold rule, and its C# source text.</summary>
/// <param name="Name">The program's name (its file name without .cs).</param>
/// <param name="Rule">The rule it runs.</param>
/// <param name="SampleRows">Rows of the labeled sample it was written from.</param>
/// <param name="Source">Its C# source.</param>
/// <param name="CoverageStrictness">
/// Set where the class had no rule at the chosen strictness and this one was found at a lower one, which still asks it to
/// beat the class's own prior (<see cref="OfflineSynthesisOptions.CoverageStrictness"/>).
/// </param>
public sealed record ThresholdProgram(string Name, ThresholdRule Rule, int SampleRows, string Source, double? CoverageStrictness = null);

/// <summary>The threshold programs written from a labeled sample, and the classes left without one, each with the reason.</summary>
public sealed record ThresholdSynthesis(IReadOnlyList<ThresholdProgram> Programs, IReadOnlyList<UncoveredClass> UncoveredClasses);

/// <summary>
/// The offline synthesizer for number inputs (scores from a feature extractor, measurements): one decision stump per
/// program, in the spirit of Snuba's heuristics over primitives. For each feature, class and direction it keeps, of the
/// regions "feature at least t" or "feature at most t" whose smoothed precision on the labeled sample stays far enough above
/// the class prior (the text rules' test and least support, at their default strictness), the one with the best F1 for its class
/// (Snuba's choice of where a heuristic abstains), with t halfway between the last sample value inside the region and the
/// first outside. Rules that fire on nearly the same sample rows as a stronger rule of the same class are dropped. Then every
/// class with at least <see cref="OfflineSynthesisOptions.MinimumClassRows"/> sample rows and no rule (nor a program of
/// another kind, where the caller says so) gets one, as the text rules' classes do: a region between two thresholds (a
/// class whose rows lie between other classes' on every feature, the middle of an ordinal scale), then at the lower
/// strictnesses of <see cref="OfflineSynthesisOptions.CoverageStrictness"/>, each still above the class's own prior; or it is
/// named with the reason. Deterministic: the same sample gives the same programs.
/// </summary>
public static class ThresholdSynthesizer
{
    /// <summary>Two rules of one class firing on sample row sets this similar (Jaccard) are one rule too many.</summary>
    private const double MaxOverlap = 0.8;

    /// <summary>
    /// Ends of a region between two thresholds are sought among at most this many places in a feature's sorted values (every
    /// place where the value changes, below it), so that the search costs at most its square per feature and class.
    /// </summary>
    private const int MaxIntervalEnds = 256;

    /// <summary>Threshold programs written from the labeled sample; none when the sample is empty.</summary>
    /// <param name="features">One column per feature, each holding the labeled sample rows' values (NaN: missing).</param>
    /// <param name="featureNames">Each feature's name; it names the programs.</param>
    /// <param name="labels">Each sample row's class, an index into <paramref name="classNames"/>.</param>
    /// <param name="classNames">The task's classes.</param>
    /// <param name="memberNames">How a program reads each feature from its row (<c>row.Name</c>); the feature names when null.</param>
    /// <param name="options">
    /// Strictness, least support, prior weight and most programs, as for text rules; null takes the defaults.
    /// </param>
    /// <param name="groups">
    /// Each sample row's group (<c>data.group_field</c>, under <c>evaluation.metric: worst_group</c>), or null. Given, rules
    /// are ranked first by the share of its rows they vote wrong in the group where that share is highest, so that of two
    /// rules firing on nearly the same rows the one that holds in every group stays; and each row weighs the inverse of its
    /// group's size in where a threshold goes (precision and F1 as if every group had as many rows).
    /// </param>
    /// <param name="coveredElsewhere">Classes other programs already vote for (the text rules'), which need no coverage rule here.</param>
    /// <exception cref="ArgumentException">
    /// The counts of columns and names differ, a column has another length than the labels, or a label is not a class index.
    /// </exception>
    public static ThresholdSynthesis Synthesize(IReadOnlyList<double[]> features, IReadOnlyList<string> featureNames, IReadOnlyList<int> labels, IReadOnlyList<string> classNames, IReadOnlyList<string>? memberNames = null, OfflineSynthesisOptions? options = null, IReadOnlyList<string>? groups = null, IReadOnlySet<int>? coveredElsewhere = null)
    {
        options ??= new OfflineSynthesisOptions();
        memberNames ??= featureNames;
        var classes = classNames.Count;
        if (features.Count != featureNames.Count || memberNames.Count != featureNames.Count)
        {
            throw new ArgumentException($"{features.Count} feature columns, {featureNames.Count} feature names and {memberNames.Count} member names", nameof(featureNames));
        }

        if (features.FirstOrDefault(f => f.Length != labels.Count) is { } ragged)
        {
            throw new ArgumentException($"a feature column has {ragged.Length} values for {labels.Count} labeled rows", nameof(features));
        }

        foreach (var label in labels)
        {
            if (label < 0 || label >= classes)
            {
                throw new ArgumentException($"label {label} is not a class index (0..{classes - 1})", nameof(labels));
            }
        }

        var rows = labels.Count;
        if (rows == 0)
        {
            return new ThresholdSynthesis([], []);
        }

        var classCounts = new int[classes];
        foreach (var label in labels)
        {
            classCounts[label]++;
        }

        // Under worst_group each row weighs 1 / (its group's rows), scaled to the grouped rows' count: every group counts alike
        // in where a threshold goes (group-balanced reweighting), so a group the sample holds few of is not sacrificed. A row
        // with an empty group cell is in no group (as the figures count it) and weighs 1: three such rows made a group of
        // their own, each weighing six times another row, and moved the thresholds (test worst group 0.862 -> 0.697).
        double[]? weights = null;
        if (groups is not null && groups.Count == rows)
        {
            var sizes = groups.Where(GroupFigures.HasGroup).GroupBy(g => g, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var grouped = sizes.Values.Sum();
            weights = [.. groups.Select(g => GroupFigures.HasGroup(g) ? grouped / (double)(sizes.Count * sizes[g]) : 1.0)];
        }

        var strictness = options.Strictness ?? options.Default.Strictness;
        var minSupport = options.MinSupport > 0 ? options.MinSupport : Math.Clamp((int)Math.Round(Math.Sqrt(rows) / 7), 2, 6);
        // Each feature's labeled rows by value (NaN left out), sorted once for every class, direction and coverage level.
        var orders = features.Select(column => Enumerable.Range(0, rows).Where(r => !double.IsNaN(column[r])).OrderBy(r => column[r]).ThenBy(r => r).ToArray()).ToArray();
        var candidates = new List<ThresholdRule>();
        for (var f = 0; f < features.Count; f++)
        {
            var order = orders[f];
            for (var c = 0; c < classes; c++)
            {
                var prior = classCounts[c] / (double)rows;
                var required = prior + (strictness * (1 - prior));
                foreach (var direction in new[] { ThresholdDirection.AtLeast, ThresholdDirection.AtMost })
                {
                    if (BestRegion(features[f], order, labels, c, direction, prior, required, minSupport, options.PriorWeight, weights) is { } rule)
                    {
                        candidates.Add(rule with { Feature = featureNames[f], FeatureIndex = f });
                    }
                }
            }
        }

        double WorstGroupMisfire(ThresholdRule rule)
        {
            if (groups is null || groups.Count != rows)
            {
                return 0;
            }

            var values = features[rule.FeatureIndex];
            return Enumerable.Range(0, rows).Where(r => GroupFigures.HasGroup(groups[r])).GroupBy(r => groups[r], StringComparer.Ordinal)
                .Select(g => g.Count(r => rule.FiresOn(values[r]) && labels[r] != rule.Class) / (double)g.Count()).DefaultIfEmpty(0).Max();
        }

        var kept = new List<(ThresholdRule Rule, bool[] Fired)>();
        foreach (var rule in candidates.OrderBy(WorstGroupMisfire).ThenByDescending(r => r.Correct).ThenByDescending(r => r.Precision).ThenBy(r => r.FeatureIndex).ThenBy(r => r.Class).ThenBy(r => r.Direction))
        {
            var fired = features[rule.FeatureIndex].Select(rule.FiresOn).ToArray();
            if (kept.Count < options.MaxPrograms && !kept.Any(k => k.Rule.Class == rule.Class && Jaccard(k.Fired, fired) >= MaxOverlap))
            {
                kept.Add((rule, fired));
            }
        }

        // Every class with enough rows and no program gets one, between two thresholds and then less strictly, or a reason.
        var lowered = new Dictionary<ThresholdRule, double>();
        var uncovered = new List<UncoveredClass>();
        for (var c = 0; c < classes; c++)
        {
            if (classCounts[c] < options.MinimumClassRows || kept.Any(k => k.Rule.Class == c) || coveredElsewhere?.Contains(c) == true)
            {
                continue;
            }

            var prior = classCounts[c] / (double)rows;
            var support = Math.Min(minSupport, Math.Max(2, classCounts[c] / 3));
            var tried = new List<double> { strictness };
            tried.AddRange(options.CoverageStrictness.Where(x => x < strictness));
            ThresholdRule? chosen = null;
            foreach (var level in tried)
            {
                var required = prior + (level * (1 - prior));
                var regions = new List<ThresholdRule>();
                for (var f = 0; f < features.Count; f++)
                {
                    var order = orders[f];
                    // At the chosen strictness the one-sided regions were sought already, with more support.
                    ThresholdRule?[] found =
                    [
                        BestInterval(features[f], order, labels, c, prior, required, support, options.PriorWeight, weights),
                        level < strictness ? BestRegion(features[f], order, labels, c, ThresholdDirection.AtLeast, prior, required, support, options.PriorWeight, weights) : null,
                        level < strictness ? BestRegion(features[f], order, labels, c, ThresholdDirection.AtMost, prior, required, support, options.PriorWeight, weights) : null,
                    ];
                    regions.AddRange(found.OfType<ThresholdRule>().Select(r => r with { Feature = featureNames[f], FeatureIndex = f }));
                }

                chosen = regions.OrderBy(WorstGroupMisfire).ThenByDescending(r => r.Correct).ThenByDescending(r => r.Precision).ThenBy(r => r.FeatureIndex).ThenBy(r => r.Direction).FirstOrDefault();
                if (chosen is not null)
                {
                    if (level < strictness)
                    {
                        lowered[chosen] = level;
                    }

                    kept.Add((chosen, features[chosen.FeatureIndex].Select(chosen.FiresOn).ToArray()));
                    break;
                }
            }

            if (chosen is null)
            {
                var floor = tried.Min();
                uncovered.Add(new UncoveredClass(c, classNames[c], classCounts[c], string.Create(CultureInfo.InvariantCulture,
                    $"no number input has a region (at least, at most or between two thresholds) holding at least {support} of its {classCounts[c]} sample rows at a smoothed precision of {prior + (floor * (1 - prior)):0.00} " +
                    $"(its prior {prior:0.00} plus {floor:0.00} of the way to 1), the least strictness tried; label more of its rows, add an input that tells it apart, or write or ask an LLM for a program for it")));
            }
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var classSlugs = ProgramNames.ClassSlugs(classNames);
        var programs = kept.Select(k =>
        {
            var level = lowered.TryGetValue(k.Rule, out var l) ? l : (double?)null;
            return Program(k.Rule, UniqueName(k.Rule, classSlugs, names), memberNames[k.Rule.FeatureIndex], rows, classNames, level ?? strictness, classCounts[k.Rule.Class] / (double)rows) with { CoverageStrictness = level };
        });
        return new ThresholdSynthesis([.. programs], uncovered);
    }

    /// <summary>
    /// Of the regions between two thresholds, both inside the sample's range (a region reaching an end is one-sided, which
    /// <see cref="BestRegion"/> finds), the one with the best F1 for the class among those that pass the precision test;
    /// null when none passes. Ends are sought where the sorted values change, at most <see cref="MaxIntervalEnds"/> places.
    /// </summary>
    private static ThresholdRule? BestInterval(double[] values, int[] ascending, IReadOnlyList<int> labels, int cls, double prior, double required, int minSupport, double priorWeight, double[]? weights)
    {
        var n = ascending.Length;
        if (n < 3)
        {
            return null;
        }

        // Prefix sums over the sorted rows: rows, rows of the class, and both weighted.
        var fires = new int[n + 1];
        var correct = new int[n + 1];
        var weighted = new double[n + 1];
        var weightedCorrect = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            var row = ascending[i];
            var w = weights?[row] ?? 1;
            var hit = labels[row] == cls;
            fires[i + 1] = fires[i] + 1;
            correct[i + 1] = correct[i] + (hit ? 1 : 0);
            weighted[i + 1] = weighted[i] + w;
            weightedCorrect[i + 1] = weightedCorrect[i] + (hit ? w : 0);
        }

        var classRows = weightedCorrect[n];

        // A region is sorted positions [start, end): start after a change of value, end before one.
        var changes = Enumerable.Range(1, n - 1).Where(i => values[ascending[i]] != values[ascending[i - 1]]).ToArray();
        if (changes.Length > MaxIntervalEnds)
        {
            changes = [.. Enumerable.Range(0, MaxIntervalEnds).Select(k => changes[(int)((long)k * changes.Length / MaxIntervalEnds)]).Distinct()];
        }

        ThresholdRule? best = null;
        var bestF1 = 0.0;
        foreach (var start in changes)
        {
            foreach (var end in changes)
            {
                if (end <= start || correct[end] - correct[start] < minSupport)
                {
                    continue;
                }

                var inWeighted = weighted[end] - weighted[start];
                var inCorrect = weightedCorrect[end] - weightedCorrect[start];
                var precision = (inCorrect + (priorWeight * prior)) / (inWeighted + priorWeight);
                var f1 = 2.0 * inCorrect / (inWeighted + classRows);
                if (precision >= required && f1 > bestF1)
                {
                    bestF1 = f1;
                    var low = Between(values[ascending[start]], values[ascending[start - 1]], ThresholdDirection.AtLeast);
                    var high = Between(values[ascending[end - 1]], values[ascending[end]], ThresholdDirection.AtMost);
                    best = new ThresholdRule("", 0, ThresholdDirection.Between, low, cls, fires[end] - fires[start], correct[end] - correct[start], precision, high);
                }
            }
        }

        return best;
    }

    /// <summary>The votes of <paramref name="programs"/> on rows given as feature columns (the columns the programs' feature indexes point at).</summary>
    public static LabelMatrix Votes(IReadOnlyList<ThresholdProgram> programs, IReadOnlyList<double[]> features, int rows, int classes)
    {
        var votes = new LabelMatrix(rows, classes, [.. programs.Select(p => p.Name)]);
        for (var j = 0; j < programs.Count; j++)
        {
            var rule = programs[j].Rule;
            var values = features[rule.FeatureIndex];
            var column = votes.ColumnForWriting(j);
            for (var r = 0; r < rows; r++)
            {
                if (rule.FiresOn(values[r]))
                {
                    column[r] = (sbyte)rule.Class;
                }
            }
        }

        return votes;
    }

    /// <summary>Of the regions of one direction that pass the precision test, the one with the best F1 for the class; null when none passes.</summary>
    private static ThresholdRule? BestRegion(double[] values, int[] ascending, IReadOnlyList<int> labels, int cls, ThresholdDirection direction, double prior, double required, int minSupport, double priorWeight, double[]? weights)
    {
        double Weight(int row) => weights?[row] ?? 1;
        var classRows = ascending.Where(r => labels[r] == cls).Sum(Weight);
        ThresholdRule? best = null;
        var bestF1 = 0.0;
        var fires = 0;
        var correct = 0;
        var weightedFires = 0.0;
        var weightedCorrect = 0.0;
        for (var i = 0; i < ascending.Length; i++)
        {
            // Walk from the extreme inward: the region holds the i + 1 most extreme rows.
            var row = ascending[direction == ThresholdDirection.AtLeast ? ascending.Length - 1 - i : i];
            fires++;
            correct += labels[row] == cls ? 1 : 0;
            weightedFires += Weight(row);
            weightedCorrect += labels[row] == cls ? Weight(row) : 0;
            var nextIndex = direction == ThresholdDirection.AtLeast ? ascending.Length - 2 - i : i + 1;
            var next = nextIndex >= 0 && nextIndex < ascending.Length ? values[ascending[nextIndex]] : double.NaN;
            if (next == values[row] || correct < minSupport)
            {
                continue; // a threshold cannot split equal values
            }

            var precision = (weightedCorrect + (priorWeight * prior)) / (weightedFires + priorWeight);
            var f1 = 2.0 * weightedCorrect / (weightedFires + classRows);
            if (precision >= required && fires < ascending.Length && f1 > bestF1)
            {
                bestF1 = f1;
                best = new ThresholdRule("", 0, direction, Between(values[row], next, direction), cls, fires, correct, precision);
            }
        }

        return best;
    }

    /// <summary>
    /// A finite threshold that keeps <paramref name="inside"/> in the region and <paramref name="outside"/> out of it: their
    /// midpoint (halved first, so large values do not overflow) when it lies strictly between them, else the inside value
    /// itself (adjacent doubles), and for an infinite inside value the largest finite double on its side, so that the
    /// threshold can be written as a C# literal.
    /// </summary>
    private static double Between(double inside, double outside, ThresholdDirection direction)
    {
        if (double.IsInfinity(inside))
        {
            return inside > 0 ? double.MaxValue : double.MinValue;
        }

        var middle = (inside / 2) + (outside / 2);
        var strictlyBetween = direction == ThresholdDirection.AtLeast ? middle < inside && middle > outside : middle > inside && middle < outside;
        return strictlyBetween && double.IsFinite(middle) ? middle : inside;
    }

    private static double Jaccard(bool[] a, bool[] b)
    {
        var both = 0;
        var either = 0;
        for (var r = 0; r < a.Length; r++)
        {
            both += a[r] && b[r] ? 1 : 0;
            either += a[r] || b[r] ? 1 : 0;
        }

        return either == 0 ? 0 : both / (double)either;
    }

    /// <summary>
    /// "class-feature-direction" from the names' slugs (<see cref="ProgramNames.ClassSlugs"/>, <see cref="ProgramNames.ShortSlug"/>) so that a long field
    /// name still makes a valid program name, and numbered from -2 on where two rules would get the same name (field names
    /// that differ only in case or punctuation, or in letters a slug drops), so that no program file overwrites another.
    /// </summary>
    private static string UniqueName(ThresholdRule rule, string[] classSlugs, HashSet<string> taken)
    {
        var side = rule.Direction switch
        {
            ThresholdDirection.AtLeast => "at-least",
            ThresholdDirection.AtMost => "at-most",
            _ => "between",
        };
        var stem = $"{classSlugs[rule.Class]}-{ProgramNames.ShortSlug(rule.Feature)}-{side}";
        var name = stem;
        for (var k = 2; !taken.Add(name); k++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{stem}-{k}");
        }

        return name;
    }

    private static ThresholdProgram Program(ThresholdRule rule, string name, string memberName, int sampleRows, IReadOnlyList<string> classNames, double strictness, double prior)
    {
        var settings = string.Create(CultureInfo.InvariantCulture,
            $"Of the regions whose smoothed precision stays at least {prior + (strictness * (1 - prior)):0.00} (class prior {prior:0.00}, strictness {strictness:0.00}), the {(rule.Direction == ThresholdDirection.Between ? "thresholds give" : "threshold gives")} the one with the best F1 for {classNames[rule.Class]}");
        return new ThresholdProgram(name, rule, sampleRows, ProgramWriter.WriteThreshold(name, rule, memberName, classNames, sampleRows, settings));
    }
}
