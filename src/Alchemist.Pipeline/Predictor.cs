using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>
/// Labels new rows with what a project's last run saved, streaming: a file of any size is read, labeled and written in
/// batches, with reading, labeling (every core) and writing overlapped, so memory stays that of a few batches. Opened with
/// <see cref="Open"/> it labels with the end model alone; with <see cref="OpenFinalRule"/>, with the run's whole final-label
/// rule (the programs in the sandbox and the label model where they vote, the end model elsewhere).
/// </summary>
public sealed class Predictor : IDisposable
{
    /// <summary>Rows per batch: large enough that the stages' hand-offs cost nothing, small enough that a few batches in flight stay far under 300 MB.</summary>
    public const int BatchRows = 16_384;

    /// <summary>Batches read ahead of labeling and labeled ahead of writing.</summary>
    private const int BatchesInFlight = 2;

    private readonly FinalRuleLabeler? _finalRule;

    private Predictor(TaskSpec spec, EndModel.EndModel model, FinalRuleLabeler? finalRule = null)
    {
        Spec = spec;
        Model = model;
        _finalRule = finalRule;
    }

    /// <summary>The project's spec: the inputs rows must have and the class names labels are written with.</summary>
    public TaskSpec Spec { get; }

    /// <summary>The end model the last run saved.</summary>
    public EndModel.EndModel Model { get; }

    /// <summary>
    /// The project's saved end model, checked against its spec: a model that cannot be read, or that reads other inputs or
    /// classes than the spec names, is a <see cref="UserError"/> saying to run again.
    /// </summary>
    public static Predictor Open(TaskSpec spec)
    {
        var folder = new ProjectLayout(spec.ProjectDirectory).EndModelFolder;
        EndModel.EndModel model;
        try
        {
            model = EndModel.EndModel.Load(folder);
        }
        catch (FileNotFoundException e)
        {
            throw new UserError(e.Message, folder, inner: e);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or NotSupportedException or IOException)
        {
            // `run` would reuse these outputs while nothing else changed, so only --force trains the model again.
            throw new UserError($"{folder}: the saved end model cannot be read ({e.Message}); run `alchemist run --force` to train it again", folder, inner: e);
        }

        if (model.Classes != spec.Classes.Count)
        {
            throw new UserError($"{folder}: the end model predicts {model.Classes} classes, the spec lists {spec.Classes.Count}; run `alchemist run` again", folder);
        }

        if (model.Info.Input != EndModelStage.InputOf(spec))
        {
            throw new UserError($"{folder}: the end model reads {model.Info.Input}, the spec's inputs need {EndModelStage.InputOf(spec)}; run `alchemist run` again", folder);
        }

        // A model of text alone has no such file, nor do outputs of a build before it was written: they are read as before.
        var featuresFile = Path.Combine(folder, EndModelStage.FeaturesFile);
        if (File.Exists(featuresFile))
        {
            var trained = File.ReadAllLines(featuresFile).Where(line => line.Length > 0).ToList();
            var now = EndModelStage.FeatureSignature(spec);
            if (!trained.SequenceEqual(now))
            {
                var at = Enumerable.Range(0, Math.Max(trained.Count, now.Count)).First(i => i >= trained.Count || i >= now.Count || trained[i] != now[i]);
                string Name(IReadOnlyList<string> list) => at >= list.Count ? "none" : list[at].StartsWith("extractor ", StringComparison.Ordinal) ? "the image extractor" : $"'{list[at]}'";
                var what = at < trained.Count && at < now.Count && trained[at].StartsWith("extractor ", StringComparison.Ordinal) && now[at].StartsWith("extractor ", StringComparison.Ordinal)
                    ? "the extractor changed (its model files, concepts or their prompts, logit scale or end_model_embeddings), so the same features score other things"
                    : $"feature {at + 1} was {Name(trained)} when it was trained and is {Name(now)} in the spec now";
                throw new UserError($"{folder}: the end model was trained on other number features than {TaskSpec.FileName} gives now ({what}); run `alchemist run` again", folder);
            }
        }

        return new Predictor(spec, model);
    }

