using System.Globalization;
using Alchemist.Labeling;

namespace Alchemist.OfflineSynthesis;

/// <summary>Which side of its threshold a <see cref="ThresholdRule"/> fires on.</summary>
public enum ThresholdDirection
{
    /// <summary>Fires where the feature is at least the threshold.</summary>
    AtLeast,

    /// <summary>Fires where the feature is at most the threshold.</summary>
    AtMost,
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
public sealed record ThresholdRule(string Feature, int FeatureIndex, ThresholdDirection Direction, double Threshold, int Class, int Fires, int Correct, double Precision)
{
    /// <summary>Whether the rule fires on a row whose feature is <paramref name="value"/>; never on NaN.</summary>
    public bool FiresOn(double value) => Direction == ThresholdDirection.AtLeast ? value >= Threshold : value <= Threshold;
}

/// <summary>A labeling program of one threshold rule, and its C# source text.</summary>
public sealed record ThresholdProgram(string Name, ThresholdRule Rule, int SampleRows, string Source);

/// <summary>
/// The offline synthesizer for number inputs (scores from a feature extractor, measurements): one decision stump per
/// program, in the spirit of Snuba's heuristics over primitives. For each feature, class and direction it keeps, of the
/// regions "feature at least t" or "feature at most t" whose smoothed precision on the labeled sample stays far enough above
/// the class prior (the text rules' test and least support, at their default strictness), the one with the best F1 for its class
/// (Snuba's choice of where a heuristic abstains), with t halfway between the last sample value inside the region and the
/// first outside. One-sided regions only: a class whose rows lie between other classes' on every feature gets no rule.
/// Rules that fire on nearly the same sample rows as a stronger rule
/// of the same class are dropped. Deterministic: the same sample gives the same programs.
/// </summary>
public static class ThresholdSynthesizer
{
    /// <summary>Two rules of one class firing on sample row sets this similar (Jaccard) are one rule too many.</summary>
    private const double MaxOverlap = 0.8;

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
    /// <exception cref="ArgumentException">
    /// The counts of columns and names differ, a column has another length than the labels, or a label is not a class index.
    /// </exception>
    public static IReadOnlyList<ThresholdProgram> Synthesize(IReadOnlyList<double[]> features, IReadOnlyList<string> featureNames, IReadOnlyList<int> labels, IReadOnlyList<string> classNames, IReadOnlyList<string>? memberNames = null, OfflineSynthesisOptions? options = null, IReadOnlyList<string>? groups = null)
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
            return [];
        }

        var classCounts = new int[classes];
        foreach (var label in labels)
        {
            classCounts[label]++;
        }

        // Under worst_group each row weighs 1 / (its group's rows), scaled to the sample's size: every group counts alike in
        // where a threshold goes (group-balanced reweighting), so a group the sample holds few of is not sacrificed.
        double[]? weights = null;
        if (groups is not null && groups.Count == rows)
        {
            var sizes = groups.GroupBy(g => g, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            weights = [.. groups.Select(g => rows / (double)(sizes.Count * sizes[g]))];
        }

        var strictness = options.Strictness ?? options.Default.Strictness;
        var minSupport = options.MinSupport > 0 ? options.MinSupport : Math.Clamp((int)Math.Round(Math.Sqrt(rows) / 7), 2, 6);
        var candidates = new List<ThresholdRule>();
        for (var f = 0; f < features.Count; f++)
        {
            var order = Enumerable.Range(0, rows).Where(r => !double.IsNaN(features[f][r])).OrderBy(r => features[f][r]).ThenBy(r => r).ToArray();
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
            return Enumerable.Range(0, rows).GroupBy(r => groups[r], StringComparer.Ordinal)
                .Max(g => g.Count(r => rule.FiresOn(values[r]) && labels[r] != rule.Class) / (double)g.Count());
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

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var classSlugs = ProgramNames.ClassSlugs(classNames);
        return [.. kept.Select(k => Program(k.Rule, UniqueName(k.Rule, classSlugs, names), memberNames[k.Rule.FeatureIndex], rows, classNames, strictness, classCounts[k.Rule.Class] / (double)rows))];
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
        var stem = $"{classSlugs[rule.Class]}-{ProgramNames.ShortSlug(rule.Feature)}-{(rule.Direction == ThresholdDirection.AtLeast ? "at-least" : "at-most")}";
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
            $"Of the regions whose smoothed precision stays at least {prior + (strictness * (1 - prior)):0.00} (class prior {prior:0.00}, strictness {strictness:0.00}), the threshold gives the one with the best F1 for {classNames[rule.Class]}");
        return new ThresholdProgram(name, rule, sampleRows, ProgramWriter.WriteThreshold(name, rule, memberName, classNames, sampleRows, settings));
    }
}
