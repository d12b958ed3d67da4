using System.Diagnostics;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Alchemist.Synthesis.Engine;

namespace Alchemist.Pipeline;

/// <summary>
/// <c>alchemist run</c>: synthesize programs (offline by default), apply them in the sandbox, fit the label model chosen on
/// valid, distill the end model, choose the final labels on valid, and write labels, the end model, a report and a summary.
/// Test labels are only ever used to report accuracy.
/// </summary>
public sealed class RunPipeline
{
    /// <summary>The project's output folder (out/), relative to the project.</summary>
    public const string OutputFolder = ProjectLayout.OutputFolderName;

    /// <summary>Lines of a rejected program's reason shown in the run log (the apply command shows them all).</summary>
    private const int MaxReasonLines = 8;

    private readonly TextWriter _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _warnings = [];
    private bool _followUpPending;
    private CancellationToken _cancellation;
    private string _staging = "";

    /// <summary>Train as a whole where only a sample of it is held: its source, row count and every row's votes; null where train is held whole.</summary>
    private StreamedTrain? _streamedTrain;

    /// <summary>A pipeline that writes its progress lines and warnings to <paramref name="log"/>.</summary>
    public RunPipeline(TextWriter log) => _log = log;

    /// <summary>Run every stage again even when nothing changed since the last run.</summary>
    public bool Force { get; init; }

    /// <summary>Hears how far the long stages have got (apply per split, cross-fits, end-model training), for a progress display; the log gets the same news as lines.</summary>
    public IProgress<StageProgress>? Progress { get; init; }

    /// <summary>The user vouches for every program (<c>--trust-programs</c>): LLM-written ones may then run in this process.</summary>
    public bool TrustPrograms { get; init; }

    /// <summary>Ranks choices on valid by this instead of the spec's evaluation.metric (the quality bench compares the two).</summary>
    public EvaluationMetric? Metric { get; init; }

    /// <summary>Computes the programs' train columns elsewhere (a cluster) into the column cache before each apply; null: this machine does all.</summary>
    public IRemoteApply? RemoteApply { get; init; }

    /// <summary>What the last <see cref="RunAsync"/> computed; null when it reused an earlier run's outputs.</summary>
    public RunArtifacts? Artifacts { get; private set; }

    /// <summary>
    /// Runs every stage. Cancellation is honoured between stages and inside the apply and synthesis; the outputs are written
    /// into a staging folder and replace <c>out/</c> as one set at the end, so a cancelled or killed run leaves the previous
    /// run's outputs whole, and what finished (LLM calls, program columns) is cached for the rerun.
    /// </summary>
    public async Task<RunSummary> RunAsync(string projectDirectory, CancellationToken cancellationToken = default)
    {
        _cancellation = cancellationToken;
        var spec = SpecReader.Load(projectDirectory);
        if (Metric is { } metric)
        {
            spec = spec with { Evaluation = spec.Evaluation with { Metric = metric } };
        }

        var root = spec.ProjectDirectory;
        using var projectLock = ProjectLock.Acquire(root);
        RecoverOutputs(root);
        spec = await ExtractImagesAsync(spec).ConfigureAwait(false);
        var programsFolder = Path.Combine(root, ProjectApply.ProgramsFolder);
        LoadedData? data = null;
        string? synthesizer = null;
        if (ProgramFile.PathsIn(programsFolder).Count == 0)
        {
            data = LoadData(spec);
            synthesizer = await SynthesizeAsync(spec, data.Dataset, programsFolder).ConfigureAwait(false);
        }

        var fingerprint = RunState.Fingerprint(spec, programsFolder);
        if (!Force && RunState.TryReuse(root, fingerprint) is { } previous)
        {
            Step("nothing changed since the last run: reusing its labels, end model and report");
            return previous with { Reused = true, Seconds = Seconds };
        }

        data ??= LoadData(spec);
        spec = RankableByGroup(spec, data.Dataset);
        synthesizer ??= DescribeAuthors(LoadReadablePrograms(programsFolder));
        _staging = new ProjectLayout(root).StagingFolder;
        if (Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }

        var artifacts = Artifacts = await AnalyzeAsync(spec, data, synthesizer).ConfigureAwait(false);
        _cancellation.ThrowIfCancellationRequested();
        var summary = WriteOutputs(spec, artifacts);
        // Follow-up programs change the folder the fingerprint was taken of; the saved state is of what the outputs saw. A
        // follow-up still waiting for its reply saves none, so the run after the reply is pasted does not reuse this one.
        if (!_followUpPending)
        {
            RunState.Save(spec, programsFolder, summary);
        }
        return summary;
    }

    /// <summary>
    /// The spec as the choices on valid can rank by it: under <c>evaluation.metric: worst_group</c> with no labeled valid row
    /// in any group, there is no worst group to rank by, and every choice would fall back to accuracy while its log line
    /// named worst-group accuracy; the run says so once and ranks by accuracy throughout (the test figures per group stay).
    /// </summary>
    private TaskSpec RankableByGroup(TaskSpec spec, Dataset dataset)
    {
        if (spec.Evaluation.Metric != EvaluationMetric.WorstGroup || dataset.Valid is not { } valid || !valid.Rows.HasAnyGold)
        {
            return spec;
        }

        if (GroupFigures.AnyGroupedGold(valid.Rows.Labels, SpecData.Groups(spec, valid.Rows)))
        {
            return spec;
        }

        Warn($"evaluation.metric is worst_group, but no labeled valid row has a group ({spec.Data.GroupField} is empty on every one): the choices on valid and the verdict against the dev-only baseline rank by accuracy instead");
        return spec with { Evaluation = spec.Evaluation with { Metric = EvaluationMetric.Accuracy } };
    }

    /// <summary>The program files whose headers read; the apply reports the others as rejected, with their line.</summary>
    private static IReadOnlyList<ProgramFile> LoadReadablePrograms(string folder) => ProgramFile.LoadFolder(folder, new List<(string, string)>());

    private static string DescribeAuthors(IReadOnlyList<ProgramFile> programs)
    {
        var authors = programs.Select(p => p.Provenance.Kind == ProgramAuthorKind.Synthesizer ? OfflineSynthesizer.Provenance : p.Provenance.DescribeAuthor()).Distinct().ToList();
        return authors.Count == 1 ? authors[0] : "mixed: " + string.Join(", ", authors);
    }

    private double Seconds => Math.Round(_clock.Elapsed.TotalSeconds, 2);

