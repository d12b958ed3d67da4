using System.Globalization;
using Alchemist.Evaluation;
using Alchemist.Pipeline;

namespace Alchemist.Bench;

/// <summary>
/// <c>bench/run quality &lt;project&gt;...</c>: runs each project's pipeline and scores, on the train split's gold labels, every
/// source the final labels could come from and what each rule for choosing between them would have picked on valid.
/// The product never reads train gold (users rarely have it); this reads it only to judge design choices, because train has
/// thousands of rows where valid and test have a few hundred, so a difference of a few rows there is not read as a finding.
/// Each source is scored twice: as the product labels train rows (the end model has seen them, through the label model's
/// labels, so it mostly repeats the label model there), and as it would label rows it has not seen (the end model retrained
/// without each fifth of train, as test rows are labeled). Test labels are not scored here.
/// Each project runs once per <c>evaluation.metric</c> (both unless <c>--metric</c> names one), offline programs synthesized anew
/// for each, and the final labels each metric leads to are scored by accuracy and macro-F1: the measurement behind the
/// metric's default (docs/architecture.md).
/// </summary>
public static class QualityBenchmark
{
    private delegate int Rule(FinalChoice.Choice choice, int[] validGold);

    /// <summary>Rules for choosing the final source on valid, each returning an index into the candidates (weights, then dev-only).</summary>
    private static readonly (string Name, Rule Pick)[] Rules =
    [
        ("the product's rule (blend 0.75 unless the best leads it by 2 SE)", (choice, _) => Picked(choice)),
        ("best on valid: accuracy, then log-loss", (choice, _) => BestOnValid(choice)),
        ("log-loss", (choice, _) => ArgMin(choice, s => s.ValidLogLoss, choice.DevOnly?.ValidLogLoss)),
        ("label model alone", (_, _) => FinalChoice.IndexOfWeight(1.0)),
        ("end model alone", (_, _) => FinalChoice.IndexOfWeight(0.0)),
        ("blend 0.50", (_, _) => FinalChoice.IndexOfWeight(0.5)),
        ("blend 0.75", (_, _) => FinalChoice.IndexOfWeight(0.75)),
        ("dev-only baseline", (_, _) => FinalChoice.Weights.Count),
        ("label model unless the best leads it by 1 SE", (choice, gold) => Gated(choice, gold, FinalChoice.IndexOfWeight(1.0), 1)),
        ("label model unless the best leads it by 2 SE", (choice, gold) => Gated(choice, gold, FinalChoice.IndexOfWeight(1.0), 2)),
        ("blend 0.75 unless the best leads it by 1 SE", (choice, gold) => Gated(choice, gold, FinalChoice.IndexOfWeight(0.75), 1)),
        ("blend 0.50 unless the best leads it by 1 SE", (choice, gold) => Gated(choice, gold, FinalChoice.IndexOfWeight(0.5), 1)),
        ("blend 0.50 unless the best leads it by 2 SE", (choice, gold) => Gated(choice, gold, FinalChoice.IndexOfWeight(0.5), 2)),
    ];

    private static int Picked(FinalChoice.Choice choice) => choice.UseDevOnly ? FinalChoice.Weights.Count : FinalChoice.IndexOfWeight(choice.LabelModelWeight);

    /// <summary>The best candidate on valid, before the product weighs its lead over the default blend.</summary>
    private static int BestOnValid(FinalChoice.Choice choice) => choice.LeadOverDefault is { } lead
        ? (lead.Best == FinalChoice.DevOnlyName ? FinalChoice.Weights.Count : FinalChoice.Weights.ToList().FindIndex(w => FinalChoice.NameOf(w) == lead.Best))
        : Picked(choice);

    /// <summary>The fallback candidate, unless the best on valid leads it by more than z standard errors of the paired difference in accuracy.</summary>
    private static int Gated(FinalChoice.Choice choice, int[] gold, int fallback, double z)
    {
        var best = BestOnValid(choice);
        if (best == fallback)
        {
            return best;
        }

        var lead = PairedLead.Of(EvaluationMetric.Accuracy, choice.ValidPredictions[best], choice.ValidPredictions[fallback], gold, choice.Scored[0].Valid.Classes);
        return lead.Exceeds(z) ? best : fallback;
    }

    public static int Run(string[] args)
    {
        var metrics = Enum.GetValues<EvaluationMetric>().ToList();
        var projects = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--metric" && i + 1 < args.Length)
            {
                metrics = EvaluationMetrics.TryParse(args[++i], out var metric) ? [metric] : throw new ArgumentException($"--metric: '{args[i]}' is not accuracy or macro_f1");
            }
            else
            {
                projects.Add(args[i]);
            }
        }

