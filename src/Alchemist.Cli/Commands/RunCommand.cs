using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Alchemist.Cluster;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Pipeline;
using Alchemist.Spec;

namespace Alchemist.Cli.Commands;

/// <summary><c>alchemist run &lt;project&gt; [--json]</c>: every stage, from synthesis to labels, end model and report.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder (with alchemist.yaml)." };
        var json = new Option<bool>("--json") { Description = "Print the run summary as JSON on standard output (progress still goes to standard error)." };
        var force = new Option<bool>("--force") { Description = "Redo the label model, end model and outputs even when nothing changed." };
        var trust = new Option<bool>("--trust-programs")
        {
            Description = "Vouch for every program, so that programs an LLM wrote may run in this process where alchemist.yaml says isolation.mode: none (without it they are refused there).",
        };
        var cluster = new Option<string?>("--cluster")
        {
            Description = "Apply the programs to train on an Orleans cluster: the silos' gateways as host:port[,host:port...] (`alchemist cluster silo`; see docs/cluster.md). The labels are those of a run on this machine.",
        };
        var shardRows = new Option<int>("--shard-rows")
        {
            Description = "With --cluster: train rows per shard at most (fewer where that leaves a silo idle).",
            DefaultValueFactory = _ => new ClusterApplyOptions().ShardRows,
        };
        shardRows.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--shard-rows must be at least 1");
            }
        });
        var command = new Command("run", "Synthesize (offline unless an LLM is configured), apply, fit the label model, train the end model, and write labels and a report.")
        {
            project,
            json,
            force,
            trust,
            cluster,
            shardRows,
        };
        // On a thread of its own, so that Ctrl-C ends the command within Program.CancelGrace even while a stage that cannot
        // stop midway (the end model's training) runs: its outputs are staged, so out/ stays whole.
        command.SetAction((result, cancellationToken) => Task.Run(
            () => RunAsync(result.GetValue(project)!, result.GetValue(json), result.GetValue(force), result.GetValue(trust), result.GetValue(cluster), result.GetValue(shardRows), cancellationToken), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo project, bool json, bool force, bool trustPrograms, string? cluster, int shardRows, CancellationToken cancellationToken)
    {
        // With --cluster this process is the cluster's client and driver: the silos fill the column cache, the rest runs here.
        await using var remote = cluster is null ? null
            : new ClusterApply(ClusterEndpoints.Parse(cluster, "--cluster"), new ClusterApplyOptions { ShardRows = shardRows, TrustPrograms = trustPrograms });
        var summary = await StageDisplay.RunAsync((log, progress) =>
            new RunPipeline(log) { Force = force, TrustPrograms = trustPrograms, Progress = progress, RemoteApply = remote }.RunAsync(project.FullName, cancellationToken)).ConfigureAwait(false);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(summary, RunSummary.Json));
        }
        else
        {
            PrintSummary(summary);
        }

        return 0;
    }

    private static void PrintSummary(RunSummary s)
    {
        static string A(double? value) => value is double v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
        static string Pair(double? accuracy, double? macroF1) => accuracy is null ? "- (no test gold)" : $"{A(accuracy)} / {A(macroF1)}";
        var o = Console.Out;
        var metric = EvaluationMetrics.TryParse(s.Metric, out var parsed) ? parsed.DisplayName() : s.Metric;
        o.WriteLine(s.Reused ? "Nothing changed: the last run's results stand." : "Run finished.");
        o.WriteLine($"  programs:            {s.Programs} ({s.Synthesizer}), coverage on train {s.Coverage:P1}");
        o.WriteLine($"  label model:         {s.LabelModel}; final labels from {s.FinalSource} ({(s.BestOnValid is null ? "no valid gold to choose by" : $"chosen on valid by {metric}")})");
        o.WriteLine($"  test accuracy / macro-F1:");
        o.WriteLine($"    final              {Pair(s.FinalTestAccuracy, s.FinalTestMacroF1)}");
        o.WriteLine($"    label model        {Pair(s.LabelModelTestAccuracy, s.LabelModelTestMacroF1)}");
        o.WriteLine($"    end model          {Pair(s.EndModelTestAccuracy, s.EndModelTestMacroF1)}");
        o.WriteLine($"    dev-only baseline  {Pair(s.DevOnlyBaselineTestAccuracy, s.DevOnlyBaselineTestMacroF1)}");
        if (s.MajorityClass is not null)
        {
            o.WriteLine($"    always {s.MajorityClass,-11} {Pair(s.MajorityClassTestAccuracy, s.MajorityClassTestMacroF1)}");
        }

        if (s.FinalVersusDevOnly is { } verdict)
        {
            o.WriteLine($"  against dev-only:    {FinalFigures.DescribeVersusDevOnly(verdict, metric)}");
        }

        if (s.FinalTestPerClass.Count > 0)
        {
            o.WriteLine("  final labels on test, per class (precision / recall / F1, gold rows, predicted rows):");
            foreach (var c in s.FinalTestPerClass)
            {
                o.WriteLine($"    {c.Class,-18} {A(c.Precision)} / {A(c.Recall)} / {A(c.F1)}  {c.Support,6} {c.Predicted,6}");
            }
        }

        if (s.FinalTestPerGroup.Count > 0)
        {
            o.WriteLine($"  worst-group accuracy on test (group {s.WorstGroup} for the final labels):");
            o.WriteLine($"    final              {A(s.FinalTestWorstGroupAccuracy)}");
            o.WriteLine($"    label model        {A(s.LabelModelTestWorstGroupAccuracy)}");
            o.WriteLine($"    end model          {A(s.EndModelTestWorstGroupAccuracy)}");
            o.WriteLine($"    dev-only baseline  {A(s.DevOnlyBaselineTestWorstGroupAccuracy)}");
            o.WriteLine("  test accuracy per group (final / dev-only baseline, rows):");
            foreach (var g in s.FinalTestPerGroup)
            {
                o.WriteLine($"    {g.Group,-18} {A(g.FinalAccuracy)} / {A(g.DevOnlyAccuracy)}  {g.Rows,6}");
            }
        }

        o.WriteLine($"  LLM calls:           {s.LlmCalls}, cost ${s.CostUsd:0.0000}");
        o.WriteLine($"  labels:              {s.LabelsCsv}, {s.LabelsJsonl}");
        o.WriteLine($"  end model:           {s.EndModelFolder}");
        o.WriteLine($"  report:              {s.Report}");
        o.WriteLine($"  time:                {s.Seconds:0.0} s");
        if (s.Warnings.Count > 0)
        {
            Console.Error.WriteLine($"{s.Warnings.Count} warning{(s.Warnings.Count == 1 ? "" : "s")}:");
            foreach (var warning in s.Warnings)
            {
                Console.Error.WriteLine($"  warning: {warning}");
            }
        }
    }
}
