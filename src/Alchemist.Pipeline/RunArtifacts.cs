using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>Everything one run computed, for the outputs and the report.</summary>
public sealed record RunArtifacts
{
    public required TaskSpec Spec { get; init; }

    public required Dataset Dataset { get; init; }

    public required string Synthesizer { get; init; }

    public required ProjectApplyResult Apply { get; init; }

    public required IReadOnlyList<ProgramFile> Programs { get; init; }

    public required IReadOnlyDictionary<string, LabelMatrix> Votes { get; init; }

    public required IReadOnlyDictionary<string, LabelAnalysisReport> Analyses { get; init; }

    public required string LabelModelName { get; init; }

    /// <summary>Every label model's valid figures when auto chose among them; empty without valid gold.</summary>
    public required IReadOnlyList<ScoredCandidate> LabelModelValidScores { get; init; }

    /// <summary>Why auto chose the label model it chose, with the lead and its standard error; null without valid gold.</summary>
    public string? LabelModelChoiceReason { get; init; }

    public required IReadOnlyList<double> ClassPrior { get; init; }

    /// <summary>The class balance the label model was fitted with: valid's gold shares, or estimated from the votes.</summary>
    public required ClassBalance Balance { get; init; }

    /// <summary>What the run found that the user must not miss (a class left out, figures no better than a trivial answer).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    public required IReadOnlyDictionary<string, float[]> LabelModelProbabilities { get; init; }

    public required EndModelResult EndModel { get; init; }

    public required FinalChoice.Choice? FinalChoice { get; init; }

    public required IReadOnlyDictionary<string, float[]> FinalProbabilities { get; init; }

    /// <summary>Macro-F1, per-class figures, the majority-class baseline and the verdict against the dev-only baseline.</summary>
    public required FinalFigures Figures { get; init; }

    public ClassificationMetrics? Metrics(IReadOnlyDictionary<string, float[]>? probabilities, string split)
    {
        if (probabilities is null || !probabilities.TryGetValue(split, out var p) || Dataset.Splits.FirstOrDefault(s => s.Name == split) is not { } data || !data.Rows.HasAnyGold)
        {
            return null;
        }

        return ClassificationMetrics.Compute(data.Rows.Labels, ClassificationMetrics.ArgMax(p, Dataset.Classes), Dataset.Classes);
    }
}