    /// <summary>
    /// Labels as the last run made its final labels: the programs that voted in it run in the sandbox (isolated as
    /// <paramref name="apply"/> says, by default as the spec says) on every batch, the label model fitted on the run's train
    /// votes reads their votes, and the blend chosen on valid puts it beside the end model. The programs, spec and data must
    /// be those of the last run. <paramref name="warn"/> hears of a program the sandbox disabled on some rows.
    /// </summary>
    public static Predictor OpenFinalRule(TaskSpec spec, ApplyOptions? apply = null, Action<string>? warn = null)
    {
        var endModel = Open(spec);
        var finalRule = FinalRuleLabeler.Open(spec, apply ?? ProjectApply.OptionsFor(spec, null), warn ?? (_ => { }));
        return new Predictor(spec, endModel.Model, finalRule);
    }

    /// <summary>Whether <see cref="Predict"/> applies the final-label rule (else the end model alone).</summary>
    public bool UsesFinalRule => _finalRule is not null;

    /// <summary>Stops the worker processes and unloads the programs of the final rule; nothing to do for the end model alone.</summary>
    public void Dispose() => _finalRule?.Dispose();

    /// <summary>
    /// The rows of a file to label: CSV or JSONL with the spec's input fields, or a WRENCH split file (<paramref name="format"/>
    /// null: from the extension). Labels are not read, so a WRENCH file needs no label.json beside it. <paramref name="warn"/>
    /// hears of images that could not be read.
    /// </summary>
    public static IDataSource OpenRows(TaskSpec spec, string path, string? format = null, Action<string>? warn = null)
    {
        // A folder, in a project with an image input (its data a folder of images or a file listing them), is images.
        format ??= spec.ImageInput is not null && Directory.Exists(path) ? "images" : null;
        if (format == "images")
        {
            // A folder of images (in class subfolders or not), scored as run scored the project's; its subfolders are named
            // as the data's labels are, which a class renamed or merged since keeps (data.classes).
            return new FieldLimitSource(Scored(spec, new ImageFolderSource(path, spec.ImageInput?.Name ?? throw new DataFormatException(path, "the project has no image input to read a folder of images into"), spec.Data.Classes ?? spec.ClassNames), warn), spec.Data.FieldLimit);
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file not found");
        }

        format ??= Dataset.GuessFormat(path);
        // Under the spec's field limit, as run read its splits: the programs and the end model see values of the same bound.
        return new FieldLimitSource(
            Scored(spec, format == "wrench"
                ? new WrenchSource(path, spec.ClassNames)
                : Dataset.OpenFile(path, format, NewRowFields(spec)), warn),
            spec.Data.FieldLimit);
    }

    /// <summary>The fields a file of new rows must have: the spec's inputs and id, without its label or group.</summary>
    private static FieldMap NewRowFields(TaskSpec spec)
    {
        var fields = SpecData.FieldMap(spec);
        return fields with { LabelField = null, TextFields = [.. fields.TextFields.Where(f => f != spec.Data.GroupField)] };
    }

    /// <summary>
    /// With an image input, the file's images scored first where their scores are missing or stale (kept in the project's
    /// .alchemist/features like the splits'); an unreadable image scores NaN, with no other input its row abstains, and
    /// <paramref name="warn"/> hears of every such image, named by file and row, whether scored now or before.
    /// </summary>
    private static IDataSource Scored(TaskSpec spec, IDataSource file, Action<string>? warn)
    {
        if (SpecData.WithImageScores(spec, file) is not ImageScoresSource scored)
        {
            return file;
        }

        _ = Features.ImageExtraction.Ensure(spec, scored);
        if (scored.Table.Problems is { Count: > 0 } problems)
        {
            // Their rows still get a label: the end model reads the missing scores as the average, and with no other input
            // that label says nothing of the image.
            warn?.Invoke(ImageProblem.Summary(problems, scored.RejectUnreadable
                ? "their rows are labeled without an image to read: every program abstains, and the end model sees only missing scores"
                : "their rows are labeled from their other inputs alone"));
        }

        return scored;
    }

