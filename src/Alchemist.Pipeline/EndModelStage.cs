using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>The trained end model, its predictions per split, and the dev-only baseline's (with its model, which is saved when it gives the final labels).</summary>
public sealed record EndModelResult(
    EndModel.EndModel Model,
    IReadOnlyDictionary<string, float[]> Predictions,
    IReadOnlyDictionary<string, float[]>? BaselinePredictions,
    float[]? ValidOutOfSample,
    float[]? BaselineValidOutOfSample,
    int TrainRowsUsed,
    int ValidRowsUsed,
    float ValidRowWeight)
{
    /// <summary>The dev-only baseline's model (trained on valid's gold rows alone); null without valid gold.</summary>
    public EndModel.EndModel? BaselineModel { get; init; }
}

/// <summary>
/// Distills the end model from the label model's probabilities on covered train rows, plus the valid split's gold rows
/// (weighted so that, together, they count as much as the train rows). The valid probabilities used to choose the final
/// labels come from cross-fitted models (<see cref="ValidFolds"/>), each trained without the fold of valid it predicts, and, where
/// the programs' rules were learned from valid, on train targets from rules learned without that fold too (<see cref="ValidFold"/>). The dev-only baseline is
/// the same model trained on the valid gold rows alone: the rows the offline synthesizer saw.
/// </summary>
public sealed class EndModelStage(
    TaskSpec spec,
    Dataset dataset,
    IReadOnlyDictionary<string, string[]> texts,
    IReadOnlyDictionary<string, LabelMatrix> votes,
    IReadOnlyDictionary<string, float[]> labelModel,
    Action<string> step,
    IReadOnlyList<ValidFold>? validFolds = null,
    IProgress<StageProgress>? progress = null)
{
    /// <summary>The end model's and the dev-only baseline's training, in <see cref="StageProgress"/>.</summary>
    public const string TrainingStage = "end model";

    /// <summary>The cross-fit of both on valid, in <see cref="StageProgress"/>.</summary>
    public const string CrossFitStage = "end model cross-fit";

    private readonly int _classes = dataset.Classes;
    private readonly EndModel.EndModelInput _input = InputOf(spec);

    /// <summary>Each split's number features, built once: every model of the cross-fit trains on and predicts the same rows.</summary>
    private readonly Dictionary<string, float[][]> _numberFeatures = [];

    /// <summary>Trains the end model, the dev-only baseline and their cross-fitted valid predictions, logging each step.</summary>
    public EndModelResult Run()
    {
        var trainVotes = votes[SplitName.Train];
        var covered = trainVotes.CoveredRows();

        var coveredCount = covered.Count(c => c);
        var validLabeled = ValidLabeled();
        var validWeight = ValidWeight(coveredCount, validLabeled.Length);
        if (coveredCount == 0 && validLabeled.Length == 0)
        {
            throw new UserError("no train row has a vote and valid has no gold labels: the end model has nothing to learn from");
        }

        var models = validLabeled.Length > 0 ? 2 : 1;
        progress?.Report(new StageProgress(TrainingStage, 0, models, "models"));
        step($"training the end model on {coveredCount} covered train rows{(validLabeled.Length > 0 ? $" and {validLabeled.Length} valid gold rows (weight {validWeight:0.0} each)" : "")}");
        var model = Train(covered, validLabeled, validWeight);
        progress?.Report(new StageProgress(TrainingStage, 1, models, "models"));
        var predictions = dataset.Splits.ToDictionary(s => s.Name, s => Predict(model, s.Name));

        Dictionary<string, float[]>? baseline = null;
        EndModel.EndModel? baselineModel = null;
        float[]? outOfSample = null;
        float[]? baselineOutOfSample = null;
        if (validLabeled.Length > 0)
        {
            step($"training the dev-only baseline on the {validLabeled.Length} valid gold rows");
            baselineModel = TrainCached(Set(new bool[covered.Length], validLabeled, 1f));
            progress?.Report(new StageProgress(TrainingStage, 2, models, "models"));
            baseline = dataset.Splits.ToDictionary(s => s.Name, s => Predict(baselineModel, s.Name));

            var folds = ValidFolds.Of(validLabeled);
            step($"cross-fitting the end model on valid ({folds.Count} folds) to choose the final labels fairly");
            outOfSample = (float[])predictions[SplitName.Valid].Clone();
            baselineOutOfSample = (float[])baseline[SplitName.Valid].Clone();
            var jobs = new List<(int[] Predict, float[] Into, Func<TrainingSet> Set)>();
            foreach (var (inFold, outFold) in folds)
            {
                // Where the programs' rules were learned from valid, the fold's model learns from targets made by rules
                // that never saw the rows it predicts.
                var targets = validFolds is null ? null : validFolds.FirstOrDefault(f => f.Predicted.SequenceEqual(inFold))
                    ?? throw new InvalidOperationException($"the rules' cross-fit has no fold for the {inFold.Length} valid rows from row {inFold[0]}: the end model's cross-fit would learn from rules that saw them");
                jobs.Add((inFold, outOfSample, () => targets is null
                    ? Set(covered, outFold, validWeight)
                    : Set(targets.TrainCovered, outFold, ValidWeight(targets.TrainCovered.Count(c => c), validLabeled.Length), targets.TrainProbabilities)));
                jobs.Add((inFold, baselineOutOfSample, () => Set(new bool[covered.Length], outFold, 1f)));
            }

            CrossFit(jobs, folds.Count);
        }

        return new EndModelResult(model, predictions, baseline, outOfSample ?? predictions.GetValueOrDefault(SplitName.Valid), baselineOutOfSample, coveredCount, validLabeled.Length, validWeight)
        {
            BaselineModel = baselineModel,
        };
    }

    /// <summary>
    /// The end model's train probabilities with each train row predicted by a model trained without it (on the other folds'
    /// covered rows plus the valid gold rows, as the end model is): how it labels rows it has not seen, where its predictions
    /// on its own training rows mostly repeat the label model.
    /// </summary>
    public float[] TrainOutOfSample(int folds)
    {
        var covered = votes[SplitName.Train].CoveredRows();
        var validLabeled = ValidLabeled();
        var validWeight = ValidWeight(covered.Count(c => c), validLabeled.Length);
        var outOfSample = new float[covered.Length * _classes];
        for (var fold = 0; fold < folds; fold++)
        {
            var learn = covered.Select((c, r) => c && r % folds != fold).ToArray();
            var predictions = Predict(Train(learn, validLabeled, validWeight), SplitName.Train);
            for (var r = fold; r < covered.Length; r += folds)
            {
                predictions.AsSpan(r * _classes, _classes).CopyTo(outOfSample.AsSpan(r * _classes, _classes));
            }
        }

        return outOfSample;
    }

    private int[] ValidLabeled() =>
        dataset.Valid is { } valid ? [.. Enumerable.Range(0, valid.Count).Where(r => valid.Rows.Labels[r] >= 0)] : [];

    /// <summary>Each valid gold row's weight, so that together they count as much as the covered train rows (at least 1 each).</summary>
    private static float ValidWeight(int coveredTrainRows, int validRows) =>
        validRows == 0 ? 0f : Math.Max(1f, coveredTrainRows / (float)validRows);

    private EndModel.EndModel Train(bool[] trainRows, int[] validRows, float validWeight, float[]? trainProbabilities = null) =>
        Set(trainRows, validRows, validWeight, trainProbabilities).Train(_input, _classes);

    /// <summary>The rows a model learns from: the chosen train rows with their targets, then the chosen valid gold rows with their weight.</summary>
    private TrainingSet Set(bool[] trainRows, int[] validRows, float validWeight, float[]? trainProbabilities = null)
    {
        var rows = trainRows.Count(c => c) + validRows.Length;
        var targets = new float[rows * _classes];
        var k = 0;
        var selectedTexts = new List<string>(rows);
        var selectedFeatures = new List<float[]>(rows);
        trainProbabilities ??= labelModel[SplitName.Train];
        var trainFeatures = _input == EndModel.EndModelInput.Text ? null : SplitFeatures(SplitName.Train);
        for (var r = 0; r < trainRows.Length; r++)
        {
            if (trainRows[r])
            {
                trainProbabilities.AsSpan(r * _classes, _classes).CopyTo(targets.AsSpan(k * _classes, _classes));
                selectedTexts.Add(texts[SplitName.Train][r]);
                selectedFeatures.Add(trainFeatures?[r] ?? []);
                k++;
            }
        }

        var validFeatures = _input == EndModel.EndModelInput.Text || validRows.Length == 0 ? null : SplitFeatures(SplitName.Valid);
        foreach (var r in validRows)
        {
            targets[(k * _classes) + dataset.Valid!.Rows.Labels[r]] = validWeight;
            selectedTexts.Add(texts[SplitName.Valid][r]);
            selectedFeatures.Add(validFeatures?[r] ?? []);
            k++;
        }

        return new TrainingSet(selectedTexts, [.. selectedFeatures], targets);
    }

    /// <summary>Changes whenever what a cached end model or cached prediction holds, or how it is keyed, changes.</summary>
    private const string CacheVersion = "alchemist-end-model-v1";

    /// <summary>Where trained models and their valid predictions are kept (.alchemist/cache/end-models).</summary>
    internal const string CacheKind = "end-models";

    /// <summary>
    /// The model trained on these rows, read back when an earlier run trained it: the dev-only baseline learns from valid's
    /// gold alone, so a rerun after a program was edited trains it again for nothing.
    /// </summary>
    private EndModel.EndModel TrainCached(TrainingSet set)
    {
        var cache = StageCache.For(spec.ProjectDirectory, CacheKind);
        var key = set.Key(_input, _classes);
        var folder = cache.PathOf(key, ".model");
        if (cache.TryRead(() => EndModel.EndModel.Load(folder)) is { } hit && hit.Info.Input == _input && hit.Classes == _classes)
        {
            return hit;
        }

        var model = set.Train(_input, _classes);
        cache.TryWrite(() =>
        {
            Directory.CreateDirectory(folder);
            model.Save(folder);
        });
        return model;
    }

    /// <summary>
    /// The cross-fit's models, each trained without the valid rows it predicts, their predictions of those rows copied into
    /// its array. Each model's valid predictions are cached by what it learned from and what it predicts: with the offline
    /// synthesizer's programs every fold learns from the rules' cross-fit (which the programs do not change) and the dev-only
    /// baseline's folds from valid alone, so a rerun after a program was edited trains none of them. The models not cached are
    /// trained side by side, one per core: each trains single-threaded from its own seed, so the results are the same as
    /// one after another (the example's first run: 2.9 s one after another, on 2 busy cores).
    /// </summary>
    private void CrossFit(List<(int[] Predict, float[] Into, Func<TrainingSet> Set)> jobs, int folds)
    {
        var cache = StageCache.For(spec.ProjectDirectory, CacheKind);
        var validTexts = texts[SplitName.Valid];
        var validFeatures = _input == EndModel.EndModelInput.Text ? null : SplitFeatures(SplitName.Valid);
        string validKey;
        using (var key = new CacheKey(CacheVersion))
        {
            key.Add(validTexts);
            foreach (var row in validFeatures ?? [])
            {
                key.Add(row);
            }

            validKey = key.Finish();
        }

        var results = new float[jobs.Count][];
        var missing = new List<(int Job, TrainingSet Set, string Key)>();
        for (var j = 0; j < jobs.Count; j++)
        {
            var set = jobs[j].Set();
            using var key = new CacheKey(CacheVersion);
            var predictionKey = key.Add(set.Key(_input, _classes)).Add(validKey).Finish();
            var path = cache.PathOf(predictionKey, ".probabilities");
            if (cache.TryRead(() => ReadProbabilities(path, validTexts.Length * _classes)) is { } hit)
            {
                results[j] = hit;
            }
            else
            {
                missing.Add((j, set, predictionKey));
            }
        }

        var done = jobs.Count - missing.Count;
        var gate = new Lock();
        progress?.Report(new StageProgress(CrossFitStage, done / 2, folds, "folds"));
        Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            var probabilities = Predict(job.Set.Train(_input, _classes), SplitName.Valid);
            cache.TryWrite(() => AtomicFile.Write(cache.PathOf(job.Key, ".probabilities"), stream => stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(probabilities.AsSpan())), durable: false));
            results[job.Job] = probabilities;
            lock (gate)
            {
                progress?.Report(new StageProgress(CrossFitStage, ++done / 2, folds, "folds"));
            }
        });

        for (var j = 0; j < jobs.Count; j++)
        {
            foreach (var r in jobs[j].Predict)
            {
                results[j].AsSpan(r * _classes, _classes).CopyTo(jobs[j].Into.AsSpan(r * _classes, _classes));
            }
        }
    }

    private static float[] ReadProbabilities(string path, int count)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != count * sizeof(float))
        {
            throw new InvalidDataException($"{path} holds {bytes.Length} bytes, not {count} probabilities");
        }

        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    /// <summary>What one model learns from: its texts, number features and row-major targets.</summary>
    private sealed record TrainingSet(List<string> Texts, float[][] Features, float[] Targets)
    {
        public EndModel.EndModel Train(EndModel.EndModelInput input, int classes) => input switch
        {
            EndModel.EndModelInput.Text => EndModel.EndModel.TrainOnText(Texts, Targets, classes),
            EndModel.EndModelInput.Features => EndModel.EndModel.TrainOnFeatures(Features, Targets, classes),
            _ => EndModel.EndModel.TrainOnTextAndFeatures(Texts, Features, Targets, classes),
        };

        /// <summary>The content address of the model these rows train: the trainer's build and options, what it reads, and every row.</summary>
        public string Key(EndModel.EndModelInput input, int classes)
        {
            using var key = new CacheKey(CacheVersion, typeof(EndModel.EndModel), typeof(EndModelStage));
            key.Add(new EndModel.EndModelOptions().ToString()).Add(input.ToString()).Add(classes).Add(Texts).Add(Features.Length);
            foreach (var row in Features)
            {
                key.Add(row);
            }

            return key.Add(Targets).Finish();
        }
    }

    /// <summary>What the end model reads for this spec: the text inputs, the number inputs, or both.</summary>
    public static EndModel.EndModelInput InputOf(TaskSpec spec) =>
        (spec.ProgramInputs.Any(i => i.Type == InputType.Text), spec.ProgramInputs.Any(i => i.Type == InputType.Number)) switch
        {
            (true, false) => EndModel.EndModelInput.Text,
            (false, true) => EndModel.EndModelInput.Features,
            _ => EndModel.EndModelInput.TextAndFeatures,
        };

    /// <summary>The file beside a saved end model naming the number features it was trained on (<see cref="FeatureSignature"/>).</summary>
    public const string FeaturesFile = "features.txt";

    /// <summary>
    /// The number features the end model reads for this spec, one line each: every number input by name, in the spec's
    /// order, and with an image input the extractor that scores them (<see cref="ImageScores.ExtractorKey"/>: its model
    /// files, concepts and prompts, scale, and whether embeddings follow). A model reads its features by position, so one
    /// trained on other features of the same count labels without a word of warning (concepts reordered: 69 of 120 test
    /// labels changed); <see cref="Predictor.Open"/> compares this with the one saved beside the model.
    /// </summary>
    public static IReadOnlyList<string> FeatureSignature(TaskSpec spec) =>
        [.. spec.ProgramInputs.Where(i => i.Type == InputType.Number).Select(i => i.Name), .. spec.Extractor is null ? [] : new[] { "extractor " + ImageScores.ExtractorKey(spec) }];

    /// <summary>
    /// Each row's number inputs, in the spec's order, as the end model reads them, then, where the spec asks for them
    /// (<see cref="ExtractorSpec.EndModelEmbeddings"/>), each dimension of the image's embedding.
    /// </summary>
    public static float[][] NumberFeatures(TaskSpec spec, DataSplit split) => NumberFeatures(spec, split.Rows);

    /// <inheritdoc cref="NumberFeatures(TaskSpec, DataSplit)"/>
    public static float[][] NumberFeatures(TaskSpec spec, DataBatch rows)
    {
        var columns = spec.ProgramInputs.Where(i => i.Type == InputType.Number).Select(i => rows.Number(i.Name))
            .Concat(spec.Extractor is { EndModelEmbeddings: true }
                ? rows.Numbers.Where(n => n.Key.StartsWith(ExtractorSpec.EmbeddingPrefix, StringComparison.Ordinal))
                    .OrderBy(n => int.Parse(n.Key.AsSpan(ExtractorSpec.EmbeddingPrefix.Length), System.Globalization.CultureInfo.InvariantCulture)).Select(n => n.Value)
                : [])
            .ToArray();
        var features = new float[rows.Count][];
        for (var r = 0; r < features.Length; r++)
        {
            features[r] = new float[columns.Length];
            for (var j = 0; j < columns.Length; j++)
            {
                features[r][j] = (float)columns[j][r];
            }
        }

        return features;
    }

    /// <summary>The end model's class probabilities for every row of a split: its joined texts and, when the model reads them, its number features.</summary>
    public static float[] Predict(EndModel.EndModel model, string[] splitTexts, Func<float[][]> splitFeatures) => model.Info.Input switch
    {
        EndModel.EndModelInput.Text => model.PredictText(splitTexts),
        EndModel.EndModelInput.Features => model.PredictFeatures(splitFeatures()),
        _ => model.PredictTextAndFeatures(splitTexts, splitFeatures()),
    };

    /// <summary>The end model's class probabilities for a batch of rows with the spec's inputs.</summary>
    public static float[] Predict(TaskSpec spec, EndModel.EndModel model, DataBatch rows) =>
        Predict(model, RowText.Of(spec, rows), () => NumberFeatures(spec, rows));

    private float[] Predict(EndModel.EndModel model, string split) => Predict(model, texts[split], () => SplitFeatures(split));

    private float[][] SplitFeatures(string split)
    {
        if (!_numberFeatures.TryGetValue(split, out var features))
        {
            _numberFeatures[split] = features = NumberFeatures(spec, dataset.Split(split));
        }

        return features;
    }
}
