using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
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
    /// <param name="spec">The task.</param>
    /// <param name="newLabelModel">Makes the unfitted label model each fold is fitted with.</param>
    /// <param name="balance">The class balance it is fitted with.</param>
    /// <param name="texts">Each split's joined text inputs.</param>
    /// <param name="votes">Each split's votes of the project's programs.</param>
    /// <param name="labelModelValid">The label model's valid probabilities over the programs alone.</param>
    /// <param name="validGold">Valid's gold classes (-1: none).</param>
    /// <param name="progress">Hears of each fold done.</param>
    /// <param name="useCache">
    /// Keep each fold's rule votes in the project's cache (<c>.alchemist/cache/offline-folds</c>): they depend on the spec,
    /// the train texts and the labeled valid rows alone, not on the programs, so a rerun after a program was edited reads
    /// them back and only fits the label model on them.
    /// </param>
    public static Decision Decide(TaskSpec spec, Func<ILabelModel> newLabelModel, ClassBalance balance, IReadOnlyDictionary<string, string[]> texts,
        IReadOnlyDictionary<string, LabelMatrix> votes, float[] labelModelValid, int[] validGold, IProgress<StageProgress>? progress = null, bool useCache = false)
    {
        var classes = spec.Classes.Count;
        var validTexts = texts[SplitName.Valid];
        var labeled = Enumerable.Range(0, validGold.Length).Where(r => validGold[r] >= 0).ToArray();
        var tokens = new[] { SplitName.Train, SplitName.Valid }.ToDictionary(name => name, name => new Lazy<string[][]>(() => [.. texts[name].Select(RuleFeatures.Tokenize)]));
        var folds = new List<ValidFold>();
        // Beside programs a person or an LLM wrote, a class they leave weak gets an LLM follow-up, not rules at a lowered
        // strictness: those rules are learned from the same valid rows that judge them, and the decision below takes them on a
        // lead of a few valid rows.
        var options = OfflineShape.Of(spec).TextOptions with { MinimumClassRows = int.MaxValue };
        var cache = useCache ? StageCache.For(spec.ProjectDirectory, OfflineCrossFit.CacheKind) : null;
        var inputs = cache is null ? null : InputsKey(spec.ClassNames, options, texts[SplitName.Train], validTexts, validGold);
        var parts = ValidFolds.Of(labeled);
        progress?.Report(new StageProgress(Stage, 0, parts.Count, "folds"));
        foreach (var (predict, learn) in parts)
        {
            // A fold whose rows teach no rule is predicted by the programs alone rather than skipped: a skipped fold would
            // leave the end model's cross-fit with targets from rules learned from the rows it predicts.
            var (trainRules, predictRules) = RuleColumns(cache, inputs, () =>
            {
                var programs = OfflineSynthesizer.Synthesize(learn.Select(r => validTexts[r]).ToArray(), learn.Select(r => validGold[r]).ToArray(), spec.ClassNames, options);
                return (Augment(new LabelMatrix(texts[SplitName.Train].Length, classes, []), texts[SplitName.Train], tokens[SplitName.Train].Value, programs),
                    Augment(new LabelMatrix(predict.Length, classes, []), [.. predict.Select(r => validTexts[r])], [.. predict.Select(r => tokens[SplitName.Valid].Value[r])], programs));
            }, predict, learn);
            var model = newLabelModel();
            var trainVotes = Concat(votes[SplitName.Train], trainRules);
            model.Fit(trainVotes, balance);
            var predictVotes = Concat(votes[SplitName.Valid].SelectRows(predict), predictRules);
            folds.Add(ValidFold.Of(model, predict, trainVotes, predictVotes));
            progress?.Report(new StageProgress(Stage, folds.Count, parts.Count, "folds"));
        }

        var augmented = ValidFold.Overlay(labelModelValid, folds, classes);
        var all = OfflineSynthesizer.Synthesize(labeled.Select(r => validTexts[r]).ToArray(), labeled.Select(r => validGold[r]).ToArray(), spec.ClassNames, options);
        return new Decision(all, Accuracy(labelModelValid, validGold, classes), Accuracy(augmented, validGold, classes),
            ClassificationMetrics.LogLoss(labelModelValid, validGold, classes), ClassificationMetrics.LogLoss(augmented, validGold, classes), folds);
    }

    /// <summary>Changes whenever what a cached fold's rule columns hold, or how they are keyed, changes.</summary>
    private const string CacheVersion = "alchemist-offline-augment-folds-v1";

    /// <summary>One fold's rule columns on train and on the rows it predicts, from the cache or computed (and stored).</summary>
    private static (LabelMatrix Train, LabelMatrix Predict) RuleColumns(StageCache? cache, string? inputs, Func<(LabelMatrix, LabelMatrix)> compute, int[] predict, int[] learn)
    {
        if (cache is null)
        {
            return compute();
        }

        using var fold = new CacheKey(CacheVersion).Add(inputs).Add(predict).Add(learn);
        var key = fold.Finish();
        if (cache.TryRead(() => Tuple.Create(LabelMatrixFile.Read(cache.PathOf(key, ".train.votes")), LabelMatrixFile.Read(cache.PathOf(key, ".predict.votes")))) is { } hit)
        {
            return hit.ToValueTuple();
        }

        var (train, predicted) = compute();
        cache.TryWrite(() =>
        {
            LabelMatrixFile.Write(cache.PathOf(key, ".train.votes"), train);
            LabelMatrixFile.Write(cache.PathOf(key, ".predict.votes"), predicted);
        });
        return (train, predicted);
    }

    /// <summary>What every fold's rules are a function of, besides its rows: the code that learns them, the classes, the synthesizer's settings, the train texts and the labeled valid rows.</summary>
    private static string InputsKey(IReadOnlyList<string> classNames, OfflineSynthesisOptions options, string[] trainTexts, string[] validTexts, int[] validGold)
    {
        using var key = new CacheKey(CacheVersion, typeof(OfflineAugmentation), typeof(OfflineSynthesizer));
        return key.Add(classNames).Add(options.TextFromRow).Add(options.Metric.ToString()).Add(options.MinimumClassRows).Add(Prefix)
            .Add(trainTexts).Add(validTexts).Add(validGold).Finish();
    }

    /// <summary>The programs' votes with the rule columns after them.</summary>
    private static LabelMatrix Concat(LabelMatrix votes, LabelMatrix rules)
    {
        var matrix = new LabelMatrix(votes.Rows, votes.Classes, [.. votes.ProgramNames, .. rules.ProgramNames]);
        for (var j = 0; j < votes.Programs; j++)
        {
            votes.Column(j).CopyTo(matrix.ColumnForWriting(j));
        }

        for (var k = 0; k < rules.Programs; k++)
        {
            rules.Column(k).CopyTo(matrix.ColumnForWriting(votes.Programs + k));
        }

        return matrix;
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

    /// <summary>
    /// <see cref="Augment"/> over rows not held in memory: <paramref name="votes"/> holds every row of
    /// <paramref name="source"/>, whose texts are read batch by batch for the rule programs' columns.
    /// </summary>
    public static LabelMatrix AugmentStreamed(TaskSpec spec, IDataSource source, LabelMatrix votes, IReadOnlyList<OfflineProgram> programs)
    {
        var added = new sbyte[programs.Count][];
        for (var j = 0; j < added.Length; j++)
        {
            added[j] = new sbyte[votes.Rows];
        }

        foreach (var batch in source.ReadBatches(TrainSample.BatchRows))
        {
            var texts = RowText.Of(spec, batch);
            var slice = votes.SliceRows((int)batch.FirstRow, batch.Count);
            var augmented = Augment(slice, texts, texts.Select(RuleFeatures.Tokenize).ToArray(), programs);
            for (var j = 0; j < added.Length; j++)
            {
                augmented.Column(votes.Programs + j).CopyTo(added[j].AsSpan((int)batch.FirstRow));
            }
        }

        var columns = Enumerable.Range(0, votes.Programs).Select(votes.ColumnArray).Concat(added).ToArray();
        return LabelMatrix.FromColumns(votes.Rows, votes.Classes, [.. votes.ProgramNames, .. programs.Select(p => Prefix + p.Name)], columns);
    }

    private static double Accuracy(float[] probabilities, int[] gold, int classes) =>
        ClassificationMetrics.Compute(gold, ClassificationMetrics.ArgMax(probabilities, classes), classes).Accuracy;
}
