using System.Globalization;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Spec;

namespace Alchemist.Studio;

/// <summary>
/// A project opened for review and correction: each program's figures (coverage, overlaps and conflicts on train, right and
/// wrong on valid, the accuracy the label model estimates), the rows that are its evidence, and saving a corrected program.
/// The figures are of the programs' votes as the last apply wrote them, with the last run's label model (its kind and class
/// balance) fitted on them; after a save, <see cref="ChangedSinceRun"/> says that the end model and final labels are the
/// last run's until <c>alchemist run</c> runs again.
/// </summary>
public sealed partial class StudioProject : IDisposable
{
    /// <summary>Rows of each kind of evidence sent at once: enough to judge a program, few enough for a page to show at once.</summary>
    public const int EvidenceRows = 50;

    private readonly Lock _gate = new();
    private readonly Dataset _dataset;
    private readonly IReadOnlyDictionary<string, string[]> _texts;
    private readonly string _labelModel;
    private readonly ClassBalance _balance;
    private readonly ApplyOptions _apply;
    private readonly IReadOnlyDictionary<string, IDataSource> _sources;

    // Kept for the studio's life: a save then compiles in a warm Roslyn and runs in warm workers, not in new processes.
    private readonly Lazy<IsolatedProgramCompiler> _compiler;
    private readonly Lazy<ApplyEngine> _engine;
    private Snapshot _now;

    private StudioProject(TaskSpec spec, Dataset dataset, string labelModel, ClassBalance balance, ApplyOptions apply, Snapshot now)
    {
        Spec = spec;
        _dataset = dataset;
        _texts = dataset.Splits.ToDictionary(s => s.Name, s => DisplayTexts(spec, s));
        _labelModel = labelModel;
        _balance = balance;
        _apply = apply;
        _now = now;
        var (train, valid, test) = SpecData.OpenSources(spec);
        _sources = new[] { (SplitName.Train, train), (SplitName.Valid, valid), (SplitName.Test, test) }
            .Where(s => s.Item2 is not null && now.Votes.ContainsKey(s.Item1))
            .ToDictionary(s => s.Item1, s => s.Item2!.WithRowsInMemory(dataset.Split(s.Item1).Rows));
        _compiler = new(() => new IsolatedProgramCompiler(ProjectApply.SignatureFor(spec), ProjectApply.LimitsFor(spec), apply.WorkerPath));
        _engine = new(() => new ApplyEngine(apply));
    }

    /// <summary>
    /// What the studio shows of each row (and quotes to the LLM as an example): its text inputs as programs read them, then
    /// each number input, an image's concept scores among them, as name = value; with number inputs alone a row showed
    /// nothing, and a person could not judge a threshold program's right and wrong rows.
    /// </summary>
    private static string[] DisplayTexts(TaskSpec spec, DataSplit split)
    {
        var texts = spec.ProgramInputs.Any(i => i.Type == InputType.Text) ? RowText.Of(spec, split) : null;
        var numbers = spec.ProgramInputs.Where(i => i.Type == InputType.Number).Select(i => (i.Name, Values: split.Rows.Number(i.Name))).ToArray();
        if (numbers.Length == 0)
        {
            return texts ?? new string[split.Count];
        }

        var shown = new string[split.Count];
        for (var r = 0; r < shown.Length; r++)
        {
            var values = string.Join(", ", numbers.Select(n => double.IsNaN(n.Values[r]) ? $"{n.Name} = missing" : string.Create(CultureInfo.InvariantCulture, $"{n.Name} = {n.Values[r]:0.###}")));
            shown[r] = texts is null ? values : texts[r] + "\n" + values;
        }

        return shown;
    }