    /// <summary>Logs a step, and is where a cancelled run stops: every stage begins with one.</summary>
    private void Step(string message)
    {
        _cancellation.ThrowIfCancellationRequested();
        Log(message);
    }

    /// <summary>Logs without stopping: for lines reported from other threads (apply progress, the synthesizer), which stop through their own tokens.</summary>
    private void Log(string message) => _log.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    /// <summary>A finding the user must not miss: logged now, and kept for the summary and the report's banner.</summary>
    private void Warn(string message)
    {
        _warnings.Add(message);
        Step("warning: " + message);
    }

    /// <summary>
    /// Scores the images of a spec with an image input where their scores are missing or stale (the extractor, the concepts
    /// or an image changed), and warns of every image that could not be read: its scores are NaN, and with no other input
    /// every program abstains on its row.
    /// </summary>
    private async Task<TaskSpec> ExtractImagesAsync(TaskSpec spec)
    {
        if (spec.ImageInput is null)
        {
            return spec;
        }

        if (spec.Extractor!.Concepts.Count == 0)
        {
            if (spec.Llm.Provider == LlmProvider.Offline)
            {
                throw spec.Error("extractor.concepts", "no concepts to score the images against: list the visual concepts that tell the classes apart, or set llm.provider so that the LLM names them");
            }

            Step("concepts: asking the LLM for the visual concepts that tell the classes apart");
            spec = await ConceptSynthesis.AskAsync(spec, Log, _cancellation).ConfigureAwait(false);
        }

        Step("image scores: checking");
        var result = Features.ImageExtraction.Run(spec, Log, cancel: _cancellation);
        var encoded = result.Files.Where(f => !f.Current).ToList();
        Step(encoded.Count == 0
            ? $"image scores: current for {result.Files.Sum(f => f.Rows):N0} images and {spec.Extractor!.Concepts.Count} concepts"
            : $"image scores: {result.Files.Sum(f => f.Rows):N0} images x {spec.Extractor!.Concepts.Count} concepts ({result.Encoded:N0} encoded, {encoded.Sum(f => f.Cached):N0} from the cache)");
        var problems = result.Problems.ToList();
        if (problems.Count > 0)
        {
            Warn(ImageProblem.Summary(problems, spec.Inputs.Count == 1 ? "every program abstains on their rows" : null));
        }

        return spec with { Extractor = spec.Extractor with { ScoreRanges = ScoreRanges(spec) } };
    }

    /// <summary>Each score field's range on valid (5th percentile, median, 95th percentile), which prompts show beside it.</summary>
    private static Dictionary<string, string> ScoreRanges(TaskSpec spec)
    {
        var ranges = new Dictionary<string, string>(StringComparer.Ordinal);
        if (SpecData.OpenSources(spec).Valid is not { } valid)
        {
            return ranges;
        }

        var rows = valid.ReadAll();
        foreach (var concept in spec.Extractor!.Concepts)
        {
            var field = ExtractorSpec.ScoreField(concept.Name);
            var values = rows.Number(field).Where(v => !double.IsNaN(v)).Order().ToArray();
            if (values.Length > 0)
            {
                double At(double q) => values[(int)Math.Round(q * (values.Length - 1))];
                ranges[field] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"on valid: 5th percentile {At(0.05):0.0}, median {At(0.5):0.0}, 95th percentile {At(0.95):0.0}");
            }
        }