        if (projects.Count == 0)
        {
            throw new ArgumentException("quality needs one or more project folders (made by `alchemist init`, with gold labels on train)");
        }

        var pooled = new int[Rules.Length];
        var pooledUnseen = new int[Rules.Length];
        var macroF1 = new double[Rules.Length];
        var macroF1Unseen = new double[Rules.Length];
        var byMetric = metrics.ToDictionary(m => m, _ => (Right: 0, RightUnseen: 0, MacroF1: 0.0, MacroF1Unseen: 0.0));
        var pooledRows = 0;
        var autoGates = new[] { 0.0, 1.0, 2.0 };
        var autoRight = new int[autoGates.Length];
        var autoMacroF1 = new double[autoGates.Length];
        foreach (var project in projects)
        {
            foreach (var metric in metrics)
            {
                ResynthesizeOffline(project);
                var pipeline = new RunPipeline(TextWriter.Null) { Force = true, Metric = metric };
                pipeline.RunAsync(project).GetAwaiter().GetResult();
                var run = pipeline.Artifacts ?? throw new InvalidOperationException($"{project}: the run computed nothing");
                var train = run.Dataset.Train;
                if (!train.Rows.HasAnyGold)
                {
                    throw new ArgumentException($"{project}: the train split has no gold labels to score against");
                }

                var choice = run.FinalChoice ?? throw new ArgumentException($"{project}: no final-label choice was made (the valid split has no gold)");
                var texts = run.Dataset.Splits.ToDictionary(s => s.Name, s => RowText.Of(run.Spec, s));
                var unseen = new EndModelStage(run.Spec, run.Dataset, texts, run.Votes, run.LabelModelProbabilities, _ => { }).TrainOutOfSample(5);
                var gold = train.Rows.Labels;
                var classes = run.Dataset.Classes;
                var scores = Candidates(run, choice, run.EndModel.Predictions["train"]).Select(p => ClassificationMetrics.Compute(gold, ClassificationMetrics.ArgMax(p, classes), classes)).ToArray();
                var scoresUnseen = Candidates(run, choice, unseen).Select(p => ClassificationMetrics.Compute(gold, ClassificationMetrics.ArgMax(p, classes), classes)).ToArray();
                var rows = gold.Count(g => g >= 0);
                static int Right(ClassificationMetrics m) => (int)Math.Round(m.Accuracy * m.Rows);
                var product = Picked(choice);
                var tally = byMetric[metric];
                byMetric[metric] = (tally.Right + Right(scores[product]), tally.RightUnseen + Right(scoresUnseen[product]), tally.MacroF1 + scores[product].MacroF1, tally.MacroF1Unseen + scoresUnseen[product].MacroF1);
                Console.WriteLine($"{project} ({metric.SpecName()}): {rows} train rows with gold; label model {run.LabelModel.Name}, final source {choice.Describe()}: " +
                    string.Create(CultureInfo.InvariantCulture, $"accuracy {scores[product].Accuracy:0.0000} (unseen {scoresUnseen[product].Accuracy:0.0000}), macro-F1 {scores[product].MacroF1:0.0000} (unseen {scoresUnseen[product].MacroF1:0.0000})"));
                if (metric != metrics[0])
                {
                    continue;
                }

                // The label model auto picks under each gate (standard errors the best must lead majority vote by on valid), scored alone on train gold.
                var balance = LabelModels.ClassBalance.FromGold(run.Dataset.Valid!.Rows.Labels, classes);
                for (var g = 0; g < autoGates.Length; g++)
                {
                    var auto = new LabelModels.AutoLabelModel(run.Votes["valid"], run.Dataset.Valid!.Rows.Labels) { Metric = metric, RequiredStandardErrors = autoGates[g] };
                    auto.Fit(run.Votes["train"], balance);
                    var labelModelScore = ClassificationMetrics.Compute(gold, LabelModels.LabelModelCatalog.PredictLabels(auto, run.Votes["train"]), classes);
                    autoRight[g] += Right(labelModelScore);
                    autoMacroF1[g] += labelModelScore.MacroF1;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  auto label model with a {autoGates[g]:0} SE gate: {auto.Chosen}, train accuracy {labelModelScore.Accuracy:0.0000}, macro-F1 {labelModelScore.MacroF1:0.0000}"));
                }

                for (var k = 0; k < scores.Length; k++)
                {
                    var name = k < FinalChoice.Weights.Count ? $"label-model weight {FinalChoice.Weights[k]:0.00}" : "dev-only baseline";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {name,-26} train accuracy / macro-F1: as labeled {scores[k].Accuracy:0.0000} / {scores[k].MacroF1:0.0000}, unseen {scoresUnseen[k].Accuracy:0.0000} / {scoresUnseen[k].MacroF1:0.0000} | valid (cross-fitted) {choice.Scored[k].Valid.Accuracy:0.000} / {choice.Scored[k].Valid.MacroF1:0.000}"));
                }

                for (var i = 0; i < Rules.Length; i++)
                {
                    var picked = Rules[i].Pick(choice, run.Dataset.Valid!.Rows.Labels);
                    pooled[i] += Right(scores[picked]);
                    pooledUnseen[i] += Right(scoresUnseen[picked]);
                    macroF1[i] += scores[picked].MacroF1;
                    macroF1Unseen[i] += scoresUnseen[picked].MacroF1;
                    Console.WriteLine($"  rule {Rules[i].Name}: picks {(picked < FinalChoice.Weights.Count ? $"weight {FinalChoice.Weights[picked]:0.00}" : "dev-only baseline")}, {Right(scores[picked])} rows right as labeled, {Right(scoresUnseen[picked])} unseen");
                }

                pooledRows += rows;
            }
        }

