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

    /// <summary>The shape of a spec's task.</summary>
    public static OfflineShape Of(TaskSpec spec)
    {
        var numbers = spec.ProgramInputs.Where(i => i.Type == InputType.Number).Select(i => i.Name).ToArray();
        return new(spec.ClassNames, spec.ProgramInputs.Any(i => i.Type == InputType.Text), numbers, [.. numbers.Select(ProgramSignature.PropertyName)],
            ProjectApply.SignatureFor(spec).JoinedTextFromRow)
        { Metric = spec.Evaluation.Metric };
    }

    /// <summary>The text synthesizer's options for this shape.</summary>
    public OfflineSynthesisOptions TextOptions => new() { TextFromRow = TextFromRow, Metric = Metric };
}