    /// <summary>Stops the compiler process and the workers.</summary>
    public void Dispose()
    {
        if (_compiler.IsValueCreated)
        {
            _compiler.Value.Dispose();
        }

        if (_engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }

    /// <summary>
    /// Starts the compiler process and compiles one program in it, off the caller's thread, so that the first save does not
    /// also pay for starting Roslyn.
    /// </summary>
    public Task WarmUpAsync() => Task.Run(() =>
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _now).Files.Values.FirstOrDefault() is { } any)
            {
                _compiler.Value.Compile(any);
            }
        }
    });

    /// <summary>The project's spec.</summary>
    public TaskSpec Spec { get; }

    /// <summary>One row per program file: the programs in the vote matrices first, in their order, then those left out.</summary>
    public IReadOnlyList<ProgramRow> Programs => Volatile.Read(ref _now).Rows;

    /// <summary>
    /// Valid accuracy of always answering valid's most common class: what the label model's valid accuracy after a save
    /// must be read against. Null without valid gold.
    /// </summary>
    public double? ValidMajorityAccuracy => _dataset.Valid is { } valid && valid.Rows.HasAnyGold
        ? valid.Rows.Labels.Where(g => g >= 0).GroupBy(g => g).Max(g => g.Count()) / (double)valid.Rows.Labels.Count(g => g >= 0)
        : null;

    /// <summary>True once a program was saved here: the end model, final labels and report are then the last run's, not the programs'.</summary>
    public bool ChangedSinceRun => Volatile.Read(ref _now).ChangedSinceRun;

    /// <summary>
    /// Reads the project after <c>alchemist run</c>; a project never run, or changed since its last run, is a
    /// <see cref="UserError"/> that says to run it.
    /// </summary>
    /// <param name="projectDirectory">The project folder.</param>
    /// <param name="apply">How saved programs are applied again; null: as the spec says.</param>
    public static StudioProject Load(string projectDirectory, ApplyOptions? apply = null) => Load(projectDirectory, apply, afterClassChange: false);

    private static StudioProject Load(string projectDirectory, ApplyOptions? apply, bool afterClassChange)
    {
        var spec = SpecReader.Load(projectDirectory);
        var layout = new ProjectLayout(spec.ProjectDirectory);
        if (!afterClassChange && !RunState.InputsUnchanged(spec, layout.ProgramsFolder))
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

        var (rule, _, _) = FinalRule.Load(layout.OutputFolder);

        // The run's class balance speaks of the classes it knew; after a change, valid's gold under the new classes does.
        var balance = rule.Balance.Given is { } given && given.Count != spec.Classes.Count
            ? dataset.Valid is { } valid && valid.Rows.HasAnyGold ? ClassBalance.FromGold(valid.Rows.Labels, spec.Classes.Count) : ClassBalance.Uniform
            : rule.Balance;
        return new StudioProject(spec, dataset, rule.LabelModel, balance, apply ?? ProjectApply.OptionsFor(spec, null),
            Compute(spec, dataset, votes, rule.LabelModel, balance, changedSinceRun: afterClassChange));
    }

    /// <summary>
    /// Changes the classes (<see cref="ProjectClasses.Change"/>: the spec, the programs rewritten, the vote files mapped the
    /// way the rewritten programs vote) and answers with the project as it is now; this one is stopped. The figures come
    /// from the mapped votes, refitted, so they are on the page at once; the next `alchemist run` applies the rewritten
    /// programs again.
    /// </summary>
    public (StudioProject Project, ClassChangeResult Change) ChangeClasses(ClassEdit edit)
    {
        lock (_gate)
        {
            var change = ProjectClasses.Change(Spec.ProjectDirectory, edit, requireReadableData: true);
            var next = Load(Spec.ProjectDirectory, _apply, afterClassChange: true);
            Dispose();
            return (next, change);
        }
    }

    /// <summary>
    /// The rows that show what a program does: the valid rows it labeled right and wrong, train rows it fired on, and train
    /// rows where the label model gave another class. Null for a name that is not a program in the vote matrices.
    /// </summary>
    public ProgramEvidence? Evidence(string name)
    {
        var now = Volatile.Read(ref _now);
        var j = IndexOf(now.Votes[SplitName.Train].ProgramNames, name);
        if (j < 0)
        {
            return null;
        }

        var right = new List<EvidenceRow>();
        var wrong = new List<EvidenceRow>();
        if (_dataset.Valid is { } valid && now.Votes.TryGetValue(SplitName.Valid, out var validVotes))
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
        var train = now.Votes[SplitName.Train].Column(j);
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

            if (train[r] != now.LabelModelClass[SplitName.Train][r] && disagrees.Count < EvidenceRows)
            {
                disagrees.Add(Row(SplitName.Train, r, train[r], null) with { LabelModel = Spec.ClassNames[now.LabelModelClass[SplitName.Train][r]] });
            }
        }

        var file = now.Files.GetValueOrDefault(name);
        if (file is not null)
        {
            // What the program looks for, read from its source's literals (never run), marked in each row's text.
            var highlights = ProgramHighlights.Of(file.Source);
            List<EvidenceRow> Marked(List<EvidenceRow> rows) =>
                [.. rows.Select(row => row with { Marks = [.. highlights.Find(row.Text).Select(span => new[] { span.Start, span.Length })] })];
            (right, wrong, fired, disagrees) = (Marked(right), Marked(wrong), Marked(fired), Marked(disagrees));
        }

        return new ProgramEvidence(name, file?.Source, file?.SourceHash, right, wrong, fired, disagrees);
    }

    /// <summary>
    /// The project-wide views: train rows no program votes on, rows where programs vote different classes, and each class's
    /// coverage and its programs' precision on valid, weakest first.
    /// </summary>
    public ProjectViews Views()
    {
        var now = Volatile.Read(ref _now);
        var train = now.Votes[SplitName.Train];
        var uncovered = new List<EvidenceRow>();
        var conflicts = new List<ConflictRow>();
        long uncoveredCount = 0, conflictCount = 0;
        var votesOfRow = new List<string>();
        for (var r = 0; r < train.Rows; r++)
        {
            votesOfRow.Clear();
            var first = -1;
            var conflicted = false;
            for (var j = 0; j < train.Programs; j++)
            {
                var vote = train[r, j];
                if (vote == LabelMatrix.Abstain)
                {
                    continue;
                }

                votesOfRow.Add($"{train.ProgramNames[j]}={Spec.ClassNames[vote]}");
                conflicted |= first >= 0 && vote != first;
                first = first < 0 ? vote : first;
            }

            if (first < 0)
            {
                uncoveredCount++;
                if (uncovered.Count < EvidenceRows)
                {
                    uncovered.Add(new EvidenceRow(SplitName.Train, _dataset.Train.Rows.RowIds[r], _texts[SplitName.Train][r], "-", null,
                        Spec.ClassNames[now.LabelModelClass[SplitName.Train][r]]));
                }
            }
            else if (conflicted)
            {
                conflictCount++;
                if (conflicts.Count < EvidenceRows)
                {
                    conflicts.Add(new ConflictRow(_dataset.Train.Rows.RowIds[r], _texts[SplitName.Train][r], [.. votesOfRow], Spec.ClassNames[now.LabelModelClass[SplitName.Train][r]]));
                }
            }
        }

        var classes = new List<ClassView>();
        var validVotes = now.Votes.GetValueOrDefault(SplitName.Valid);
        var gold = _dataset.Valid is { } valid && valid.Rows.HasAnyGold ? valid.Rows.Labels : null;
        for (var c = 0; c < Spec.Classes.Count; c++)
        {
            long covered = 0, right = 0, wrong = 0;
            var programs = 0;
            for (var j = 0; j < train.Programs; j++)
            {
                var column = train.Column(j);
                if (column.IndexOf((sbyte)c) >= 0)
                {
                    programs++;
                }
            }

            for (var r = 0; r < train.Rows; r++)
            {
                for (var j = 0; j < train.Programs; j++)
                {
                    if (train[r, j] == c)
                    {
                        covered++;
                        break;
                    }
                }
            }

            if (gold is not null && validVotes is not null)
            {
                for (var r = 0; r < validVotes.Rows; r++)
                {
                    for (var j = 0; j < validVotes.Programs; j++)
                    {
                        if (validVotes[r, j] == c && gold[r] >= 0)
                        {
                            if (gold[r] == c)
                            {
                                right++;
                            }
                            else
                            {
                                wrong++;
                            }
                        }
                    }
                }
            }

            classes.Add(new ClassView(Spec.ClassNames[c], programs, covered / (double)Math.Max(1, train.Rows), right + wrong == 0 ? null : right / (double)(right + wrong)));
        }

        return new ProjectViews(train.Rows, uncoveredCount, uncovered, conflictCount, conflicts,
            [.. classes.OrderBy(c => c.Programs == 0 ? -1 : c.Coverage)]);
    }

    /// <summary>
    /// Saves a person's version of a program: it must compile and pass the sandbox verifier (else nothing changes on disk but
    /// a draft of the text, and the errors come back on their lines of <paramref name="source"/>), and the file must still be
    /// the version the person started from (<paramref name="baseHash"/>; else the save is refused as a conflict). The old
    /// version is kept in .alchemist/history, the program is applied again (the other programs' columns come from the
    /// cache), the label model is fitted again, and the result gives the figures before and after and the valid rows whose
    /// label changed.
    /// </summary>
    public SaveResult Save(string name, string source, string baseHash, string? author)
    {
        lock (_gate)
        {
            var layout = new ProjectLayout(Spec.ProjectDirectory);
            var path = Path.Combine(layout.ProgramsFolder, name + ProgramFile.Extension);
            var before = _now;
            if (!ProgramFile.IsValidName(name) || !before.Files.TryGetValue(name, out var current))
            {
                return SaveResult.Refused($"no program named '{ProgramFile.Printable(name)}'");
            }

            if (current.SourceHash != baseHash)
            {
                return SaveResult.Refused($"{path} changed since you opened it (by {current.Provenance.DescribeAuthor()}): reload it, and bring your change over", conflict: true);
            }

            var edited = new ProgramFile(name, ProgramProvenance.ByPerson(author, DateTimeOffset.UtcNow), source);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var seconds = new Dictionary<string, double>();
            var compiled = _compiler.Value.Compile(edited);
            seconds["compile"] = watch.Elapsed.TotalSeconds;
            if (!compiled.Succeeded)
            {
                // The text is kept where the next session finds it, whatever happens to the page.
                AtomicFile.WriteAllText(Path.Combine(layout.DraftsFolder, name + ProgramFile.Extension), edited.Render());
                return SaveResult.Failed([.. compiled.Diagnostics.Select(d => new EditorError(Math.Max(0, d.Line - edited.HeaderLines), d.Column, Describe(d.Stage), d.Message))]);
            }

            ProjectClasses.KeepVersion(layout, name, path, DateTimeOffset.UtcNow);
            edited.Save(layout.ProgramsFolder);

            // Only the edited program runs; every other column is the one the matrices already hold. The engine caches the
            // new column, so the next `alchemist run` finds it there.
            watch.Restart();
            var votes = Apply(before, name, compiled.Program!, out var disabled);
            if (disabled is not null)
            {
                // As `alchemist apply` does, a program disabled on any split is left out of every split's matrix.
                votes = WithoutColumn(votes, name);
            }

            seconds["apply"] = watch.Elapsed.TotalSeconds;
            var result = Commit(before, name, votes, edited.SourceHash, seconds);
            return result with { Seconds = seconds };
        }
    }

    /// <summary>Every split's matrix without <paramref name="name"/>'s column.</summary>
    private static Dictionary<string, LabelMatrix> WithoutColumn(IReadOnlyDictionary<string, LabelMatrix> votes, string name) =>
        votes.ToDictionary(kv => kv.Key, kv => kv.Value.SelectPrograms([.. Enumerable.Range(0, kv.Value.Programs).Where(j => kv.Value.ProgramNames[j] != name)]));

    /// <summary>The matrix with <paramref name="name"/>'s column replaced, or added when it had none.</summary>
    private static LabelMatrix WithColumn(LabelMatrix matrix, string name, sbyte[] column)
    {
        var names = matrix.ProgramNames.ToList();
        var columns = Enumerable.Range(0, matrix.Programs).Select(matrix.ColumnArray).ToList();
        var j = names.IndexOf(name);
        if (j < 0)
        {
            names.Add(name);
            columns.Add(column);
        }
        else
        {
            columns[j] = column;
        }

        return LabelMatrix.FromColumns(matrix.Rows, matrix.Classes, names, [.. columns]);
    }

    /// <summary>
    /// Takes a program out of the vote (its file moves to programs/disabled/, where nothing reads it) or puts it back (it is
    /// compiled and applied again), then refits the label model. Null when there is no such program to move.
    /// </summary>
    public SaveResult? SetEnabled(string name, bool enabled)
    {
        lock (_gate)
        {
            var layout = new ProjectLayout(Spec.ProjectDirectory);
            var active = Path.Combine(layout.ProgramsFolder, name + ProgramFile.Extension);
            var parked = Path.Combine(layout.DisabledProgramsFolder, name + ProgramFile.Extension);
            var (from, to) = enabled ? (parked, active) : (active, parked);
            if (!ProgramFile.IsValidName(name) || !File.Exists(from) || File.Exists(to))
            {
                return null;
            }

            var before = _now;
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Move(from, to);
            Dictionary<string, LabelMatrix> votes;
            if (enabled)
            {
                var file = ProgramFile.Load(to, ProjectApply.LimitsFor(Spec).MaxBytes);
                var compiled = _compiler.Value.Compile(file);
                if (!compiled.Succeeded)
                {
                    File.Move(to, from);
                    return SaveResult.Failed([.. compiled.Diagnostics.Select(d => new EditorError(Math.Max(0, d.Line - file.HeaderLines), d.Column, Describe(d.Stage), d.Message))]);
                }

                votes = Apply(before, name, compiled.Program!, out var disabled);
                if (disabled is not null)
                {
                    File.Move(to, from);
                    return SaveResult.Refused($"{name} was not put back: {disabled}");
                }
            }
            else
            {
                votes = WithoutColumn(before.Votes, name);
            }

            return Commit(before, name, votes, sourceHash: null);
        }
    }

    /// <summary>Where disabled programs wait, inside the programs folder but out of the apply's reach (it reads the top level only).</summary>
    public const string DisabledFolder = "disabled";

    /// <summary>Runs one compiled program on every split; the matrices with its column replaced or added, and why it was disabled, if it was.</summary>
    private Dictionary<string, LabelMatrix> Apply(Snapshot before, string name, CompiledProgram compiled, out string? disabled)
    {
        var votes = new Dictionary<string, LabelMatrix>();
        disabled = null;
        using var program = new SandboxedProgram(compiled, ProjectApply.BudgetsFor(Spec), unloadable: false);
        foreach (var (split, data) in _sources)
        {
            var applied = _engine.Value.Apply(split, data, [program], Spec.Classes.Count);
            var outcome = applied.Programs[0];
            disabled ??= outcome.Status == ProgramStatus.Ok ? null : $"disabled on {split}: {outcome.Reason}";
            votes[split] = WithColumn(before.Votes[split], name, applied.Matrix.ColumnArray(0));
        }

        return votes;
    }

    /// <summary>Writes the vote matrices, refits the label model, publishes the new state and says what changed.</summary>
    private SaveResult Commit(Snapshot before, string name, Dictionary<string, LabelMatrix> votes, string? sourceHash, Dictionary<string, double>? seconds = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (split, matrix) in votes)
        {
            LabelMatrixFile.Write(ProjectApply.MatrixPath(Spec.ProjectDirectory, split), matrix);
        }

        seconds?.Add("write votes", watch.Elapsed.TotalSeconds);
        watch.Restart();
        var after = Compute(Spec, _dataset, votes, _labelModel, _balance, changedSinceRun: true);
        seconds?.Add("refit and figures", watch.Elapsed.TotalSeconds);
        Volatile.Write(ref _now, after);
        var changed = new List<ChangedRow>();
        if (_dataset.Valid is { } valid)
        {
            var old = before.LabelModelClass[SplitName.Valid];
            var fresh = after.LabelModelClass[SplitName.Valid];
            for (var r = 0; r < old.Length; r++)
            {
                if (old[r] != fresh[r])
                {
                    changed.Add(new ChangedRow(valid.Rows.RowIds[r], _texts[SplitName.Valid][r], Spec.ClassNames[old[r]], Spec.ClassNames[fresh[r]],
                        valid.Rows.Labels[r] >= 0 ? Spec.ClassNames[valid.Rows.Labels[r]] : null));
                }
            }
        }

        return new SaveResult(true, false, null, [], sourceHash,
            before.Rows.FirstOrDefault(r => r.Name == name), after.Rows.FirstOrDefault(r => r.Name == name), before.ValidAccuracy, after.ValidAccuracy, changed);
    }

    private static string Describe(DiagnosticStage stage) => stage switch
    {
        DiagnosticStage.Verify => "the sandbox does not allow this",
        DiagnosticStage.Shape => "a program needs a Label method",
        DiagnosticStage.Limits => "too large or too deeply nested for the sandbox",
        DiagnosticStage.Internal => "Alchemist could not instrument this (a bug in Alchemist)",
        _ => "C# error",
    };

    /// <summary>Everything the table and the evidence read, for one state of the programs; replaced whole, so readers never see half a save.</summary>
    private sealed record Snapshot(
        IReadOnlyDictionary<string, LabelMatrix> Votes,
        IReadOnlyList<ProgramRow> Rows,
        IReadOnlyDictionary<string, int[]> LabelModelClass,
        IReadOnlyDictionary<string, ProgramFile> Files,
        double? ValidAccuracy,
        bool ChangedSinceRun);

    private static Snapshot Compute(TaskSpec spec, Dataset dataset, IReadOnlyDictionary<string, LabelMatrix> votes, string labelModelName, ClassBalance balance, bool changedSinceRun)
    {
        var labelModel = LabelModelCatalog.Create(labelModelName);
        labelModel.Fit(votes[SplitName.Train], balance);
        var classOf = votes.ToDictionary(kv => kv.Key, kv =>
        {
            var p = new float[kv.Value.Rows * kv.Value.Classes];
            labelModel.PredictProbabilities(kv.Value, p);
            return ClassificationMetrics.ArgMax(p, kv.Value.Classes);
        });

        var layout = new ProjectLayout(spec.ProjectDirectory);
        var unreadable = new List<(string Name, string Error)>();
        var files = ProgramFile.LoadFolder(layout.ProgramsFolder, unreadable, ProjectApply.LimitsFor(spec).MaxBytes).ToDictionary(f => f.Name);
        var train = LabelAnalysis.Analyze(votes[SplitName.Train], null, labelModel.EstimatedAccuracies);
        var validGold = dataset.Valid is { } v && v.Rows.HasAnyGold ? v.Rows.Labels : null;
        var valid = validGold is null ? null : LabelAnalysis.Analyze(votes[SplitName.Valid], validGold);
        var rows = new List<ProgramRow>();
        for (var j = 0; j < train.Programs.Count; j++)
        {
            var p = train.Programs[j];
            var scored = valid?.Programs[j];
            rows.Add(new ProgramRow(p.Name, Author(files.GetValueOrDefault(p.Name)), [.. p.Polarity.Select(c => spec.ClassNames[c])], p.Coverage, p.Overlaps, p.Conflicts,
                scored?.Correct, scored?.Incorrect, scored?.EmpiricalAccuracy is { } a && double.IsFinite(a) ? a : null, p.EstimatedAccuracy, "active", null));
        }

        foreach (var (name, _) in files.Where(f => !rows.Any(r => r.Name == f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            rows.Add(new ProgramRow(name, Author(files[name]), [], 0, 0, 0, null, null, null, null, "left out",
                "the last apply rejected or disabled it: `alchemist apply` says why"));
        }

        foreach (var (name, error) in unreadable)
        {
            rows.Add(new ProgramRow(name, "?", [], 0, 0, 0, null, null, null, null, "unreadable", error));
        }

        foreach (var path in ProgramFile.PathsIn(layout.DisabledProgramsFolder))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            rows.Add(new ProgramRow(name, "", [], 0, 0, 0, null, null, null, null, "disabled", $"kept in programs/{DisabledFolder}/ where nothing reads it; enable it to put it back"));
        }

        double? validAccuracy = validGold is null ? null : ClassificationMetrics.Compute(validGold, classOf[SplitName.Valid], spec.Classes.Count).Accuracy;
        return new Snapshot(votes, rows, classOf, files, validAccuracy, changedSinceRun);
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

    private static string Author(ProgramFile? file) => file?.Provenance.DescribeAuthor() ?? "?";
}

/// <summary>One program in the studio's table.</summary>
/// <param name="Name">The program's name (its file name without .cs).</param>
/// <param name="Author">Who wrote it, as its header says: "llm provider/model", "offline-synthesizer" or "person name".</param>
/// <param name="Classes">The classes it votes for on train.</param>
/// <param name="Coverage">Share of train rows it votes on.</param>
/// <param name="Overlaps">Share of train rows where it and another program vote.</param>
/// <param name="Conflicts">Share of train rows where another program votes another class.</param>
/// <param name="ValidRight">Valid rows with gold it labeled right; null without valid gold.</param>
/// <param name="ValidWrong">Valid rows with gold it labeled wrong; null without valid gold.</param>
/// <param name="ValidAccuracy">Right / (right + wrong) on valid; null when it never votes on a valid row with gold.</param>
/// <param name="EstimatedAccuracy">The accuracy the label model estimates from train votes without labels.</param>
/// <param name="State">active (it votes), left out (rejected or disabled by the last apply), disabled (by a person) or unreadable.</param>
/// <param name="Reason">Why it is not active; null when it is.</param>
public sealed record ProgramRow(string Name, string Author, IReadOnlyList<string> Classes, double Coverage, double Overlaps, double Conflicts,
    long? ValidRight, long? ValidWrong, double? ValidAccuracy, double? EstimatedAccuracy, string State, string? Reason);

/// <summary>What a program did, row by row.</summary>
/// <param name="Name">The program.</param>
/// <param name="Source">Its C# source without the header; null when the file is gone.</param>
/// <param name="SourceHash">The source's SHA-256: a save names it to say which version it changes.</param>
/// <param name="Right">Valid rows it labeled as their gold says.</param>
/// <param name="Wrong">Valid rows it labeled otherwise than their gold.</param>
/// <param name="Fired">Train rows it voted on.</param>
/// <param name="DisagreesWithLabelModel">Train rows where the label model gave another class than its vote.</param>
public sealed record ProgramEvidence(string Name, string? Source, string? SourceHash, IReadOnlyList<EvidenceRow> Right, IReadOnlyList<EvidenceRow> Wrong,
    IReadOnlyList<EvidenceRow> Fired, IReadOnlyList<EvidenceRow> DisagreesWithLabelModel);

/// <summary>One row of evidence.</summary>
/// <param name="Split">train or valid.</param>
/// <param name="Id">The row's id.</param>
/// <param name="Text">The text the program read.</param>
/// <param name="Vote">The class the program voted.</param>
/// <param name="Gold">The row's gold class; null on train.</param>
/// <param name="LabelModel">The label model's class, where it differs from the vote.</param>
public sealed record EvidenceRow(string Split, string Id, string Text, string Vote, string? Gold, string? LabelModel)
{
    /// <summary>Where the text holds what the program looks for: [start, length] pairs, in order; null where not computed.</summary>
    public IReadOnlyList<int[]>? Marks { get; init; }
}

/// <summary>One reason a save was refused, on its line of the text the person wrote.</summary>
/// <param name="Line">1-based line in the saved source (0: no place).</param>
/// <param name="Column">1-based column (0: no place).</param>
/// <param name="Kind">What kind of problem, in a person's words.</param>
/// <param name="Message">The compiler's or verifier's message.</param>
public sealed record EditorError(int Line, int Column, string Kind, string Message);

/// <summary>A valid row whose label-model class changed with a save.</summary>
/// <param name="Id">The row's id.</param>
/// <param name="Text">Its text.</param>
/// <param name="Before">The class before the save.</param>
/// <param name="After">The class after it.</param>
/// <param name="Gold">Its gold class, if it has one.</param>
public sealed record ChangedRow(string Id, string Text, string Before, string After, string? Gold);

/// <summary>What a save did.</summary>
/// <param name="Saved">Whether the program file was replaced.</param>
/// <param name="Conflict">True when the file changed since the person opened it.</param>
/// <param name="Refusal">Why nothing was tried (an unknown program, a conflict); null otherwise.</param>
/// <param name="Errors">The compiler's and verifier's objections, on their lines; empty when it saved.</param>
/// <param name="SourceHash">The saved source's hash, for the next save.</param>
/// <param name="Before">The program's figures before.</param>
/// <param name="After">Its figures after.</param>
/// <param name="ValidAccuracyBefore">The label model's valid accuracy before.</param>
/// <param name="ValidAccuracyAfter">The label model's valid accuracy after.</param>
/// <param name="Changed">The valid rows whose label-model class changed.</param>
public sealed record SaveResult(bool Saved, bool Conflict, string? Refusal, IReadOnlyList<EditorError> Errors, string? SourceHash,
    ProgramRow? Before, ProgramRow? After, double? ValidAccuracyBefore, double? ValidAccuracyAfter, IReadOnlyList<ChangedRow> Changed)
{
    /// <summary>Nothing was tried.</summary>
    public static SaveResult Refused(string why, bool conflict = false) => new(false, conflict, why, [], null, null, null, null, null, []);

    /// <summary>The source does not compile or pass the verifier.</summary>
    public static SaveResult Failed(IReadOnlyList<EditorError> errors) => new(false, false, null, errors, null, null, null, null, null, []);

    /// <summary>Seconds each step of the save took (compile, apply, write, refit), for a person wondering and for the benchmark.</summary>
    public IReadOnlyDictionary<string, double> Seconds { get; init; } = new Dictionary<string, double>();
}

/// <summary>The studio's views of the whole project.</summary>
/// <param name="TrainRows">Train rows in all.</param>
/// <param name="Uncovered">Train rows no program votes on.</param>
/// <param name="UncoveredRows">The first of them, with the class the label model gives them (the class prior's).</param>
/// <param name="Conflicting">Train rows where programs vote different classes.</param>
/// <param name="ConflictingRows">The first of them, with every vote.</param>
/// <param name="Classes">Each class's programs, coverage and precision on valid, the weakest first.</param>
public sealed record ProjectViews(int TrainRows, long Uncovered, IReadOnlyList<EvidenceRow> UncoveredRows, long Conflicting,
    IReadOnlyList<ConflictRow> ConflictingRows, IReadOnlyList<ClassView> Classes);

/// <summary>A train row where programs disagree.</summary>
/// <param name="Id">The row's id.</param>
/// <param name="Text">Its text.</param>
/// <param name="Votes">Every vote, as "program=class".</param>
/// <param name="LabelModel">The class the label model gives it.</param>
public sealed record ConflictRow(string Id, string Text, IReadOnlyList<string> Votes, string LabelModel);

/// <summary>How well one class is served by the programs.</summary>
/// <param name="Name">The class.</param>
/// <param name="Programs">Programs that vote for it on train.</param>
/// <param name="Coverage">Share of train rows some program votes it on.</param>
/// <param name="ValidPrecision">Of the votes for it on valid rows with gold, the share that are right; null when none.</param>
public sealed record ClassView(string Name, int Programs, double Coverage, double? ValidPrecision);