        Console.WriteLine($"pooled over {projects.Count} project(s), {pooledRows} train rows (macro-F1: the mean over projects), choices ranked by {metrics[0].DisplayName()}:");
        for (var i = 0; i < Rules.Length; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Rules[i].Name,-46} as labeled {pooled[i],6} right ({pooled[i] / (double)pooledRows:0.0000}), macro-F1 {macroF1[i] / projects.Count:0.0000}; unseen {pooledUnseen[i],6} right ({pooledUnseen[i] / (double)pooledRows:0.0000}), macro-F1 {macroF1Unseen[i] / projects.Count:0.0000}"));
        }

        Console.WriteLine($"the label model auto picks, alone, by the lead over majority vote it asks for on valid (ranked by {metrics[0].DisplayName()}):");
        for (var g = 0; g < autoGates.Length; g++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {autoGates[g]:0} SE  {autoRight[g],6} right ({autoRight[g] / (double)pooledRows:0.0000}), macro-F1 {autoMacroF1[g] / projects.Count:0.0000}"));
        }

        Console.WriteLine("the product's final labels by evaluation.metric:");
        foreach (var (metric, tally) in byMetric)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {metric.SpecName(),-9} as labeled {tally.Right,6} right ({tally.Right / (double)pooledRows:0.0000}), macro-F1 {tally.MacroF1 / projects.Count:0.0000}; unseen {tally.RightUnseen,6} right ({tally.RightUnseen / (double)pooledRows:0.0000}), macro-F1 {tally.MacroF1Unseen / projects.Count:0.0000}"));
        }

        return 0;
    }

    /// <summary>
    /// Deletes the project's programs when the offline synthesizer wrote every one of them, so that each metric's run
    /// synthesizes its own: the metric chooses the synthesizer's settings too. Programs a person or an LLM wrote are kept.
    /// </summary>
    private static void ResynthesizeOffline(string project)
    {
        var folder = Path.Combine(project, Programs.Apply.ProjectApply.ProgramsFolder);
        var files = Programs.ProgramFile.PathsIn(folder);
        if (files.Count > 0 && Programs.ProgramFile.LoadFolder(folder, new List<(string, string)>()).Count == files.Count
            && Programs.ProgramFile.LoadFolder(folder, new List<(string, string)>()).All(p => p.Provenance.Kind == Programs.ProgramAuthorKind.Synthesizer))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Train probabilities of each blend weight (with the chosen temperatures) over the given end-model side, then the dev-only baseline's.</summary>
    private static List<float[]> Candidates(RunArtifacts run, FinalChoice.Choice choice, float[] endModelTrain)
    {
        var classes = run.Dataset.Classes;
        var covered = run.Votes["train"].CoveredRows();
        var labelModel = FinalChoice.Calibrate(run.LabelModelProbabilities["train"], classes, choice.LabelModelTemperature);
        var endModel = FinalChoice.Calibrate(endModelTrain, classes, choice.EndModelTemperature);
        var candidates = FinalChoice.Weights.Select(w => FinalChoice.Combine(labelModel, endModel, covered, classes, w)).ToList();
        candidates.Add(run.EndModel.BaselinePredictions?["train"] ?? throw new InvalidOperationException("no dev-only baseline was trained"));
        return candidates;
    }

    /// <summary>The candidate with the lowest value (the first on ties: the label model's side first, the dev-only baseline last).</summary>
    private static int ArgMin(FinalChoice.Choice choice, Func<(double Weight, double ValidAccuracy, double ValidLogLoss), double> value, double? devOnly)
    {
        var best = 0;
        for (var k = 1; k < choice.Scores.Count; k++)
        {
            best = value(choice.Scores[k]) < value(choice.Scores[best]) ? k : best;
        }

        return devOnly is { } d && d < value(choice.Scores[best]) ? FinalChoice.Weights.Count : best;
    }
}