    /// <summary>Row-major class probabilities (rows x classes) of one batch; with the final rule, one batch at a time.</summary>
    public float[] Predict(DataBatch rows) =>
        _finalRule is { } rule ? rule.Predict(rows, EndModelPredict) : EndModelPredict(rows);

    private float[] EndModelPredict(DataBatch rows) => EndModelStage.Predict(Spec, Model, rows);

    /// <summary>
    /// Labels every row of <paramref name="source"/> and writes id, label and probabilities to <paramref name="output"/> (left
    /// open) in <paramref name="format"/>; returns how many rows were written. <paramref name="rowsDone"/> hears the running count
    /// after each batch.
    /// </summary>
    public long Write(IDataSource source, Stream output, LabelFileFormat format, IProgress<long>? rowsDone = null, CancellationToken cancellation = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var read = new BlockingCollection<DataBatch>(BatchesInFlight);
        using var labeled = new BlockingCollection<(DataBatch Rows, float[] Probabilities)>(BatchesInFlight);
        var reader = Task.Factory.StartNew(() => Produce(read, source.ReadBatches(BatchRows), stop), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var writer = Task.Factory.StartNew(() => WriteRows(labeled, output, format, rowsDone, stop), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var rows in read.GetConsumingEnumerable(stop.Token))
            {
                SpecData.RequireInputs(Spec, source.Path, rows);
                labeled.Add((rows, Predict(rows)), stop.Token);
            }
        }
        catch (Exception)
        {
            stop.Cancel();
            labeled.CompleteAdding();
            RethrowStageFault(reader, writer);
            throw;
        }

        labeled.CompleteAdding();
        reader.GetAwaiter().GetResult();
        return writer.GetAwaiter().GetResult();
    }

    /// <summary>When a stage failed (a malformed row, a full disk) and stopped the others, its error is the one to report.</summary>
    private static void RethrowStageFault(params Task[] stages)
    {
        try
        {
            Task.WaitAll(stages);
        }
        catch (AggregateException)
        {
            // Looked at below, stage by stage.
        }

        foreach (var stage in stages)
        {
            if (stage.Exception?.InnerException is { } fault and not OperationCanceledException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
            }
        }
    }

    private static void Produce(BlockingCollection<DataBatch> read, IEnumerable<DataBatch> batches, CancellationTokenSource stop)
    {
        try
        {
            foreach (var batch in batches)
            {
                read.Add(batch, stop.Token);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stop.Cancel();
            throw;
        }
        finally
        {
            read.CompleteAdding();
        }
    }

    // Its loop runs once per row of the file, so it is compiled optimized at once rather than after tiering notices it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long WriteRows(BlockingCollection<(DataBatch Rows, float[] Probabilities)> labeled, Stream output, LabelFileFormat format, IProgress<long>? rowsDone, CancellationTokenSource stop)
    {
        try
        {
            var classes = Model.Classes;
            long written = 0;
            // Not disposed: that would close the caller's stream; the row writer flushes it.
            var buffered = new BufferedStream(output, 1 << 16);
            using (var rows = new LabelRowWriter(buffered, format, Spec.ClassNames, withSplit: false, withVotes: false))
            {
                foreach (var (batch, probabilities) in labeled.GetConsumingEnumerable(stop.Token))
                {
                    var labels = ClassificationMetrics.ArgMax(probabilities, classes, batch.FirstRow);
                    for (var r = 0; r < batch.Count; r++)
                    {
                        rows.Write(null, batch.RowIds[r], labels[r], probabilities.AsSpan(r * classes, classes));
                    }

                    written += batch.Count;
                    rowsDone?.Report(written);
                }
            }

            return written;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stop.Cancel();
            throw;
        }
    }
}