        return ranges;
    }

    private LoadedData LoadData(TaskSpec spec)
    {
        Step("reading data");
        var data = SpecData.LoadDataset(spec, spec.EndModel.TrainSampleRows);
        var dataset = data.Dataset;
        Step($"data: {string.Join(", ", dataset.Splits.Select(s => $"{s.Name} {(s.Name == SplitName.Train ? data.TrainRows : s.Count)} rows"))}" +
            (data.TrainHeld ? "" : $" (train streamed: more than end_model.train_sample_rows, {spec.EndModel.TrainSampleRows:N0}, rows; the end model and the cross-fits learn from a sample)"));
        if (spec.Data.InvalidUtf8 == InvalidUtf8.Replace)
        {
            foreach (var file in new[] { spec.Data.File, spec.Data.Train, spec.Data.Valid, spec.Data.Test }.OfType<string>().Select(spec.ResolvePath))
            {
                if (Utf8Check.InvalidLines(file) is ( > 0 and var lines, { } first))
                {
                    Warn($"{file}: {lines:N0} line{(lines == 1 ? "" : "s")} held invalid UTF-8, read with U+FFFD in its place (data.invalid_utf8: replace), the first at line {first:N0}");
                }
            }
        }

        return data;
    }

    private async Task<string> SynthesizeAsync(TaskSpec spec, Dataset dataset, string programsFolder)
    {
        if (spec.Llm.Provider != LlmProvider.Offline)
        {
            return await SynthesizeWithLlmAsync(spec).ConfigureAwait(false);
        }

        var valid = dataset.Valid ?? throw spec.Error("data.valid", "the offline synthesizer learns from the valid split's gold labels, and the project has no valid split");
        var labeled = Enumerable.Range(0, valid.Count).Where(r => valid.Rows.Labels[r] >= 0).ToArray();
        if (labeled.Length == 0)
        {
            throw spec.Error("data.valid", "the offline synthesizer needs gold labels on the valid split, and it has none");
        }

        var shape = OfflineShape.Of(spec);
        // synthesis.programs is how many programs an LLM writes; offline the sample decides, and the log says so.
        // The inputs named up to ten: with image concepts they are every pair's margin, 4,950 of them for 100 concepts.
        var numberInputs = shape.NumberInputs.Count <= 10 ? string.Join(", ", shape.NumberInputs) : $"{string.Join(", ", shape.NumberInputs.Take(10))} and {shape.NumberInputs.Count - 10:N0} more";
        Step($"synthesizing programs offline from {labeled.Length} labeled valid rows{(shape.NumberInputs.Count > 0 ? $" (threshold programs over {numberInputs})" : "")}: " +
            $"as many as the rules support, by class and rule family (synthesis.programs, {spec.Synthesis.Programs}, counts an LLM's programs)");
        var rules = OfflineRules.Learn(shape, OfflineInputs.Of(spec, valid).Select(labeled), [.. labeled.Select(r => valid.Rows.Labels[r])]);
        var programs = rules.Programs;
        foreach (var uncovered in rules.UncoveredClasses)
        {
            Warn($"the offline synthesizer wrote no program for {uncovered.Name} ({uncovered.SampleRows} labeled valid rows): {uncovered.Reason}");
        }
        var created = DateTimeOffset.UtcNow;
        foreach (var (name, source) in programs)
        {
            var provenance = new ProgramProvenance { Kind = ProgramAuthorKind.Synthesizer, Created = created };
            new ProgramFile(name, provenance, source).Save(programsFolder);
        }

        if (programs.Count == 0)
        {
            throw spec.Error("data.valid",
                $"the offline synthesizer found no rule precise enough on the {labeled.Length} labeled valid rows: label more valid rows, " +
                $"configure an LLM under 'llm:' in {TaskSpec.FileName}, or write labeling programs into {programsFolder}");
        }

        Step($"wrote {programs.Count} programs to {programsFolder}");
        return OfflineSynthesizer.Provenance;
    }

    /// <summary>The LLM path: the synthesis engine over the project's response cache and ledger, so a rerun repeats no call.</summary>
    private async Task<string> SynthesizeWithLlmAsync(TaskSpec spec)
    {
        var settings = SynthesisSettings.FromSpec(spec);
        Step($"synthesizing {settings.Programs} programs with {settings.Endpoint.Provider}, model {settings.ProgramModel}");
        using var synthesizer = SynthesisSession.Open(spec, settings, line => Log("  " + line));
        var report = await synthesizer.RunAsync(_cancellation).ConfigureAwait(false);
        Step($"synthesis: {report.Accepted.Count()} accepted of {report.Outcomes.Count}; {report.CallsMade} calls made, {report.CacheHits} from the cache, ${report.SpentThisRunUsd:0.0000} spent now");
        if (report.Pending.Any())
        {
            throw new UserError(
                $"waiting for {report.Pending.Count()} reply file(s) in {settings.Layout.ExchangeFolder}: paste each model reply into its .reply.md file, then run again");
        }

        if (!report.Accepted.Any())
        {
            var reasons = report.Outcomes.GroupBy(o => o.Reason).Select(g => $"{string.Join(", ", g.Select(o => o.Name))}: {g.Key}");
            throw new UserError($"the LLM wrote no acceptable program: {string.Join("; ", reasons)}");
        }

        return $"llm {settings.Endpoint.Provider}/{settings.ProgramModel}";
    }

    /// <summary>Applies every program file in the sandbox (columns cached per program and data) and keeps those that ran on every split.</summary>
    private (ProjectApplyResult Apply, Dictionary<string, LabelMatrix> Votes) ApplyPrograms(TaskSpec spec, LoadedData data)
    {
        long RowsOf(string split) => split == SplitName.Train ? data.TrainRows : data.Dataset.Split(split).Count;

        Step("applying programs in the sandbox");
        var lastReport = Stopwatch.StartNew();
        var progress = new LogProgress(p =>
        {
            Progress?.Report(new StageProgress($"apply {p.Split}", p.Rows, RowsOf(p.Split), "rows"));
            if (lastReport.Elapsed.TotalSeconds >= 2)
            {
                lastReport.Restart();
                Log($"  {p.Split}: {p.Rows} rows, {p.ProgramsRunning} programs running, {p.ProgramsDisabled} disabled");
            }
        });
        var apply = ProjectApply.Run(spec, ProjectApply.OptionsFor(spec, null, TrustPrograms), progress, _cancellation,
            data.TrainHeld ? null : new Dictionary<string, long> { [SplitName.Train] = data.TrainRows });
        foreach (var split in apply.Splits)
        {
            // A split read from the column cache, or finished between two reports, is reported whole here.
            var rows = RowsOf(split.Split);
            Progress?.Report(new StageProgress($"apply {split.Split}", rows, rows, "rows"));
        }
        // The reason's first line only says that a program failed; the lines after it name the file, line and error.
        foreach (var rejected in apply.Rejected)
        {
            Step($"  program {rejected.Name} rejected: {string.Join("\n      ", rejected.Reason.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(MaxReasonLines))}");
        }

        var rejectedNames = apply.Rejected.Select(r => r.Name).ToHashSet();
        foreach (var split in apply.Splits)
        {
            foreach (var disabled in split.Programs.Where(p => p.Status != ProgramStatus.Ok && !rejectedNames.Contains(p.Name)))
            {
                Step($"  program {disabled.Name} disabled on {split.Split}, so it is left out of every split: {disabled.Reason}");
            }
        }

        // Values over data.max_field_chars, and rows that killed a program's worker (a second apply after follow-ups finds the same).
        foreach (var warning in apply.RowWarnings().Where(w => !_warnings.Contains(w)))
        {
            Warn(warning);
        }

        Step($"applied {apply.ProgramsInMatrix.Count} programs ({apply.Splits.Sum(s => s.CacheHits)} columns from cache) in {apply.Elapsed.TotalSeconds:0.0}s");
        Step($"  sandbox: {string.Join("; ", apply.DescribeWalls().Select(w => w.Split(" (")[0]))}");
        if (apply.ProgramsInMatrix.Count == 0)
        {
            throw new UserError("no program could be applied on every split; see the messages above");
        }

        var votes = new Dictionary<string, LabelMatrix>();
        foreach (var split in apply.Splits)
        {
            var kept = apply.ProgramsInMatrix.Select(name => IndexOf(split.Matrix.ProgramNames, name)).ToArray();
            votes[split.Split] = split.Matrix.SelectPrograms(kept);
        }

        return (apply, votes);
    }

    /// <summary>
    /// With an LLM configured, the classes the programs leave weak on valid (none votes for them, or none beats the class's
    /// share of valid), each a follow-up request; empty without valid gold, with the offline synthesizer, or with
    /// synthesis.follow_up_calls at 0.
    /// </summary>
    private static IReadOnlyList<ClassFollowUp> FollowUpRequests(TaskSpec spec, Dataset dataset, IReadOnlyDictionary<string, LabelMatrix> votes)
    {
        if (spec.Llm.Provider == LlmProvider.Offline || spec.Synthesis.FollowUpCalls == 0 || dataset.Valid is not { } valid || !valid.Rows.HasAnyGold)
        {
            return [];
        }

        var gold = valid.Rows.Labels;
        IReadOnlyList<string> ExamplesOf(int cls)
        {
            if (!spec.Synthesis.RowsInPrompts)
            {
                return [];
            }

            var rows = SynthesisSession.PromptRows(valid.Rows, SynthesisSettings.SignatureOf(spec));
            return [.. Enumerable.Range(0, gold.Length).Where(r => gold[r] == cls).Take(ClassFollowUp.MaxExamples).Select(r => rows[r])];
        }

        return ClassFollowUp.Plan(votes[SplitName.Valid], votes[SplitName.Train], gold, dataset.ClassNames, ExamplesOf);
    }

    /// <summary>
    /// Asks the LLM for the follow-up programs, within synthesis.follow_up_calls calls, through the project's cache and ledger.
    /// True when a program was written (the programs are then applied again). What could not be done is a warning, never a
    /// failure: the run goes on with the programs it has.
    /// </summary>
    private async Task<bool> FollowUpAsync(TaskSpec spec, IReadOnlyList<ClassFollowUp> requests)
    {
        var settings = SynthesisSettings.FromSpec(spec);
        Step($"asking {settings.Endpoint.Provider} for programs for {requests.Count} weak class(es), at most {spec.Synthesis.FollowUpCalls} call(s) (synthesis.follow_up_calls)");
        using var synthesizer = SynthesisSession.Open(spec, settings, line => Log("  " + line));
        var (report, notAsked) = await synthesizer.FollowUpAsync(requests, spec.Synthesis.FollowUpCalls, _cancellation).ConfigureAwait(false);
        Step($"follow-up: {report.Accepted.Count()} accepted of {report.Outcomes.Count}; {report.CallsMade} calls made, ${report.SpentThisRunUsd:0.0000} spent now");
        _followUpPending = report.Pending.Any();
        foreach (var outcome in report.Outcomes.Where(o => o.Kind != OutcomeKind.Accepted))
        {
            Warn(outcome.Kind == OutcomeKind.Pending
                ? $"the follow-up {outcome.Name} waits for its reply in {outcome.Path}: paste the model's reply there and run again"
                : $"the follow-up {outcome.Name} gave no program ({outcome.Kind.ToString().ToLowerInvariant()}: {outcome.Reason})");
        }

        foreach (var request in notAsked)
        {
            Warn($"no follow-up was asked for {request.Name} ({request.Reason}): synthesis.follow_up_calls ({spec.Synthesis.FollowUpCalls}) was spent");
        }

        return report.Accepted.Any();
    }

    private Task ApplyRemotelyAsync(TaskSpec spec, LoadedData data) =>
        RemoteApply?.ApplyAsync(spec, data.TrainRows, Log, Progress, _cancellation) ?? Task.CompletedTask;

    private async Task<RunArtifacts> AnalyzeAsync(TaskSpec spec, LoadedData data, string synthesizer)
    {
        var dataset = data.Dataset;
        await ApplyRemotelyAsync(spec, data).ConfigureAwait(false);
        var (apply, votes) = ApplyPrograms(spec, data);
        if (FollowUpRequests(spec, dataset, votes) is { Count: > 0 } followUps && await FollowUpAsync(spec, followUps).ConfigureAwait(false))
        {
            await ApplyRemotelyAsync(spec, data).ConfigureAwait(false);
            (apply, votes) = ApplyPrograms(spec, data);
        }

        var classes = dataset.Classes;
        var validGold = dataset.Valid?.Rows.Labels;
        var hasValidGold = validGold is not null && validGold.Any(g => g >= 0);
        var offlineOnly = LoadReadablePrograms(Path.Combine(spec.ProjectDirectory, ProjectApply.ProgramsFolder)).All(p => p.Provenance.Kind == ProgramAuthorKind.Synthesizer);
        var validFoldCount = hasValidGold ? ValidFolds.CountFor(validGold!.Count(g => g >= 0)) : 0;

        var fit = FitLabelModel(spec, dataset, votes, hasValidGold ? validGold : null);
        if (!data.TrainHeld)
        {
            dataset = SampleTrain(spec, data, votes, fit.Model);
            // The apply's own copy of every train row's votes goes too: the run keeps them in one place, which it empties
            // once they are on disk.
            apply = apply with { Splits = [.. apply.Splits.Select(s => s.Split == SplitName.Train ? s with { Matrix = votes[SplitName.Train] } : s)] };
        }

        var texts = dataset.Splits.ToDictionary(s => s.Name, s => RowText.Of(spec, s));
        var rules = hasValidGold && !offlineOnly && spec.ProgramInputs.Any(i => i.Type == InputType.Text)
            ? AddOfflineRules(spec, texts, votes, fit, validGold!, validFoldCount)
            : new OfflineRulesOutcome(fit.Model, OfflineAugmentation.Write(Path.Combine(_staging, OfflineAugmentation.Folder), []), null, null);
        var labelModel = rules.Model;

        // Where train was sampled, its analysis is of every row's votes (the sample's gold, if the file has any, stands for
        // no row of the rest). Then they go to disk before the end model's stages, which need only the sample's: held
        // through them, they were most of what the process had more at 10M rows than at 1M (bench/run scale).
        var analyses = votes.ToDictionary(
            kv => kv.Key,
            kv => kv.Key == SplitName.Train && _streamedTrain?.Votes is { } every
                ? LabelAnalysis.Analyze(every, null, labelModel.EstimatedAccuracies)
                : LabelAnalysis.Analyze(kv.Value, GoldOf(dataset.Split(kv.Key)), labelModel.EstimatedAccuracies));
        _streamedTrain?.MoveVotesToDisk(FinalRule.TrainVotesPath(_staging));
        var labelModelProbabilities = votes.ToDictionary(kv => kv.Key, kv =>
        {
            var p = new float[kv.Value.Rows * classes];
            labelModel.PredictProbabilities(kv.Value, p);
            return p;
        });

        // Where rules were learned from valid (offline programs, or offline rules beside LLM programs), every valid figure
        // used to choose comes from rules learned without the rows it is about: label-model probabilities, coverage, and
        // the end model's targets.
        var validFolds = rules.ValidFolds;
        if (hasValidGold && offlineOnly)
        {
            Step($"cross-fitting the offline synthesizer on valid ({validFoldCount} folds): its programs were chosen on valid");
            validFolds = OfflineCrossFit.Folds(OfflineShape.Of(spec), fit.NewModel, fit.Balance, OfflineInputs.Of(spec, dataset.Train), OfflineInputs.Of(spec, dataset.Valid!), validGold!, Progress, spec.ProjectDirectory);
        }

        // Under the folds lies what the label model said before rules learned from valid voted, so a row no fold predicted
        // is not judged by rules learned from it.
        var labelModelValid = hasValidGold ? ValidFold.Overlay(rules.ValidWithoutRules ?? labelModelProbabilities[SplitName.Valid], validFolds ?? [], classes) : null;
        var endModel = new EndModelStage(spec, dataset, texts, votes, labelModelProbabilities, Step, validFolds, Progress).Run();
        var (choice, final) = ChooseFinalLabels(spec, dataset, votes, labelModelProbabilities, labelModelValid, validFolds, endModel);

        var figures = FinalFigures.Of(dataset, spec.Evaluation.Metric, final, labelModelProbabilities, endModel.Predictions, endModel.BaselinePredictions, dataset.Test is { } testSplit ? SpecData.Groups(spec, testSplit.Rows) : null);
        CheckFinalLabels(dataset, analyses.Values, final, figures);
        return new RunArtifacts
        {
            Spec = spec,
            Dataset = dataset,
            Synthesizer = synthesizer,
            Apply = apply,
            Programs = [.. LoadReadablePrograms(Path.Combine(spec.ProjectDirectory, ProjectApply.ProgramsFolder)), .. rules.Files],
            Votes = votes,
            TrainRows = data.TrainRows,
            TrainSample = _streamedTrain?.SampleRows,
            Analyses = analyses,
            LabelModel = labelModel,
            LabelModelValidScores = fit.Scores,
            LabelModelChoiceReason = fit.Reason,
            Warnings = _warnings,
            Balance = fit.Balance,
            LabelModelProbabilities = labelModelProbabilities,
            EndModel = endModel,
            FinalChoice = choice,
            FinalProbabilities = final,
            Figures = figures,
        };
    }

    /// <summary>
    /// Train is larger than end_model.train_sample_rows: <paramref name="votes"/> keeps the sample's rows, every row's votes
    /// go to <see cref="_streamedTrain"/>, and the data set holds the sample's rows, read from the file.
    /// </summary>
    private Dataset SampleTrain(TaskSpec spec, LoadedData data, Dictionary<string, LabelMatrix> votes, ILabelModel labelModel)
    {
        var all = votes[SplitName.Train];
        var rows = TrainSample.Choose(TrainSample.Strata(all, labelModel), spec.EndModel.TrainSampleRows);
        Step($"reading a sample of {rows.Length:N0} of the {data.TrainRows:N0} train rows for the end model and the cross-fits (end_model.train_sample_rows), stratified by the label model's class");
        var sample = TrainSample.Read(data.Dataset.Train.Source, rows);
        _streamedTrain = new StreamedTrain(data.Dataset.Train.Source, all, rows);
        votes[SplitName.Train] = all.SelectRows(rows);
        return data.Dataset.WithTrain(sample);
    }

    /// <summary>The fitted label model, how to make another of its kind, the class balance it assumes, and why it was chosen.</summary>
    private sealed record LabelModelFit(ILabelModel Model, Func<ILabelModel> NewModel, ClassBalance Balance, IReadOnlyList<ScoredCandidate> Scores, string? Reason);

    /// <summary>
    /// With valid gold, <c>auto</c> chooses among the catalog's models on valid (the programs' votes there, in sample: docs/architecture.md,
    /// "Choosing on valid", says what was measured), with valid's class shares as the balance; without it, majority vote with
    /// the balance estimated from the votes.
    /// </summary>
    private LabelModelFit FitLabelModel(TaskSpec spec, Dataset dataset, Dictionary<string, LabelMatrix> votes, int[]? validGold)
    {
        Step("fitting the label model");
        if (validGold is null)
        {
            var majority = new MajorityVote();
            majority.Fit(votes[SplitName.Train], ClassBalance.Estimated);
            Step($"label model: {majority.Name}");
            return new LabelModelFit(majority, () => new MajorityVote(), ClassBalance.Estimated, [], null);
        }

        var balance = ClassBalance.FromGold(validGold, dataset.Classes);
        var auto = LabelModelCatalog.CreateAuto(votes[SplitName.Valid], validGold, spec.Evaluation.Metric, classNames: dataset.ClassNames, validGroups: dataset.Valid is { } valid ? SpecData.Groups(spec, valid.Rows) : null);
        auto.Fit(votes[SplitName.Train], balance);
        if (auto.Warning is { } warning)
        {
            Warn(warning);
        }

        // The chosen model's name is looked up here once; the stages after this one get the model, or this factory.
        var chosen = auto.ChosenModel.Name;
        Step($"label model: {auto.Notes[0]}");
        return new LabelModelFit(auto.ChosenModel, () => LabelModelCatalog.Create(chosen), balance, auto.ValidScores, auto.Notes[0]);
    }

    /// <summary>What <see cref="AddOfflineRules"/> decided: the label model to use, the rule files that vote, and, when they vote, the valid folds and valid probabilities without them.</summary>
    private sealed record OfflineRulesOutcome(ILabelModel Model, IReadOnlyList<ProgramFile> Files, IReadOnlyList<ValidFold>? ValidFolds, float[]? ValidWithoutRules);

    /// <summary>
    /// Beside programs a person or an LLM wrote, the offline synthesizer's rules learned from valid vote too when, cross-fitted
    /// on valid, they make the label model better in accuracy and log-loss both; <paramref name="votes"/> then gets their
    /// columns and the label model is fitted again.
    /// </summary>
    private OfflineRulesOutcome AddOfflineRules(TaskSpec spec, Dictionary<string, string[]> texts, Dictionary<string, LabelMatrix> votes, LabelModelFit fit, int[] validGold, int validFoldCount)
    {
        var folder = Path.Combine(_staging, OfflineAugmentation.Folder);
        Step($"checking on valid ({validFoldCount} folds) whether the offline synthesizer's rules, learned from valid, help the programs");
        var validProbabilities = new float[votes[SplitName.Valid].Rows * spec.Classes.Count];
        fit.Model.PredictProbabilities(votes[SplitName.Valid], validProbabilities);
        var decision = OfflineAugmentation.Decide(spec, fit.NewModel, fit.Balance, texts, votes, validProbabilities, validGold, Progress, useCache: true);
        Step($"offline rules beside the programs: {(decision.Use ? "yes" : "no")} ({decision.Programs.Count} rule programs; label-model valid accuracy / log-loss " +
            $"{decision.ValidAccuracy:0.000}/{decision.ValidLogLoss:0.000} without, {decision.AugmentedValidAccuracy:0.000}/{decision.AugmentedValidLogLoss:0.000} with, cross-fitted)");
        if (!decision.Use)
        {
            return new OfflineRulesOutcome(fit.Model, OfflineAugmentation.Write(folder, []), null, null);
        }

        foreach (var name in votes.Keys.ToArray())
        {
            votes[name] = OfflineAugmentation.Augment(votes[name], texts[name], texts[name].Select(RuleFeatures.Tokenize).ToArray(), decision.Programs);
        }

        if (_streamedTrain is { } streamed)
        {
            Step($"applying the {decision.Programs.Count} offline rule programs to every train row");
            streamed.Votes = OfflineAugmentation.AugmentStreamed(spec, streamed.Source, streamed.Votes!, decision.Programs);
        }

        var model = fit.NewModel();
        model.Fit(_streamedTrain?.Votes ?? votes[SplitName.Train], fit.Balance);
        var files = OfflineAugmentation.Write(folder, decision.Programs);
        Step($"wrote the {files.Count} offline rule programs that vote to {Path.Combine(spec.ProjectDirectory, OutputFolder, OfflineAugmentation.Folder)}");
        return new OfflineRulesOutcome(model, files, decision.Folds, validProbabilities);
    }

    /// <summary>
    /// Chooses on valid (out of sample) where the final labels come from, and makes them for every split; without valid gold
    /// the label model's probabilities are the final ones.
    /// </summary>
    private (FinalChoice.Choice? Choice, Dictionary<string, float[]> Final) ChooseFinalLabels(
        TaskSpec spec, Dataset dataset, Dictionary<string, LabelMatrix> votes, Dictionary<string, float[]> labelModelProbabilities,
        float[]? labelModelValid, IReadOnlyList<ValidFold>? validFolds, EndModelResult endModel)
    {
        var classes = dataset.Classes;
        var covered = votes.ToDictionary(kv => kv.Key, kv => kv.Value.CoveredRows());
        var validCoveredOutOfSample = covered.TryGetValue(SplitName.Valid, out var validCovered) ? ValidFold.OverlayCovered(validCovered, validFolds ?? []) : null;
        FinalChoice.Choice? choice = null;
        if (labelModelValid is not null)
        {
            choice = FinalChoice.Choose(labelModelValid, endModel.ValidOutOfSample!, endModel.BaselineValidOutOfSample, validCoveredOutOfSample!, dataset.Valid!.Rows.Labels, classes, spec.Evaluation.Metric, dataset.ClassNames, SpecData.Groups(spec, dataset.Valid.Rows));
            Step($"final labels: {choice.Describe()} (label model where programs voted, end model elsewhere; temperatures {choice.LabelModelTemperature:0.00} / {choice.EndModelTemperature:0.00}; " +
                $"valid accuracy / macro-F1 / log-loss by label-model weight: {string.Join(", ", choice.Scores.Select((s, k) => $"w={s.Weight:0.00} {s.ValidAccuracy:0.000}/{choice.Scored[k].Valid.MacroF1:0.000}/{s.ValidLogLoss:0.000}"))}" +
                $"{(choice.DevOnly is { } d ? $", dev-only baseline {d.ValidAccuracy:0.000}/{choice.Scored[^1].Valid.MacroF1:0.000}/{d.ValidLogLoss:0.000}" : "")}; ranked by {choice.Metric.DisplayName()}: {choice.Reason})");
            if (choice.Warning is { } warning)
            {
                Warn("final labels: " + warning);
            }
        }

        var final = new Dictionary<string, float[]>();
        foreach (var split in dataset.Splits)
        {
            var endSide = split.Name == SplitName.Valid && endModel.ValidOutOfSample is { } outOfSample ? outOfSample : endModel.Predictions[split.Name];
            var isValid = split.Name == SplitName.Valid && labelModelValid is not null;
            final[split.Name] = FinalOf(
                choice,
                isValid ? labelModelValid! : labelModelProbabilities[split.Name],
                () => endSide,
                () => endModel.BaselinePredictions is { } devOnly ? (split.Name == SplitName.Valid && endModel.BaselineValidOutOfSample is { } devOnlyValid ? devOnlyValid : devOnly[split.Name]) : null,
                isValid ? validCoveredOutOfSample! : covered[split.Name],
                classes);
        }

        return (choice, final);
    }

    private static int[]? GoldOf(DataSplit split) => split.Rows.HasAnyGold ? split.Rows.Labels : null;

    /// <summary>
    /// Some rows' final probabilities by the run's choice: the dev-only model's where it was chosen (and trained), else the
    /// blend of label model and end model, else (no choice without valid gold) the label model's. The models are asked
    /// only for what the choice uses.
    /// </summary>
    private static float[] FinalOf(FinalChoice.Choice? choice, float[] labelModel, Func<float[]> endModel, Func<float[]?> devOnly, bool[] covered, int classes) => choice switch
    {
        { UseDevOnly: true } when devOnly() is { } baseline => choice.ApplyDevOnly(baseline, classes),
        not null => choice.Apply(labelModel, endModel(), covered, classes),
        null => labelModel,
    };

    /// <summary>
    /// Warns where the figures would mislead read alone: a class no program votes for, final labels that leave out a class
    /// valid's gold holds a real share of, and final labels no more accurate than always answering the majority class.
    /// </summary>
    private void CheckFinalLabels(Dataset dataset, IEnumerable<LabelAnalysisReport> analyses, IReadOnlyDictionary<string, float[]> final, FinalFigures figures)
    {
        var names = dataset.ClassNames;
        var voted = analyses.SelectMany(a => a.Programs).SelectMany(p => p.Polarity).ToHashSet();
        var unvoted = Enumerable.Range(0, dataset.Classes).Where(c => !voted.Contains(c)).Select(c => names[c]).ToList();
        if (unvoted.Count > 0)
        {
            Warn($"no program votes for {string.Join(", ", unvoted)}: only the label model's prior and the end model can give {(unvoted.Count == 1 ? "that class" : "those classes")} to a row; " +
                $"write a program for {(unvoted.Count == 1 ? "it" : "each")}, or label more of {(unvoted.Count == 1 ? "its" : "their")} rows in valid");
        }

        if (figures.MajorityClass < 0)
        {
            return;
        }

        var majority = names[figures.MajorityClass];
        if (figures.FinalTest is { } finalTest && figures.MajorityClassTest is { } majorityTest)
        {
            if (finalTest.Accuracy <= majorityTest.Accuracy)
            {
                Warn($"the final labels' test accuracy {finalTest.Accuracy:0.000} is not above always answering {majority} ({majorityTest.Accuracy:0.000}); their macro-F1 is {finalTest.MacroF1:0.000}");
            }
        }
        else if (dataset.Valid is { } labeledValid && labeledValid.Rows.HasAnyGold)
        {
            var finalValid = ClassificationMetrics.Compute(labeledValid.Rows.Labels, ClassificationMetrics.ArgMax(final[SplitName.Valid], dataset.Classes), dataset.Classes);
            var majorityRate = ClassCollapse.Shares(labeledValid.Rows.Labels, dataset.Classes)[figures.MajorityClass];
            if (finalValid.Accuracy <= majorityRate)
            {
                Warn($"the final labels' valid accuracy {finalValid.Accuracy:0.000} (no test gold to judge them on) is not above always answering {majority} ({majorityRate:0.000})");
            }
        }
    }

    /// <summary>Warns when the final labels of every train row give a class far less than its share of valid's gold.</summary>
    private void CheckTrainShares(Dataset dataset, IReadOnlyList<long> finalTrainCounts)
    {
        if (dataset.Valid is { } valid && valid.Rows.HasAnyGold)
        {
            var total = Math.Max(1, finalTrainCounts.Sum());
            var trainShares = finalTrainCounts.Select(c => (double)c / total).ToArray();
            var drift = ClassCollapse.Find(ClassCollapse.Shares(valid.Rows.Labels, dataset.Classes), trainShares);
            if (drift.Count > 0)
            {
                Warn($"the final train labels give far less than valid's gold share to {ClassCollapse.Describe(drift, dataset.ClassNames).Replace("predicted", "of the train labels", StringComparison.Ordinal)}");
            }
        }
    }

    private RunSummary WriteOutputs(TaskSpec spec, RunArtifacts artifacts)
    {
        var root = spec.ProjectDirectory;
        var outFolder = _staging;
        Directory.CreateDirectory(outFolder);
        var classes = artifacts.Dataset.Classes;
        var modelFolder = Path.Combine(outFolder, ProjectLayout.EndModelFolderName);
        artifacts.EndModel.Model.Save(modelFolder);
        if (EndModelStage.FeatureSignature(spec) is { Count: > 0 } features)
        {
            AtomicFile.WriteAllText(Path.Combine(modelFolder, EndModelStage.FeaturesFile), string.Join("\n", features) + "\n");
        }

        FinalRule.Of(artifacts.LabelModel.Name, artifacts.Balance, artifacts.Votes[SplitName.Train].ProgramNames, artifacts.FinalChoice)
            .Save(outFolder, _streamedTrain is null ? artifacts.Votes[SplitName.Train] : null, artifacts.EndModel.BaselineModel);

        var csv = Path.Combine(outFolder, "labels.csv");
        var jsonl = Path.Combine(outFolder, "labels.jsonl");
        var finalTrainCounts = new long[classes];
        if (_streamedTrain is not null)
        {
            Step($"labeling all {artifacts.TrainRows:N0} train rows, streamed from the file");
        }

        LabelsWriter.Write(csv, jsonl, spec.ClassNames, LabeledSplits(spec, artifacts, finalTrainCounts));
        CheckTrainShares(artifacts.Dataset, finalTrainCounts);
        artifacts = Artifacts = artifacts with { FinalTrainCounts = finalTrainCounts };

        var ledger = Ledger.Read(root);
        var figures = artifacts.Figures;
        static double? Round(double? value) => value is double v ? Math.Round(v, 4) : null;
        var summary = new RunSummary
        {
            Programs = artifacts.Votes[SplitName.Train].Programs,
            Coverage = Math.Round(artifacts.Analyses[SplitName.Train].Coverage, 4),
            LabelModel = artifacts.LabelModel.Name,
            FinalTestAccuracy = Round(figures.FinalTest?.Accuracy),
            LabelModelTestAccuracy = Round(figures.LabelModelTest?.Accuracy),
            EndModelTestAccuracy = Round(figures.EndModelTest?.Accuracy),
            DevOnlyBaselineTestAccuracy = Round(figures.DevOnlyTest?.Accuracy),
            FinalTestMacroF1 = Round(figures.FinalTest?.MacroF1),
            LabelModelTestMacroF1 = Round(figures.LabelModelTest?.MacroF1),
            EndModelTestMacroF1 = Round(figures.EndModelTest?.MacroF1),
            DevOnlyBaselineTestMacroF1 = Round(figures.DevOnlyTest?.MacroF1),
            MajorityClass = figures.MajorityClass >= 0 ? spec.ClassNames[figures.MajorityClass] : null,
            MajorityClassTestAccuracy = Round(figures.MajorityClassTest?.Accuracy),
            MajorityClassTestMacroF1 = Round(figures.MajorityClassTest?.MacroF1),
            FinalTestPerClass = figures.FinalTestPerClass(spec.ClassNames),
            WorstGroup = figures.FinalTestGroups?.Worst?.Group,
            FinalTestWorstGroupAccuracy = Round(figures.FinalTestGroups?.Worst?.Accuracy),
            LabelModelTestWorstGroupAccuracy = Round(figures.LabelModelTestGroups?.Worst?.Accuracy),
            EndModelTestWorstGroupAccuracy = Round(figures.EndModelTestGroups?.Worst?.Accuracy),
            DevOnlyBaselineTestWorstGroupAccuracy = Round(figures.DevOnlyTestGroups?.Worst?.Accuracy),
            FinalTestPerGroup = figures.FinalTestGroups is { } groups
                ? [.. groups.Groups.Select(g => new GroupFiguresRow(g.Group, g.Rows, Math.Round(g.Accuracy, 4), Round(figures.DevOnlyTestGroups?.Groups.FirstOrDefault(d => d.Group == g.Group)?.Accuracy)))]
                : [],
            FinalVersusDevOnly = figures.VersusDevOnly,
            Warnings = artifacts.Warnings,
            LlmCalls = ledger.Calls,
            CostUsd = ledger.CostUsd,
            Seconds = 0,
            FinalSource = artifacts.FinalChoice?.Describe() ?? "label_model",
            BestOnValid = artifacts.FinalChoice is { } choice ? choice.LeadOverDefault?.Best ?? choice.Describe() : null,
            Metric = spec.Evaluation.Metric.SpecName(),
            LeadOverDefault = artifacts.FinalChoice?.LeadOverDefault is { } lead ? Math.Round(lead.Lead.Lead, 4) : null,
            LeadStandardError = artifacts.FinalChoice?.LeadOverDefault is { } leadError ? Math.Round(leadError.Lead.StandardError, 4) : null,
            Synthesizer = artifacts.Synthesizer,
            LabelsCsv = Path.Combine(OutputFolder, "labels.csv"),
            LabelsJsonl = Path.Combine(OutputFolder, "labels.jsonl"),
            Report = Path.Combine(OutputFolder, "report.html"),
            EndModelFolder = Path.Combine(OutputFolder, ProjectLayout.EndModelFolderName),
        };
        File.WriteAllText(Path.Combine(outFolder, "report.html"), Report.HtmlReport.Render(artifacts, summary, ledger));
        summary = summary with { Seconds = Seconds };
        File.WriteAllText(Path.Combine(outFolder, "summary.json"), System.Text.Json.JsonSerializer.Serialize(summary, RunSummary.Json));
        PublishOutputs(root);
        Step($"wrote labels to {Path.Combine(root, summary.LabelsCsv)} and {Path.Combine(root, summary.LabelsJsonl)}, the end model to {Path.Combine(root, summary.EndModelFolder)} and the report to {Path.Combine(root, summary.Report)}");
        return summary;
    }

    /// <summary>
    /// Every split's final labels in file order, train first, counting train's in <paramref name="finalTrainCounts"/> as they
    /// go: from the arrays where the split is held, batch by batch from the file where train was sampled (its votes from the
    /// matrix, the label model and end model predicting each batch, the same choice applied), so no train-sized array of
    /// probabilities is ever made.
    /// </summary>
    private IEnumerable<LabelsWriter.SplitLabels> LabeledSplits(TaskSpec spec, RunArtifacts artifacts, long[] finalTrainCounts)
    {
        var classes = artifacts.Dataset.Classes;
        foreach (var split in artifacts.Dataset.Splits)
        {
            if (split.Name == SplitName.Train && _streamedTrain is { } streamed)
            {
                // The next batch is read and predicted while this one is written.
                foreach (var batch in Prefetch.Ahead(StreamedTrainLabels(spec, artifacts, streamed), 2, _cancellation))
                {
                    Count(batch.Labels);
                    yield return batch;
                }

                continue;
            }

            var labels = ClassificationMetrics.ArgMax(artifacts.FinalProbabilities[split.Name], classes);
            if (split.Name == SplitName.Train)
            {
                Count(labels);
            }

            yield return new LabelsWriter.SplitLabels(split.Name, split.Rows.RowIds, artifacts.FinalProbabilities[split.Name], labels, artifacts.Votes[split.Name]);
        }

        void Count(int[] labels)
        {
            foreach (var label in labels)
            {
                finalTrainCounts[label]++;
            }
        }
    }

    private IEnumerable<LabelsWriter.SplitLabels> StreamedTrainLabels(TaskSpec spec, RunArtifacts artifacts, StreamedTrain streamed)
    {
        var classes = artifacts.Dataset.Classes;
        var endModel = artifacts.EndModel;
        var choice = artifacts.FinalChoice;
        var done = 0L;
        using var allVotes = new LabelMatrixFile.RowReader(streamed.VotesFile ?? throw new InvalidOperationException("the train votes were not written before labeling"));
        foreach (var batch in streamed.Source.ReadBatches(TrainSample.BatchRows))
        {
            _cancellation.ThrowIfCancellationRequested();
            if (batch.FirstRow + batch.Count > allVotes.Rows)
            {
                throw new DataFormatException(streamed.Source.Path, $"the file has more rows than when its programs were applied ({allVotes.Rows:N0}): it changed during the run; run again");
            }

            var votes = allVotes.ReadRows((int)batch.FirstRow, batch.Count);
            var labelModel = new float[batch.Count * classes];
            artifacts.LabelModel.PredictProbabilities(votes, labelModel);
            var final = FinalOf(
                choice,
                labelModel,
                () => EndModelStage.Predict(spec, endModel.Model, batch),
                () => endModel.BaselineModel is { } devOnly ? EndModelStage.Predict(spec, devOnly, batch) : null,
                votes.CoveredRows(),
                classes);
            done += batch.Count;
            Progress?.Report(new StageProgress("label train", done, artifacts.TrainRows, "rows"));
            yield return new LabelsWriter.SplitLabels(SplitName.Train, batch.RowIds, final, ClassificationMetrics.ArgMax(final, classes, batch.FirstRow), votes);
        }

        if (done != allVotes.Rows)
        {
            throw new DataFormatException(streamed.Source.Path, $"the file has {done:N0} rows, not the {allVotes.Rows:N0} its programs were applied to: it changed during the run; run again");
        }
    }

    /// <summary>Train where only a sample of it is held: where to read every row again, every row's votes, and which rows the sample holds.</summary>
    private sealed class StreamedTrain(IDataSource source, LabelMatrix votes, int[] sampleRows)
    {
        public IDataSource Source { get; } = source;

        /// <summary>
        /// Every train row's votes (offline rule programs that vote beside the programs add their columns) until the label
        /// model is fitted and train analysed; then on disk, at <see cref="VotesFile"/>.
        /// </summary>
        public LabelMatrix? Votes { get; set; } = votes;

        public string? VotesFile { get; private set; }

        public int[] SampleRows { get; } = sampleRows;

        /// <summary>
        /// Writes every row's votes to <paramref name="path"/> (where the final rule keeps them) and lets go of them in
        /// memory: the end model's stages, which come next, need only the sample's, so the process's peak is the larger of
        /// the two, not their sum (at 10 million rows and 16 programs the votes are 160 MB).
        /// </summary>
        public void MoveVotesToDisk(string path)
        {
            LabelMatrixFile.Write(path, Votes ?? throw new InvalidOperationException("the train votes are on disk already"));
            VotesFile = path;
            Votes = null;

            // Their memory goes back to the system now, not whenever the collector next trims: left to it, the 10M run
            // entered the end model's cross-fit 80 MB above the 1M run and peaked there at 432 MB against 335-369 MB.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    /// <summary>
    /// Replaces <see cref="OutputFolder"/> with the staged set: two renames on one file system, with the previous set kept
    /// aside until the new one is in place, so no moment leaves labels of one run beside the report of another.
    /// </summary>
    private void PublishOutputs(string root)
    {
        var layout = new ProjectLayout(root);
        var output = layout.OutputFolder;
        var previous = layout.PreviousOutputFolder;
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }

        if (Directory.Exists(output))
        {
            Directory.Move(output, previous);
        }

        Directory.Move(_staging, output);
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }
    }

    /// <summary>A run killed between the two renames of <see cref="PublishOutputs"/> left the previous set aside: it goes back.</summary>
    private static void RecoverOutputs(string root)
    {
        var layout = new ProjectLayout(root);
        var output = layout.OutputFolder;
        var previous = layout.PreviousOutputFolder;
        if (!Directory.Exists(output) && Directory.Exists(previous))
        {
            Directory.Move(previous, output);
        }
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so lines come out in order.</summary>
    private sealed class LogProgress(Action<ApplyProgress> report) : IProgress<ApplyProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ApplyProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"program '{name}' is missing from a split's votes");
    }
}
