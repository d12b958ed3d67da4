using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Studio;

/// <summary>
/// A project as its last run left it, read for review: each program's figures (coverage, overlaps and conflicts on train,
/// right and wrong on valid, the accuracy the label model estimates) and the rows that are its evidence. The votes are
/// those the last apply wrote, and the label model is fitted again on the run's saved train votes, so the figures are the run's.
/// </summary>
public sealed class StudioProject
{
    /// <summary>Rows of each kind of evidence sent at once: enough to judge a program, few enough for a page to show at once.</summary>
    public const int EvidenceRows = 50;

    private readonly Dataset _dataset;
    private readonly IReadOnlyDictionary<string, string[]> _texts;
    private readonly IReadOnlyDictionary<string, LabelMatrix> _votes;
    private readonly int[] _trainLabelModelClass;
    private readonly IReadOnlyDictionary<string, ProgramFile> _files;

    private StudioProject(TaskSpec spec, Dataset dataset, IReadOnlyDictionary<string, LabelMatrix> votes, IReadOnlyList<ProgramRow> programs,
        int[] trainLabelModelClass, IReadOnlyDictionary<string, ProgramFile> files)
    {
        Spec = spec;
        _dataset = dataset;
        _texts = dataset.Splits.ToDictionary(s => s.Name, s => RowText.Of(spec, s));
        _votes = votes;
        Programs = programs;
        _trainLabelModelClass = trainLabelModelClass;
        _files = files;
    }

    /// <summary>The project's spec.</summary>
    public TaskSpec Spec { get; }

    /// <summary>One row per program file: the programs that voted in the last run first, in the run's order, then those left out.</summary>
    public IReadOnlyList<ProgramRow> Programs { get; }

    /// <summary>
    /// Reads the project after <c>alchemist run</c>; a project never run, or changed since its last run, is a
    /// <see cref="UserError"/> that says to run it.
    /// </summary>
    public static StudioProject Load(string projectDirectory)
    {
        var spec = SpecReader.Load(projectDirectory);
        var layout = new ProjectLayout(spec.ProjectDirectory);
        if (!RunState.InputsUnchanged(spec, layout.ProgramsFolder))
        {
            throw new UserError($"{spec.ProjectDirectory} has no finished run of its programs as they are now: run `alchemist run {spec.ProjectDirectory}` first", layout.SpecFile);
        }

        var dataset = SpecData.LoadDataset(spec);
        var votes = new Dictionary<string, LabelMatrix>();
        foreach (var split in dataset.Splits)
        {
            var path = ProjectApply.MatrixPath(spec.ProjectDirectory, split.Name);
            votes[split.Name] = File.Exists(path) ? LabelMatrixFile.Read(path) : throw new UserError($"{path} is missing: run `alchemist run {spec.ProjectDirectory}` again", path);
        }

        var (rule, trainVotes, _) = FinalRule.Load(layout.OutputFolder);
        var labelModel = LabelModelCatalog.Create(rule.LabelModel);
        labelModel.Fit(trainVotes, rule.Balance);
        var probabilities = new float[trainVotes.Rows * trainVotes.Classes];
        labelModel.PredictProbabilities(trainVotes, probabilities);
        var trainClass = ClassificationMetrics.ArgMax(probabilities, trainVotes.Classes);
        var estimated = trainVotes.ProgramNames.Select((name, j) => (name, j)).ToDictionary(p => p.name, p => labelModel.EstimatedAccuracies[p.j]);

        var unreadable = new List<(string Name, string Error)>();
        var files = ProgramFile.LoadFolder(layout.ProgramsFolder, unreadable, ProjectApply.LimitsFor(spec).MaxBytes).ToDictionary(f => f.Name);
        var train = LabelAnalysis.Analyze(votes[SplitName.Train]);
        var valid = dataset.Valid is { } validSplit && validSplit.Rows.HasAnyGold ? LabelAnalysis.Analyze(votes[SplitName.Valid], validSplit.Rows.Labels) : null;
        var rows = new List<ProgramRow>();
        for (var j = 0; j < train.Programs.Count; j++)
        {
            var p = train.Programs[j];
            var v = valid?.Programs[j];
            files.TryGetValue(p.Name, out var file);
            rows.Add(new ProgramRow(p.Name, Author(file), [.. p.Polarity.Select(c => spec.ClassNames[c])], p.Coverage, p.Overlaps, p.Conflicts,
                v?.Correct, v?.Incorrect, v?.EmpiricalAccuracy is { } a && double.IsFinite(a) ? a : null,
                estimated.TryGetValue(p.Name, out var e) ? e : null, "active", null));
        }

        foreach (var (name, file) in files.Where(f => !rows.Any(r => r.Name == f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            rows.Add(new ProgramRow(name, Author(file), [], 0, 0, 0, null, null, null, null, "left out",
                "the last apply rejected or disabled it: `alchemist apply` says why"));
        }

        foreach (var (name, error) in unreadable)
        {
            rows.Add(new ProgramRow(name, "?", [], 0, 0, 0, null, null, null, null, "unreadable", error));
        }

        return new StudioProject(spec, dataset, votes, rows, trainClass, files);
    }

    /// <summary>
    /// The rows that show what a program does: the valid rows it labeled right and wrong, train rows it fired on, and train
    /// rows where the label model gave another class. Null for a name that is not a program of the last run.
    /// </summary>
    public ProgramEvidence? Evidence(string name)
    {
        var j = IndexOf(_votes[SplitName.Train].ProgramNames, name);
        if (j < 0)
        {
            return null;
        }

        var right = new List<EvidenceRow>();
        var wrong = new List<EvidenceRow>();
        if (_dataset.Valid is { } valid && _votes.TryGetValue(SplitName.Valid, out var validVotes))
        {
            var column = validVotes.Column(j);
            var gold = valid.Rows.Labels;
            for (var r = 0; r < column.Length && (right.Count < EvidenceRows || wrong.Count < EvidenceRows); r++)
            {
                if (column[r] == LabelMatrix.Abstain || gold[r] < 0)
                {
                    continue;
                }

                var list = column[r] == gold[r] ? right : wrong;
                if (list.Count < EvidenceRows)
                {
                    list.Add(Row(SplitName.Valid, r, column[r], gold[r]));
                }
            }
        }

        var fired = new List<EvidenceRow>();
        var disagrees = new List<EvidenceRow>();
        var train = _votes[SplitName.Train].Column(j);
        for (var r = 0; r < train.Length && (fired.Count < EvidenceRows || disagrees.Count < EvidenceRows); r++)
        {
            if (train[r] == LabelMatrix.Abstain)
            {
                continue;
            }

            if (fired.Count < EvidenceRows)
            {
                fired.Add(Row(SplitName.Train, r, train[r], null));
            }

            if (train[r] != _trainLabelModelClass[r] && disagrees.Count < EvidenceRows)
            {
                disagrees.Add(Row(SplitName.Train, r, train[r], null) with { LabelModel = Spec.ClassNames[_trainLabelModelClass[r]] });
            }
        }

        return new ProgramEvidence(name, _files.TryGetValue(name, out var file) ? file.Source : null, right, wrong, fired, disagrees);
    }

    private EvidenceRow Row(string split, int row, int vote, int? gold) =>
        new(split, _dataset.Split(split).Rows.RowIds[row], _texts[split][row], Spec.ClassNames[vote], gold is { } g ? Spec.ClassNames[g] : null, null);

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var j = 0; j < names.Count; j++)
        {
            if (names[j] == name)
            {
                return j;
            }
        }

        return -1;
    }

