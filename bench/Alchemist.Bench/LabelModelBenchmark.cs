using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alchemist.Evaluation;
using Alchemist.LabelModels;

namespace Alchemist.Bench;

/// <summary>
/// Fits every label model on a synthetic conditionally independent label matrix (fixed seed) and reports fit time, peak
/// memory, label accuracy and how well each model recovers the programs' accuracies. Each model runs in its own child
/// process, so that its peak resident memory is its own: the child draws the matrix, resets the kernel's peak counter
/// (/proc/self/clear_refs), fits, and reports VmHWM minus the resident size just before the fit.
/// </summary>
internal static class LabelModelBenchmark
{
    // Snorkel 0.10 LabelModel on the same kind of 1,000,000 x 50 matrix, on this 2-core machine (../shared/datasets/README.md).
    private const double SnorkelSeconds1M50 = 7.0;
    private const double SnorkelGiB1M50 = 2.4;

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        return options.Child is not null ? RunChild(options) : RunParent(options);
    }

    private static int RunParent(Options options)
    {
        var results = new List<JsonObject>();
        foreach (var model in options.Models)
        {
            foreach (var threads in options.ThreadCounts)
            {
                results.Add(RunInChild(options, model, threads));
            }
        }

        var mvSeconds = results.Where(r => (string)r["model"]! == "mv").Select(r => (double)r["fit_seconds"]!).DefaultIfEmpty(double.NaN).Min();
        foreach (var result in results)
        {
            var seconds = (double)result["fit_seconds"]!;
            result["ratio_vs_mv_time"] = Round(seconds / mvSeconds);
            if (options.Rows == 1_000_000 && options.Programs == 50 && options.Classes == 2)
            {
                result["speedup_vs_snorkel"] = Round(SnorkelSeconds1M50 / seconds);
                result["memory_ratio_vs_snorkel"] = Round((double)result["peak_increase_gib"]! / SnorkelGiB1M50);
            }
        }

        if (options.Json)
        {
            var root = new JsonObject
            {
                ["benchmark"] = "labelmodel",
                ["rows"] = options.Rows,
                ["lfs"] = options.Programs,
                ["classes"] = options.Classes,
                ["seed"] = options.Seed,
                ["processors"] = Environment.ProcessorCount,
                ["load_average"] = LoadAverage(),
                ["snorkel_reference"] = options.Rows == 1_000_000 && options.Programs == 50
                    ? $"{SnorkelSeconds1M50} s, {SnorkelGiB1M50} GiB (Snorkel 0.10, published in ../shared/datasets/README.md)"
                    : null,
                ["models"] = new JsonArray(results.Select(r => (JsonNode)r).ToArray()),
            };
            Console.WriteLine(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        Console.WriteLine($"label models on a synthetic {options.Rows:N0} x {options.Programs} matrix, {options.Classes} classes, seed {options.Seed}");
        Console.WriteLine("programs: accuracy uniform 0.6-0.9, coverage uniform 0.1-0.5, conditionally independent, balanced classes");
        Console.WriteLine($"{Environment.ProcessorCount} logical processors, load average {LoadAverage()} at start; fit s is wall-clock, fit cpu s is process CPU time during the fit");
        Console.WriteLine("peak = process VmHWM minus VmRSS just before the fit, each model in a fresh child process; alloc = managed bytes allocated by the fit");
        Console.WriteLine();
        Console.WriteLine($"{"model",-8} {"threads",7} {"fit s",8} {"fit cpu s",9} {"predict s",9} {"peak MiB",9} {"alloc MiB",9} {"label acc",9} {"acc MAE",8} {"x mv time",9} {"x faster than Snorkel",21}");
        foreach (var r in results)
        {
            var snorkel = r["speedup_vs_snorkel"] is null ? "-" : $"{(double)r["speedup_vs_snorkel"]!:0.0}x";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(string)r["model"]!,-8} {(int)r["threads"]!,7} {(double)r["fit_seconds"]!,8:0.000} {(double)r["fit_cpu_seconds"]!,9:0.000} {(double)r["predict_seconds"]!,9:0.000} {(double)r["peak_increase_mib"]!,9:0.0} {(double)r["allocated_mib"]!,9:0.0} {(double)r["label_accuracy"]!,9:0.0000} {(double)r["accuracy_mae"]!,8:0.0000} {(double)r["ratio_vs_mv_time"]!,9:0.00} {snorkel,21}"));
        }

        Console.WriteLine();
        Console.WriteLine($"baselines: majority vote's fit time in this run; Snorkel LabelModel {SnorkelSeconds1M50} s and {SnorkelGiB1M50} GiB for 1,000,000 x 50 (its faster, smaller end of 7.0-7.5 s), as measured on the project's 2-core machine (../shared/datasets/README.md); when this run's load average is high, fit cpu s is the fairer figure");
        return 0;
    }

    private static JsonObject RunInChild(Options options, string model, int threads)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LabelModelBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "labelmodel", "--rows", options.Rows.ToString(CultureInfo.InvariantCulture), "--lfs", options.Programs.ToString(CultureInfo.InvariantCulture),
                     "--classes", options.Classes.ToString(CultureInfo.InvariantCulture), "--seed", options.Seed.ToString(CultureInfo.InvariantCulture),
                     "--threads", threads.ToString(CultureInfo.InvariantCulture), "--child", model })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"benchmark child for '{model}' failed with exit code {process.ExitCode}: {errors}");
        }

        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }

    private static int RunChild(Options options)
    {
        var data = SyntheticVotes.Generate(options.Rows, options.Programs, options.Classes, options.Seed);
        var truth = data.EmpiricalAccuracies();
        var model = LabelModelCatalog.Create(options.Child!, options.Threads);

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var peakReset = ResetPeak();
        var before = ReadStatusKiB("VmRSS");
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        model.Fit(data.Votes, ClassBalance.Estimated);
        var fitSeconds = watch.Elapsed.TotalSeconds;
        var fitCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var peak = ReadStatusKiB("VmHWM");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        watch.Restart();
        var probabilities = new float[data.Votes.Rows * data.Votes.Classes];
        model.PredictProbabilities(data.Votes, probabilities);
        var predictSeconds = watch.Elapsed.TotalSeconds;
        var labels = ClassificationMetrics.ArgMax(probabilities, data.Votes.Classes);
        var accuracy = ClassificationMetrics.Compute(data.Gold, labels, data.Votes.Classes).Accuracy;
        var errors = truth.Zip(model.EstimatedAccuracies).Where(p => !double.IsNaN(p.Second)).Select(p => Math.Abs(p.First - p.Second)).ToList();

        var increaseKiB = peakReset ? Math.Max(0, peak - before) : double.NaN;
        var result = new JsonObject
        {
            ["model"] = model.Name,
            ["threads"] = options.Threads,
            ["fit_seconds"] = Round(fitSeconds),
            ["fit_cpu_seconds"] = Round(fitCpuSeconds),
            ["predict_seconds"] = Round(predictSeconds),
            ["peak_increase_mib"] = Round(increaseKiB / 1024),
            ["peak_increase_gib"] = Round(increaseKiB / (1024 * 1024)),
            ["peak_rss_mib"] = Round(peak / 1024),
            ["rss_before_fit_mib"] = Round(before / 1024),
            ["allocated_mib"] = Round(allocated / (1024.0 * 1024)),
            ["label_accuracy"] = Round(accuracy),
            ["accuracy_mae"] = Round(errors.Count == 0 ? double.NaN : errors.Average()),
            ["notes"] = new JsonArray(model.Notes.Select(n => (JsonNode)n).ToArray()),
        };
        Console.WriteLine(result.ToJsonString());
        return 0;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Writes 5 to /proc/self/clear_refs, which resets VmHWM to the current resident size (Linux 4.0+).</summary>
    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"cannot reset the peak resident size ({error.Message}); peak memory is not reported");
            return false;
        }
    }

    private static double ReadStatusKiB(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return double.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 4) : -1;

    private sealed record Options(int Rows, int Programs, int Classes, int Seed, bool Json, IReadOnlyList<string> Models, IReadOnlyList<int> ThreadCounts, string? Child, int Threads)
    {
        public static Options Parse(string[] args)
        {
            int rows = 1_000_000, programs = 50, classes = 2, seed = 20260101, threads = -1;
            var json = false;
            string? child = null;
            IReadOnlyList<string> models = LabelModelCatalog.Names;
            IReadOnlyList<int>? threadCounts = null;
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Number(string name)
                {
                    var text = Value();
                    return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                        ? n
                        : throw new ArgumentException($"{name} must be a positive integer, not '{text}'");
                }

                switch (args[i])
                {
                    case "--rows": rows = Number("--rows"); break;
                    case "--lfs": programs = Number("--lfs"); break;
                    case "--classes": classes = Number("--classes"); break;
                    case "--seed": seed = Number("--seed"); break;
                    case "--threads": threads = Number("--threads"); threadCounts = [threads]; break;
                    case "--json": json = true; break;
                    case "--child": child = Value(); break;
                    case "--models":
                        models = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        foreach (var name in models)
                        {
                            if (!LabelModelCatalog.Names.Contains(name))
                            {
                                throw new ArgumentException($"unknown model '{name}'; known: {string.Join(", ", LabelModelCatalog.Names)}");
                            }
                        }

                        break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'");
                }
            }

            if (classes is < 2 or > 127)
            {
                throw new ArgumentException("--classes must be between 2 and 127");
            }

            // By default each model is timed on one thread (this machine's 2 vCPUs behave like about one core) and on all.
            threadCounts ??= Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
            return new Options(rows, programs, classes, seed, json, models, threadCounts, child, threads);
        }
    }
}
