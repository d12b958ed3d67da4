using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>
/// Whether the offline synthesizer's rules, learned from the labeled valid rows, should vote beside the project's (LLM)
/// programs. Decided on valid, out of sample: each of the <see cref="ValidFolds"/> is predicted by the label model over the
/// project's programs plus rules learned from the other folds only, fitted on train, and compared with the label model over
/// the project's programs alone (which never saw valid); they vote only when the cross-fitted valid accuracy rises and the
/// log-loss does not. The rules that then vote are learned from all labeled valid rows and
/// evaluated in process, exactly as the written offline programs do; their columns are named <c>offline-&lt;program&gt;</c>, and a run writes them as program files to <c>out/offline-programs/</c>.
/// </summary>
public static class OfflineAugmentation
{
    /// <summary>Prefix of the rule programs' column and file names (a valid program name, so they can be written as files).</summary>
    public const string Prefix = "offline-";

    /// <summary>Where a run writes the rule programs that vote, as ordinary program files for a person to read.</summary>
    public const string Folder = "offline-programs";

    /// <summary>The decision's name in <see cref="StageProgress"/>.</summary>
    public const string Stage = "offline rules beside the programs";

    /// <param name="Programs">The rules learned from all labeled valid rows.</param>
    /// <param name="ValidAccuracy">Valid accuracy (labeled rows) of the label model over the project's programs alone.</param>
    /// <param name="AugmentedValidAccuracy">The same, cross-fitted, with the offline rules voting too.</param>
    /// <param name="ValidLogLoss">Valid log-loss of the label model over the project's programs alone.</param>
    /// <param name="AugmentedValidLogLoss">The same, cross-fitted, with the offline rules voting too.</param>
    /// <param name="Folds">What the label model over the project's programs plus each fold's rules says, out of sample.</param>
    public sealed record Decision(IReadOnlyList<OfflineProgram> Programs, double ValidAccuracy, double AugmentedValidAccuracy, double ValidLogLoss, double AugmentedValidLogLoss, IReadOnlyList<ValidFold> Folds)
    {
        /// <summary>Only when both measures agree: a gain of a row or two in accuracy alone is noise, and the rules add votes to explain.</summary>
        public bool Use => Programs.Count > 0 && AugmentedValidAccuracy > ValidAccuracy && AugmentedValidLogLoss <= ValidLogLoss;
    }

    /// <summary>Learns the offline synthesizer's rules from valid and measures, cross-fitted over the valid folds, whether the label model is better with them voting beside the programs.</summary>
    public static Decision Decide(TaskSpec spec, Func<ILabelModel> newLabelModel, ClassBalance balance, IReadOnlyDictionary<string, string[]> texts,
        IReadOnlyDictionary<string, LabelMatrix> votes, float[] labelModelValid, int[] validGold, IProgress<StageProgress>? progress = null)
    {
        var classes = spec.Classes.Count;
        var validTexts = texts[SplitName.Valid];
        var labeled = Enumerable.Range(0, validGold.Length).Where(r => validGold[r] >= 0).ToArray();
        var tokens = new[] { SplitName.Train, SplitName.Valid }.ToDictionary(name => name, name => texts[name].Select(RuleFeatures.Tokenize).ToArray());
        var folds = new List<ValidFold>();
        // Beside programs a person or an LLM wrote, a class they leave weak gets an LLM follow-up, not rules at a lowered
        // strictness: those rules are learned from the same valid rows that judge them, and the decision below takes them on a
        // lead of a few valid rows.
        var options = OfflineShape.Of(spec).TextOptions with { MinimumClassRows = int.MaxValue };
        var parts = ValidFolds.Of(labeled);
        progress?.Report(new StageProgress(Stage, 0, parts.Count, "folds"));
        foreach (var (predict, learn) in parts)
        {
            // A fold whose rows teach no rule is predicted by the programs alone rather than skipped: a skipped fold would
            // leave the end model's cross-fit with targets from rules learned from the rows it predicts.
            var programs = OfflineSynthesizer.Synthesize(learn.Select(r => validTexts[r]).ToArray(), learn.Select(r => validGold[r]).ToArray(), spec.ClassNames, options);
            var model = newLabelModel();
            var trainVotes = Augment(votes[SplitName.Train], texts[SplitName.Train], tokens[SplitName.Train], programs);
            model.Fit(trainVotes, balance);
            var predictVotes = Augment(votes[SplitName.Valid].SelectRows(predict), [.. predict.Select(r => validTexts[r])], [.. predict.Select(r => tokens[SplitName.Valid][r])], programs);
            folds.Add(ValidFold.Of(model, predict, trainVotes, predictVotes));
            progress?.Report(new StageProgress(Stage, folds.Count, parts.Count, "folds"));
        }

        var augmented = ValidFold.Overlay(labelModelValid, folds, classes);
        var all = OfflineSynthesizer.Synthesize(labeled.Select(r => validTexts[r]).ToArray(), labeled.Select(r => validGold[r]).ToArray(), spec.ClassNames, options);
        return new Decision(all, Accuracy(labelModelValid, validGold, classes), Accuracy(augmented, validGold, classes),
            ClassificationMetrics.LogLoss(labelModelValid, validGold, classes), ClassificationMetrics.LogLoss(augmented, validGold, classes), folds);
    }

    /// <summary>
    /// Writes the rule programs as program files (replacing what an earlier run wrote, so the folder holds exactly the
    /// rules that vote now) and returns them; with no rules, the folder is removed.
    /// </summary>
    public static IReadOnlyList<ProgramFile> Write(string folder, IReadOnlyList<OfflineProgram> programs)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var created = DateTimeOffset.UtcNow;
        var files = programs
            .Select(p => new ProgramFile(Prefix + p.Name, new ProgramProvenance { Kind = ProgramAuthorKind.Synthesizer, Created = created }, p.Source))
            .ToList();
        foreach (var file in files)
        {
            file.Save(folder);
        }

        return files;
    }

    /// <summary>The votes with one more column per offline rule program, named with <see cref="Prefix"/>.</summary>
    public static LabelMatrix Augment(LabelMatrix votes, string[] texts, string[][] tokens, IReadOnlyList<OfflineProgram> programs) =>
        OfflineVotes.Append(votes, texts, tokens, programs, Prefix);

    private static double Accuracy(float[] probabilities, int[] gold, int classes) =>
        ClassificationMetrics.Compute(gold, ClassificationMetrics.ArgMax(probabilities, classes), classes).Accuracy;
}
