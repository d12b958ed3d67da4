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
            baselineModel = Train(new bool[covered.Length], validLabeled, 1f);
            progress?.Report(new StageProgress(TrainingStage, 2, models, "models"));
            baseline = dataset.Splits.ToDictionary(s => s.Name, s => Predict(baselineModel, s.Name));

            var folds = ValidFolds.Of(validLabeled);
            step($"cross-fitting the end model on valid ({folds.Count} folds) to choose the final labels fairly");
            outOfSample = (float[])predictions[SplitName.Valid].Clone();
            baselineOutOfSample = (float[])baseline[SplitName.Valid].Clone();
            var foldsDone = 0;
            progress?.Report(new StageProgress(CrossFitStage, 0, folds.Count, "folds"));
            foreach (var (inFold, outFold) in folds)
            {
                // Where the programs' rules were learned from valid, the fold's model learns from targets made by rules
                // that never saw the rows it predicts.
                var targets = validFolds is null ? null : validFolds.FirstOrDefault(f => f.Predicted.SequenceEqual(inFold))
                    ?? throw new InvalidOperationException($"the rules' cross-fit has no fold for the {inFold.Length} valid rows from row {inFold[0]}: the end model's cross-fit would learn from rules that saw them");
                var foldModel = targets is null
                    ? Train(covered, outFold, validWeight)
                    : Train(targets.TrainCovered, outFold, ValidWeight(targets.TrainCovered.Count(c => c), validLabeled.Length), targets.TrainProbabilities);
                var foldPredictions = Predict(foldModel, SplitName.Valid);
                var foldBaseline = Predict(Train(new bool[covered.Length], outFold, 1f), SplitName.Valid);
                foreach (var r in inFold)
                {
                    foldPredictions.AsSpan(r * _classes, _classes).CopyTo(outOfSample.AsSpan(r * _classes, _classes));
                    foldBaseline.AsSpan(r * _classes, _classes).CopyTo(baselineOutOfSample.AsSpan(r * _classes, _classes));
                }

                progress?.Report(new StageProgress(CrossFitStage, ++foldsDone, folds.Count, "folds"));
            }
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

    private EndModel.EndModel Train(bool[] trainRows, int[] validRows, float validWeight, float[]? trainProbabilities = null)
    {
        var train = dataset.Train;
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

        return _input switch
        {
            EndModel.EndModelInput.Text => EndModel.EndModel.TrainOnText(selectedTexts, targets, _classes),
            EndModel.EndModelInput.Features => EndModel.EndModel.TrainOnFeatures([.. selectedFeatures], targets, _classes),
            _ => EndModel.EndModel.TrainOnTextAndFeatures(selectedTexts, [.. selectedFeatures], targets, _classes),
        };
    }

    /// <summary>What the end model reads for this spec: the text inputs, the number inputs, or both.</summary>
    public static EndModel.EndModelInput InputOf(TaskSpec spec) =>
        (spec.Inputs.Any(i => i.Type == InputType.Text), spec.Inputs.Any(i => i.Type == InputType.Number)) switch
        {
            (true, false) => EndModel.EndModelInput.Text,
            (false, true) => EndModel.EndModelInput.Features,
            _ => EndModel.EndModelInput.TextAndFeatures,
        };

    /// <summary>Each row's number inputs, in the spec's order, as the end model reads them.</summary>
    public static float[][] NumberFeatures(TaskSpec spec, DataSplit split) => NumberFeatures(spec, split.Rows);

    /// <inheritdoc cref="NumberFeatures(TaskSpec, DataSplit)"/>
    public static float[][] NumberFeatures(TaskSpec spec, DataBatch rows)
    {
        var columns = spec.Inputs.Where(i => i.Type == InputType.Number).Select(i => rows.Number(i.Name)).ToArray();
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
