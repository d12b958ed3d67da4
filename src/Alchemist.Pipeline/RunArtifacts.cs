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
    /// <summary>The spec the run read.</summary>
    public required TaskSpec Spec { get; init; }

    /// <summary>The train, valid and test splits, in memory.</summary>
    public required Dataset Dataset { get; init; }

    /// <summary>Who wrote the programs: the offline synthesizer, or the LLM provider and model.</summary>
    public required string Synthesizer { get; init; }

    /// <summary>The sandboxed apply: per split and program, status, coverage, faults and time, and the programs rejected.</summary>
    public required ProjectApplyResult Apply { get; init; }

    /// <summary>The program files that vote, with the offline rules beside them when they were used.</summary>
    public required IReadOnlyList<ProgramFile> Programs { get; init; }

    /// <summary>Each split's votes, by split name.</summary>
    public required IReadOnlyDictionary<string, LabelMatrix> Votes { get; init; }

    /// <summary>How many train rows the run labeled: <see cref="Dataset"/>'s train split holds them all, or only <see cref="TrainSample"/>.</summary>
    public required long TrainRows { get; init; }

    /// <summary>
    /// Where train was larger than end_model.train_sample_rows, the positions of the train rows <see cref="Dataset"/> holds
    /// (the end model and the cross-fits learned from them; their probabilities and <see cref="Votes"/> are what the
    /// per-split dictionaries hold for train, and every row's votes are in the final rule's train votes file); null where
    /// it holds every row.
    /// </summary>
    public int[]? TrainSample { get; init; }

    /// <summary>How many train rows got each class as their final label, counted as the labels were written; empty before.</summary>
    public IReadOnlyList<long> FinalTrainCounts { get; init; } = [];

    /// <summary>Each split's per-program analysis (coverage, overlaps, conflicts, accuracies), by split name.</summary>
    public required IReadOnlyDictionary<string, LabelAnalysisReport> Analyses { get; init; }

    /// <summary>The fitted label model (its <see cref="ILabelModel.Name"/> is the catalog's: mv, wmv, ds, ds-votes, metal, fs).</summary>
    public required ILabelModel LabelModel { get; init; }

    /// <summary>Every label model's valid figures when auto chose among them; empty without valid gold.</summary>
    public required IReadOnlyList<ScoredCandidate> LabelModelValidScores { get; init; }

    /// <summary>Why auto chose the label model it chose, with the lead and its standard error; null without valid gold.</summary>
    public string? LabelModelChoiceReason { get; init; }

    /// <summary>The class prior the fitted label model uses.</summary>
    public IReadOnlyList<double> ClassPrior => LabelModel.ClassPrior;

    /// <summary>The class balance the label model was fitted with: valid's gold shares, or estimated from the votes.</summary>
    public required ClassBalance Balance { get; init; }

    /// <summary>What the run found that the user must not miss (a class left out, figures no better than a trivial answer).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Each split's row-major label-model probabilities, by split name.</summary>
    public required IReadOnlyDictionary<string, float[]> LabelModelProbabilities { get; init; }

    /// <summary>The end model, its predictions and the dev-only baseline's.</summary>
    public required EndModelResult EndModel { get; init; }

    /// <summary>The source of the final labels chosen on valid; null without valid gold (the label model's are the final ones).</summary>
    public required FinalChoice.Choice? FinalChoice { get; init; }

    /// <summary>Each split's row-major final probabilities, by split name.</summary>
    public required IReadOnlyDictionary<string, float[]> FinalProbabilities { get; init; }

    /// <summary>Macro-F1, per-class figures, the majority-class baseline and the verdict against the dev-only baseline.</summary>
    public required FinalFigures Figures { get; init; }

    /// <summary>The figures of some probabilities on a split's gold; null where the split or its gold is missing.</summary>
    public ClassificationMetrics? Metrics(IReadOnlyDictionary<string, float[]>? probabilities, string split)
    {
        if (probabilities is null || !probabilities.TryGetValue(split, out var p) || Dataset.Splits.FirstOrDefault(s => s.Name == split) is not { } data || !data.Rows.HasAnyGold)
        {
            return null;
        }

        return ClassificationMetrics.Compute(data.Rows.Labels, ClassificationMetrics.ArgMax(p, Dataset.Classes), Dataset.Classes);
    }
}
