using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alchemist.Pipeline;

/// <summary>
/// What <c>alchemist run --json</c> prints. Accuracies are on the test split and null when it has no gold labels.
/// The final labels are the ones the product writes: <see cref="FinalSource"/> says where they come from, and
/// <see cref="BestOnValid"/> with its lead over the default says why.
/// </summary>
public sealed record RunSummary
{
    /// <summary>How summary.json and run.json are written: snake_case names, every field present.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Programs that voted on every split.</summary>
    public required int Programs { get; init; }

    /// <summary>Share of train rows where at least one program voted.</summary>
    public required double Coverage { get; init; }

    /// <summary>The label model used (mv, wmv, ds, ds-votes, metal or fs).</summary>
    public required string LabelModel { get; init; }

    /// <summary>Test accuracy of the final labels; null without test gold.</summary>
    public required double? FinalTestAccuracy { get; init; }

    /// <summary>Test accuracy of the label model alone; null without test gold.</summary>
    public required double? LabelModelTestAccuracy { get; init; }

    /// <summary>Test accuracy of the end model alone; null without test gold.</summary>
    public required double? EndModelTestAccuracy { get; init; }

    /// <summary>Test accuracy of the dev-only baseline (the end model trained on valid's gold alone); null without valid or test gold.</summary>
    public required double? DevOnlyBaselineTestAccuracy { get; init; }

    /// <summary>Macro-F1 on test of the final labels: every class counts the same, so leaving out a small class shows here.</summary>
    public double? FinalTestMacroF1 { get; init; }

    /// <summary>Test macro-F1 of the label model alone.</summary>
    public double? LabelModelTestMacroF1 { get; init; }

    /// <summary>Test macro-F1 of the end model alone.</summary>
    public double? EndModelTestMacroF1 { get; init; }

    /// <summary>Test macro-F1 of the dev-only baseline.</summary>
    public double? DevOnlyBaselineTestMacroF1 { get; init; }

    /// <summary>The class a trivial labeler would always answer: the most common in valid's gold (in test's without it).</summary>
    public string? MajorityClass { get; init; }

    /// <summary>Test accuracy of always answering <see cref="MajorityClass"/>: the rate any labels must beat to mean something.</summary>
    public double? MajorityClassTestAccuracy { get; init; }

    /// <summary>Test macro-F1 of always answering <see cref="MajorityClass"/>.</summary>
    public double? MajorityClassTestMacroF1 { get; init; }

    /// <summary>The final labels on test, class by class (precision, recall, F1, gold rows, predicted rows); empty without test gold.</summary>
    public IReadOnlyList<ClassFigures> FinalTestPerClass { get; init; } = [];

    /// <summary>
    /// The group (<c>data.group_field</c>) where the final labels do worst on test; null without groups or test gold.
    /// </summary>
    public string? WorstGroup { get; init; }

    /// <summary>Test accuracy of the final labels on their worst group; null without groups or test gold.</summary>
    public double? FinalTestWorstGroupAccuracy { get; init; }

    /// <summary>Test accuracy of the label model alone on its worst group.</summary>
    public double? LabelModelTestWorstGroupAccuracy { get; init; }

    /// <summary>Test accuracy of the end model alone on its worst group.</summary>
    public double? EndModelTestWorstGroupAccuracy { get; init; }

    /// <summary>Test accuracy of the dev-only baseline on its worst group.</summary>
    public double? DevOnlyBaselineTestWorstGroupAccuracy { get; init; }

    /// <summary>The final labels' and the dev-only baseline's test accuracy per group; empty without groups or test gold.</summary>
    public IReadOnlyList<GroupFiguresRow> FinalTestPerGroup { get; init; } = [];

    /// <summary>
    /// ahead, tie or behind: the final labels against the dev-only baseline on test in <see cref="Metric"/>, ahead or behind only
    /// by more than two standard errors of the paired difference; null without test gold or a baseline.
    /// </summary>
    public string? FinalVersusDevOnly { get; init; }

    /// <summary>What the run found that the user must not miss (a class without programs, a class left out of the final labels, figures no better than the majority class).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>LLM calls in the project's ledger, over every run.</summary>
    public required int LlmCalls { get; init; }

    /// <summary>What the ledger's calls cost, in US dollars.</summary>
    public required decimal CostUsd { get; init; }

    /// <summary>How long the run took.</summary>
    public required double Seconds { get; init; }

    /// <summary>label_model, end_model, blend:W (W = weight of the label model) or dev_only_baseline; rows no program voted on always take the end model's label, except under dev_only_baseline.</summary>
    public required string FinalSource { get; init; }

    /// <summary>
    /// The best candidate on valid (same names as <see cref="FinalSource"/>); null without valid gold. The final source is the
    /// default blend unless this candidate leads it by more than two standard errors.
    /// </summary>
    public string? BestOnValid { get; init; }

    /// <summary>What choices on valid were ranked by: the spec's evaluation.metric (accuracy or macro_f1).</summary>
    public string Metric { get; init; } = "accuracy";

    /// <summary>How far the best candidate leads the default blend on valid, in the metric (accuracy: a share of the valid rows); null when the default is the best.</summary>
    public double? LeadOverDefault { get; init; }

    /// <summary>The standard error of <see cref="LeadOverDefault"/>, in the metric (of the paired difference).</summary>
    public double? LeadStandardError { get; init; }

    /// <summary>Who wrote the programs: the offline synthesizer, or the LLM provider and model.</summary>
    public required string Synthesizer { get; init; }

    /// <summary>True when nothing had changed since the last run and its results were reused.</summary>
    public bool Reused { get; init; }

    /// <summary>The labels as CSV, relative to the project.</summary>
    public required string LabelsCsv { get; init; }

    /// <summary>The labels as JSON lines, relative to the project.</summary>
    public required string LabelsJsonl { get; init; }

    /// <summary>The HTML report, relative to the project.</summary>
    public required string Report { get; init; }

    /// <summary>The saved end model's folder, relative to the project.</summary>
    public required string EndModelFolder { get; init; }
}

/// <summary>One group's test rows and the accuracy of the final labels and of the dev-only baseline on them.</summary>
public sealed record GroupFiguresRow(string Group, int Rows, double FinalAccuracy, double? DevOnlyAccuracy);