    private static string Author(ProgramFile? file) => file?.Provenance switch
    {
        null => "?",
        { Kind: ProgramAuthorKind.Llm } p => $"llm {p.Provider}/{p.Model}",
        { Kind: ProgramAuthorKind.Synthesizer } => "offline synthesizer",
        var p => $"person {p.AuthorName}".TrimEnd(),
    };
}

/// <summary>One program in the studio's table.</summary>
/// <param name="Name">The program's name (its file name without .cs).</param>
/// <param name="Author">Who wrote it: "llm provider/model", "offline synthesizer" or "person name".</param>
/// <param name="Classes">The classes it votes for on train.</param>
/// <param name="Coverage">Share of train rows it votes on.</param>
/// <param name="Overlaps">Share of train rows where it and another program vote.</param>
/// <param name="Conflicts">Share of train rows where another program votes another class.</param>
/// <param name="ValidRight">Valid rows with gold it labeled right; null without valid gold.</param>
/// <param name="ValidWrong">Valid rows with gold it labeled wrong; null without valid gold.</param>
/// <param name="ValidAccuracy">Right / (right + wrong) on valid; null when it never votes on a valid row with gold.</param>
/// <param name="EstimatedAccuracy">The accuracy the label model estimates from train votes without labels.</param>
/// <param name="State">active (it voted in the last run), left out (rejected or disabled by the last apply) or unreadable.</param>
/// <param name="Reason">Why it is not active; null when it is.</param>
public sealed record ProgramRow(string Name, string Author, IReadOnlyList<string> Classes, double Coverage, double Overlaps, double Conflicts,
    long? ValidRight, long? ValidWrong, double? ValidAccuracy, double? EstimatedAccuracy, string State, string? Reason);

/// <summary>What a program did, row by row.</summary>
/// <param name="Name">The program.</param>
/// <param name="Source">Its C# source without the header; null when the file is gone.</param>
/// <param name="Right">Valid rows it labeled as their gold says.</param>
/// <param name="Wrong">Valid rows it labeled otherwise than their gold.</param>
/// <param name="Fired">Train rows it voted on.</param>
/// <param name="DisagreesWithLabelModel">Train rows where the label model gave another class than its vote.</param>
public sealed record ProgramEvidence(string Name, string? Source, IReadOnlyList<EvidenceRow> Right, IReadOnlyList<EvidenceRow> Wrong,
    IReadOnlyList<EvidenceRow> Fired, IReadOnlyList<EvidenceRow> DisagreesWithLabelModel);

/// <summary>One row of evidence.</summary>
/// <param name="Split">train or valid.</param>
/// <param name="Id">The row's id.</param>
/// <param name="Text">The text the program read.</param>
/// <param name="Vote">The class the program voted.</param>
/// <param name="Gold">The row's gold class; null on train.</param>
/// <param name="LabelModel">The label model's class, where it differs from the vote.</param>
public sealed record EvidenceRow(string Split, string Id, string Text, string Vote, string? Gold, string? LabelModel);
