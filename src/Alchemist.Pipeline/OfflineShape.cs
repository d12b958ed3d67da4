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
/// The differences between two concepts' scores of an image, <c>red_minus_green</c> = <c>red_score - green_score</c>: the
/// logit by which CLIP prefers one prompt to the other, which is how CLIP classifies zero-shot (the prompt with the highest
/// score wins; a score alone has an offset of its image's, which every score of the image shares). A difference keeps its
/// meaning where something in the image, such as its background, raises or dilutes every score at once, where a threshold
/// on one score does not; so with two or more concepts the offline synthesizer's threshold programs read the differences of
/// each pair instead of the scores. On a draft of examples/fruit-ripeness (ripeness spread 0.12, 60 valid rows with their
/// groups balanced) the final labels' worst-group test accuracy (unripe fruit on the table) went from 0.727 with stumps on
/// the scores to 0.879 with stumps on their differences.
/// </summary>
public static class ConceptMargins
{
    /// <summary>Each pair of the spec's concepts, in their order (none without an image input or with one concept).</summary>
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
                margins.Add(($"{concepts[a].Name}_minus_{concepts[b].Name}", ExtractorSpec.ScoreField(concepts[a].Name), ExtractorSpec.ScoreField(concepts[b].Name)));
            }
        }

        return margins;
    }

    /// <summary>
    /// What the threshold programs read, in order: each number input (the concept scores left out where there are
    /// differences of them), then each difference; with the member a program reads it by and its column over some rows.
    /// </summary>
    public static IReadOnlyList<(string Name, string Member, Func<DataBatch, double[]> Column)> ThresholdInputs(TaskSpec spec)
    {
        var margins = Of(spec);
        var scores = margins.Count == 0 ? [] : spec.Extractor!.Concepts.Select(c => ExtractorSpec.ScoreField(c.Name)).ToHashSet(StringComparer.Ordinal);
        var inputs = new List<(string, string, Func<DataBatch, double[]>)>();
        foreach (var input in spec.ProgramInputs.Where(i => i.Type == InputType.Number && !scores.Contains(i.Name)))
        {
            inputs.Add((input.Name, ProgramSignature.PropertyName(input.Name), rows => rows.Number(input.Name)));
        }

        foreach (var (name, first, second) in margins)
        {
            inputs.Add((name, $"(row.{ProgramSignature.PropertyName(first)} - row.{ProgramSignature.PropertyName(second)})", rows => Difference(rows.Number(first), rows.Number(second))));
        }

        return inputs;
    }

    private static double[] Difference(double[] first, double[] second)
    {
        var column = new double[first.Length];
        for (var r = 0; r < column.Length; r++)
        {
            column[r] = first[r] - second[r];
        }

        return column;
    }

    /// <summary>The columns of <see cref="Of"/>'s differences over <paramref name="rows"/> (NaN where either score is).</summary>
    public static IEnumerable<double[]> Columns(TaskSpec spec, DataBatch rows) =>
        Of(spec).Select(m =>
        {
            var first = rows.Number(m.First);
            var second = rows.Number(m.Second);
            var column = new double[first.Length];
            for (var r = 0; r < column.Length; r++)
            {
                column[r] = first[r] - second[r];
            }

            return column;
        });
}
