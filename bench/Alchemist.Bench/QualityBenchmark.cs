using System.Globalization;
using Alchemist.Cli.Pipeline;
using Alchemist.Evaluation;

namespace Alchemist.Bench;

/// <summary>
/// <c>bench/run quality &lt;project&gt;...</c>: runs each project's pipeline and scores, on the train split's gold labels, every
/// source the final labels could come from and what each rule for choosing between them would have picked on valid.
/// The product never reads train gold (users rarely have it); this reads it only to judge design choices, because train has
/// thousands of rows where valid and test have a few hundred, so a difference of a few rows there is not read as a finding.
/// Each source is scored twice: as the product labels train rows (the end model has seen them, through the label model's
/// labels, so it mostly repeats the label model there), and as it would label rows it has not seen (the end model retrained
/// without each fifth of train, as test rows are labeled). Test labels are not scored here.
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

    /// <summary>The fallback candidate, unless the best on valid leads it by more than z standard errors of the paired difference.</summary>
    private static int Gated(FinalChoice.Choice choice, int[] gold, int fallback, double z)
    {
        var best = BestOnValid(choice);
        if (best == fallback)
        {
            return best;
        }

        var (leadRows, standardErrorRows) = FinalChoice.PairedLead(choice.ValidPredictions[best], choice.ValidPredictions[fallback], gold);
        return leadRows > z * standardErrorRows ? best : fallback;
    }

    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("quality needs one or more project folders (made by `alchemist init`, with gold labels on train)");
        }

        var pooled = new int[Rules.Length];
        var pooledUnseen = new int[Rules.Length];
        var pooledRows = 0;
        foreach (var project in args)
        {
            var pipeline = new RunPipeline(TextWriter.Null) { Force = true };
            pipeline.Run(project);
            var run = pipeline.Artifacts ?? throw new InvalidOperationException($"{project}: the run computed nothing");
            var train = run.Dataset.Train;
            if (!train.Rows.HasAnyGold)
            {
                throw new ArgumentException($"{project}: the train split has no gold labels to score against");
            }

            var choice = run.FinalChoice ?? throw new ArgumentException($"{project}: no final-label choice was made (the valid split has no gold)");
            var texts = run.Dataset.Splits.ToDictionary(s => s.Name, s => RunPipeline.RowTexts(run.Spec, s));
            var unseen = new EndModelStage(run.Spec, run.Dataset, texts, run.Votes, run.LabelModelProbabilities, _ => { }).TrainOutOfSample(5);
            var gold = train.Rows.Labels;
            var right = Candidates(run, choice, run.EndModel.Predictions["train"]).Select(p => Correct(p, gold, run.Dataset.Classes)).ToArray();
            var rightUnseen = Candidates(run, choice, unseen).Select(p => Correct(p, gold, run.Dataset.Classes)).ToArray();
            var rows = gold.Count(g => g >= 0);
            Console.WriteLine($"{project}: {rows} train rows with gold; label model {run.LabelModelName}, final source {choice.Describe()}");
            for (var k = 0; k < right.Length; k++)
            {
                var name = k < FinalChoice.Weights.Count ? $"label-model weight {FinalChoice.Weights[k]:0.00}" : "dev-only baseline";
                var valid = k < FinalChoice.Weights.Count ? choice.Scores[k] : (0, choice.DevOnly?.ValidAccuracy ?? double.NaN, choice.DevOnly?.ValidLogLoss ?? double.NaN);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-26} train accuracy: as labeled {right[k] / (double)rows:0.0000}, unseen {rightUnseen[k] / (double)rows:0.0000} | valid (cross-fitted) accuracy {valid.Item2:0.000}, log-loss {valid.Item3:0.000}"));
            }

            for (var i = 0; i < Rules.Length; i++)
            {
                var picked = Rules[i].Pick(choice, run.Dataset.Valid!.Rows.Labels);
                pooled[i] += right[picked];
                pooledUnseen[i] += rightUnseen[picked];
                Console.WriteLine($"  rule {Rules[i].Name}: picks {(picked < FinalChoice.Weights.Count ? $"weight {FinalChoice.Weights[picked]:0.00}" : "dev-only baseline")}, {right[picked]} rows right as labeled, {rightUnseen[picked]} unseen");
            }

            pooledRows += rows;
        }

        Console.WriteLine($"pooled over {args.Length} project(s), {pooledRows} train rows:");
        for (var i = 0; i < Rules.Length; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Rules[i].Name,-46} as labeled {pooled[i],6} right ({pooled[i] / (double)pooledRows:0.0000}), unseen {pooledUnseen[i],6} right ({pooledUnseen[i] / (double)pooledRows:0.0000})"));
        }

        return 0;
    }

    /// <summary>Train probabilities of each blend weight (with the chosen temperatures) over the given end-model side, then the dev-only baseline's.</summary>
    private static List<float[]> Candidates(RunArtifacts run, FinalChoice.Choice choice, float[] endModelTrain)
    {
        var classes = run.Dataset.Classes;
        var covered = FinalChoice.Covered(run.Votes["train"]);
        var labelModel = FinalChoice.Calibrate(run.LabelModelProbabilities["train"], classes, choice.LabelModelTemperature);
        var endModel = FinalChoice.Calibrate(endModelTrain, classes, choice.EndModelTemperature);
        var candidates = FinalChoice.Weights.Select(w => FinalChoice.Combine(labelModel, endModel, covered, classes, w)).ToList();
        candidates.Add(run.EndModel.BaselinePredictions?["train"] ?? throw new InvalidOperationException("no dev-only baseline was trained"));
        return candidates;
    }

    private static int Correct(float[] probabilities, int[] gold, int classes)
    {
        var predicted = ClassificationMetrics.ArgMax(probabilities, classes);
        return Enumerable.Range(0, gold.Length).Count(r => gold[r] >= 0 && predicted[r] == gold[r]);
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
