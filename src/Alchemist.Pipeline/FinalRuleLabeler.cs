using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>
/// Labels new rows as <c>run</c> labeled its own: the programs that voted in the run (and the offline rules beside them) run
/// in the sandbox on each batch, the label model fitted again on the run's saved train votes turns their votes into
/// probabilities, and the saved blend puts the label model where programs voted and the end model elsewhere.
/// </summary>
internal sealed class FinalRuleLabeler : IDisposable
{
    private readonly TaskSpec _spec;
    private readonly FinalRule _rule;
    private readonly FinalChoice.Choice _choice;
    private readonly ILabelModel _labelModel;
    private readonly EndModel.EndModel? _devOnlyModel;
    private readonly IReadOnlyList<SandboxedProgram> _programs;
    private readonly ApplyEngine _engine;
    private readonly int _classes;
    private readonly Action<string> _warn;
    private readonly HashSet<string> _warnedPrograms = [];
    private long _rowsLabeled;

    private FinalRuleLabeler(TaskSpec spec, FinalRule rule, ILabelModel labelModel, EndModel.EndModel? devOnlyModel, IReadOnlyList<SandboxedProgram> programs, ApplyEngine engine, int classes, Action<string> warn)
    {
        _spec = spec;
        _rule = rule;
        _choice = rule.Choice;
        _labelModel = labelModel;
        _devOnlyModel = devOnlyModel;
        _programs = programs;
        _engine = engine;
        _classes = classes;
        _warn = warn;
    }

    /// <summary>
    /// The rule the project's last run saved. The programs, spec and data must be those of that run (its fingerprint), since
    /// the label model is fitted on the votes those programs cast.
    /// </summary>
    public static FinalRuleLabeler Open(TaskSpec spec, ApplyOptions options, Action<string> warn)
    {
        var layout = new ProjectLayout(spec.ProjectDirectory);
        if (!RunState.InputsUnchanged(spec, layout.ProgramsFolder))
        {
            throw new UserError(
                $"the programs, alchemist.yaml or the data changed since the last run of {spec.ProjectDirectory} (or it did not finish): run `alchemist run` first, so that the final-label rule is that of these programs",
                layout.SpecFile);
        }

        var (rule, trainVotes, devOnlyModel) = FinalRule.Load(layout.OutputFolder);
        if (trainVotes.Classes != spec.Classes.Count)
        {
            throw new UserError($"{Path.Combine(layout.OutputFolder, FinalRule.FolderName)}: the saved votes have {trainVotes.Classes} classes, the spec lists {spec.Classes.Count}; run `alchemist run --force`", layout.SpecFile);
        }

        var labelModel = LabelModelCatalog.Create(rule.LabelModel);
        labelModel.Fit(trainVotes, rule.Balance);
        var limit = ProjectApply.LimitsFor(spec).MaxBytes;
        var files = rule.Columns.Select(name =>
        {
            var path = name.StartsWith(OfflineAugmentation.Prefix, StringComparison.Ordinal)
                && File.Exists(Path.Combine(layout.OutputFolder, OfflineAugmentation.Folder, name + ProgramFile.Extension))
                    ? Path.Combine(layout.OutputFolder, OfflineAugmentation.Folder, name + ProgramFile.Extension)
                    : Path.Combine(layout.ProgramsFolder, name + ProgramFile.Extension);
            try
            {
                return (ProgramFile.Load(path, limit), path);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new UserError($"{path}: the last run's labels used this program, and it cannot be read now ({e.Message}); run `alchemist run` again", path, inner: e);
            }
        }).ToList();

        // New rows are labeled once: caching their columns would only fill the project's cache.
        var labelingOptions = options with { CacheDirectory = null };
        var programs = ProjectApply.Compile(spec, files, labelingOptions);
        try
        {
            return new FinalRuleLabeler(spec, rule, labelModel, devOnlyModel, programs, new ApplyEngine(labelingOptions), spec.Classes.Count, warn);
        }
        catch
        {
            foreach (var program in programs)
            {
                program.Dispose();
            }

            throw;
        }
    }

    /// <summary>Row-major final probabilities of one batch, given the end model's for the same rows.</summary>
    public float[] Predict(DataBatch rows, Func<DataBatch, float[]> endModel)
    {
        if (_rule.Source == FinalRuleSource.DevOnly)
        {
            return _choice.ApplyDevOnly(EndModelStage.Predict(_spec, _devOnlyModel!, rows), _classes);
        }

        var votes = Votes(rows);
        var labelModel = new float[rows.Count * _classes];
        _labelModel.PredictProbabilities(votes, labelModel);
        return _rule.Source == FinalRuleSource.LabelModel
            ? labelModel
            : _choice.Apply(labelModel, endModel(rows), votes.CoveredRows(), _classes);
    }

    /// <summary>
    /// The programs' votes on the batch. A program the sandbox disables on a batch (too many faults, a budget overrun)
    /// abstains on that batch's rows, as a program abstains on rows it has nothing to say about, and is reported once.
    /// </summary>
    private LabelMatrix Votes(DataBatch rows)
    {
        var applied = _engine.Apply("predict", new OneBatchSource(rows, _rowsLabeled), _programs, _classes);
        _rowsLabeled += rows.Count;
        var matrix = applied.Matrix;
        for (var j = 0; j < applied.Programs.Count; j++)
        {
            if (applied.Programs[j].Status != ProgramStatus.Ok)
            {
                matrix.ColumnForWriting(j).Fill(LabelMatrix.Abstain);
                if (_warnedPrograms.Add(applied.Programs[j].Name))
                {
                    _warn($"program {applied.Programs[j].Name} was disabled on rows from {rows.FirstRow + 1:N0} ({applied.Programs[j].Reason}); it abstains on the rows of every batch where that happens");
                }
            }
        }

        return matrix;
    }

    public void Dispose()
    {
        _engine.Dispose();
        foreach (var program in _programs)
        {
            program.Dispose();
        }
    }

    /// <summary>One batch already read, as the engine reads a source; nothing is cached for it, so its hash only names it.</summary>
    private sealed class OneBatchSource(DataBatch rows, long firstRow) : IDataSource
    {
        public string Path => "rows to label";

        public string Format => "memory";

        public IReadOnlyList<string>? ClassNames => null;

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
        {
            if (rows.Count <= batchSize)
            {
                yield return rows;
                yield break;
            }

            for (var start = 0; start < rows.Count; start += batchSize)
            {
                yield return rows.Slice(start, Math.Min(batchSize, rows.Count - start));
            }
        }

        public string ContentHash() => $"batch-from-row-{firstRow}";
    }
}
