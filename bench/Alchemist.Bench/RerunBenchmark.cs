using System.Diagnostics;
using System.Globalization;
using Alchemist.Pipeline;

namespace Alchemist.Bench;

/// <summary>
/// `run` after one edited program, as a person correcting a program meets it: the bundled example is copied to a temp folder
/// and run (the first, full run: offline synthesis, every program compiled and applied, every model trained), one line of
/// one program is edited, and the project is run again. Each run is a fresh process, as `alchemist run` is (JIT, Roslyn and
/// ML.NET start cold every time). The baseline is the first full run measured in the same repeat; the target (issue 16) is a
/// rerun of at most 3 s. Prints each repeat, then the min and median of the rerun's seconds and of its ratio to the first run.
/// </summary>
internal static class RerunBenchmark
{
    private const double TargetSeconds = 3.0;

    public static int Run(string[] args)
    {
        var repeats = 3;
        var verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--repeats" when i + 1 < args.Length:
                    repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]} (rerun [--repeats N] [--verbose])");
            }
        }

        var reruns = new List<(double First, double Rerun)>();
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            var project = Path.Combine(Path.GetTempPath(), $"alchemist-bench-rerun-{Environment.ProcessId}-{repeat}");
            try
            {
                PredictBenchmark.CopyExample(project);
                var (first, _) = Child(project);
                var edited = EditOneProgram(project);
                var (rerun, log) = Child(project);
                reruns.Add((first, rerun));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"repeat {repeat}: first run {first:0.00} s, rerun after editing {edited} {rerun:0.00} s (ratio {rerun / first:0.000})"));
                if (verbose)
                {
                    Console.WriteLine(log);
                }
            }
            finally
            {
                if (Directory.Exists(project))
                {
                    Directory.Delete(project, recursive: true);
                }
            }
        }

        var seconds = reruns.Select(r => r.Rerun).Order().ToList();
        var ratios = reruns.Select(r => r.Rerun / r.First).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rerun after one edited program: min {seconds[0]:0.00} s, median {Median(seconds):0.00} s; ratio to the first run: min {ratios[0]:0.000}, median {Median(ratios):0.000}; " +
            $"target {TargetSeconds:0.0} s: {(Median(seconds) <= TargetSeconds ? "met" : "not met")} ({Environment.ProcessorCount} processors)"));
        return 0;
    }

    /// <summary>The child's side: runs the project and prints the run's log (each stage's start time).</summary>
    public static int RunChild(string[] args)
    {
        var log = new StringWriter(CultureInfo.InvariantCulture);
        new RunPipeline(log).RunAsync(args[0]).GetAwaiter().GetResult();
        Console.Write(log);
        return 0;
    }

    /// <summary>Adds one keyword to the first program that lists keywords (the example's spam-keywords), or a comment line to the first program: either way its source, and so its column key, changes.</summary>
    private static string EditOneProgram(string project)
    {
        var programs = Directory.GetFiles(Path.Combine(project, "programs"), "*.cs").Order(StringComparer.Ordinal).ToList();
        var target = programs.FirstOrDefault(p => Path.GetFileName(p) == "spam-keywords.cs") ?? programs[0];
        var lines = File.ReadAllLines(target).ToList();
        var caseLine = lines.FindIndex(l => l.TrimStart().StartsWith("case \"", StringComparison.Ordinal));
        if (caseLine >= 0)
        {
            lines.Insert(caseLine, lines[caseLine][..lines[caseLine].IndexOf('c', StringComparison.Ordinal)] + "case \"subscribe\":");
        }
        else
        {
            lines.Add("// edited by the rerun benchmark");
        }

        File.WriteAllLines(target, lines);
        return Path.GetFileName(target);
    }

    /// <summary>Seconds from starting the child process to its exit (runtime start included, as for `alchemist run`), and its log.</summary>
    private static (double Seconds, string Log) Child(string project)
    {
        var start = BenchChild.StartInfo("rerun-child", project);

        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        var log = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the run failed ({child.ExitCode}): {log}");
        }

        return (seconds, log);
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
