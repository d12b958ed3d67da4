using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>
/// What shape the offline synthesizer's programs take for a task: its class names, whether it has text inputs, its number
/// inputs with the member a program reads each by, how a program reads its text from a row record, and the metric its
/// settings are chosen by (the spec's evaluation.metric).
/// </summary>
public sealed record OfflineShape(IReadOnlyList<string> ClassNames, bool HasText, IReadOnlyList<string> NumberInputs, IReadOnlyList<string> NumberMembers, string? TextFromRow)
{
    /// <summary>What the synthesizer's settings are chosen by.</summary>
    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Accuracy;

    /// <summary>
    /// The shape of a spec's task. With an image input of two or more concepts, the threshold programs read each pair of
    /// concept scores' difference in place of the scores themselves (<see cref="ConceptMargins"/>).
    /// </summary>
    public static OfflineShape Of(TaskSpec spec)
    {
        var inputs = ConceptMargins.ThresholdInputs(spec);
        return new(spec.ClassNames, spec.ProgramInputs.Any(i => i.Type == InputType.Text), [.. inputs.Select(i => i.Name)], [.. inputs.Select(i => i.Member)],
            ProjectApply.SignatureFor(spec).JoinedTextFromRow)
        { Metric = spec.Evaluation.Metric };
    }

    /// <summary>The text synthesizer's options for this shape.</summary>
    public OfflineSynthesisOptions TextOptions => new() { TextFromRow = TextFromRow, Metric = Metric };
}

/// <summary>
/// Each pair of an image's concept scores compared scale-free, <c>red_minus_green_relative</c> = (<c>red_score -
/// green_score</c>) / the length of the image's vector of concept scores (the square root of the sum of their squares).
/// The difference is the logit by which CLIP prefers one prompt to the other, which is how CLIP classifies zero-shot (the
/// prompt with the highest score wins; a score alone has an offset of its image's, which every score of the image shares),
/// so it keeps its meaning where something in the image shifts every score at once. But content unrelated to every concept
/// (a light table behind the fruit, a crowded scene) lengthens the image's embedding, and since the embedding is scaled to
/// unit length, it shrinks every cosine, and so every difference, by one factor for that image: a threshold on the
/// difference then sits at another place for each background. Dividing by the scores' length cancels that factor (the
/// toy encoder's brightness dimension, which no concept's text reads, drops out exactly). With two or more concepts the
/// offline synthesizer's threshold programs read these in place of the scores. Measured on examples/fruit-ripeness (programs
/// learned on valid, read against train's gold and groups, which no choice of the product sees): the threshold programs'
/// worst-group train accuracy went from 0.824 (28 of 34 unripe fruit on the table) with plain differences to 0.912 (31 of
/// 34) with relative ones, 0.925 of train right either way; on a draft of the example, stumps on the scores themselves got
/// 0.727 on the worst group of test where plain differences got 0.879.
/// </summary>
public static class ConceptMargins
{
    /// <summary>Each pair of the spec's concepts, in their order (none without an image input or with one concept), with every concept's score field.</summary>
    public static IReadOnlyList<(string Name, string First, string Second)> Of(TaskSpec spec)
    {
        if (spec.ImageInput is null || spec.Extractor is not { } extractor)
        {
            return [];
        }

        var concepts = extractor.Concepts;
        var margins = new List<(string, string, string)>();
        for (var a = 0; a < concepts.Count; a++)
        {
            for (var b = a + 1; b < concepts.Count; b++)
            {
                margins.Add(($"{concepts[a].Name}_minus_{concepts[b].Name}_relative", ExtractorSpec.ScoreField(concepts[a].Name), ExtractorSpec.ScoreField(concepts[b].Name)));
            }
        }

        return margins;
    }

    /// <summary>
    /// What the threshold programs read, in order: each number input (the concept scores left out where there are
    /// differences of them), then each relative difference; with the member a program reads it by (a C# expression in
    /// parentheses for a difference) and its column over some rows, computed with the same operations in the same order as
    /// that expression, so that the votes evaluated in process are the written programs' to the last bit.
    /// </summary>
    public static IReadOnlyList<(string Name, string Member, Func<DataBatch, double[]> Column)> ThresholdInputs(TaskSpec spec)
    {
        var margins = Of(spec);
        var scores = margins.Count == 0 ? [] : spec.Extractor!.Concepts.Select(c => ExtractorSpec.ScoreField(c.Name)).ToList();
        var inputs = new List<(string, string, Func<DataBatch, double[]>)>();
        foreach (var input in spec.ProgramInputs.Where(i => i.Type == InputType.Number && !scores.Contains(i.Name, StringComparer.Ordinal)))
        {
            inputs.Add((input.Name, ProgramSignature.PropertyName(input.Name), rows => rows.Number(input.Name)));
        }

        var length = "Math.Sqrt(" + string.Join(" + ", scores.Select(s => $"row.{ProgramSignature.PropertyName(s)} * row.{ProgramSignature.PropertyName(s)}")) + ")";
        foreach (var (name, first, second) in margins)
        {
            inputs.Add((name, $"((row.{ProgramSignature.PropertyName(first)} - row.{ProgramSignature.PropertyName(second)}) / {length})",
                rows => RelativeDifference(rows.Number(first), rows.Number(second), [.. scores.Select(rows.Number)])));
        }

        return inputs;
    }

    /// <summary>
    /// Per row, (<paramref name="first"/> - <paramref name="second"/>) / the square root of the sum of every score's square, the
    /// squares summed in <paramref name="scores"/>' order as the written expression sums them; NaN where a score is NaN or every
    /// score is zero (0 / 0), so the program abstains there.
    /// </summary>
    public static double[] RelativeDifference(double[] first, double[] second, IReadOnlyList<double[]> scores)
    {
        var column = new double[first.Length];
        for (var r = 0; r < column.Length; r++)
        {
            var sum = scores[0][r] * scores[0][r];
            for (var s = 1; s < scores.Count; s++)
            {
                sum += scores[s][r] * scores[s][r];
            }

            column[r] = (first[r] - second[r]) / Math.Sqrt(sum);
        }

        return column;
    }
}
