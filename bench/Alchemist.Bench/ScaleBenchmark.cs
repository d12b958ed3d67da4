using System.Diagnostics;
using System.Globalization;
using Alchemist.Pipeline;
using Alchemist.Tests;

namespace Alchemist.Bench;

/// <summary>
/// `run` at scale (issue 14): the bundled example's spec over a generated train file of N rows (the example's train
/// comments repeated, as JSON lines), with its valid and test splits as they are, so the offline synthesizer writes the
/// youtube programs from valid's 120 rows. Each size is a fresh project and a fresh process (`alchemist run` as a user
/// starts it), measured from the outside: wall seconds, the apply step's seconds (the baseline: the issue asks the whole run
/// to take at most twice its apply), rows/s, and the process's peak resident memory (VmHWM; the sandbox's workers are
/// separate processes with their own caps, reported by the apply).
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args)
    {
        long[] sizes = [1_000_000, 10_000_000];
        var work = Path.GetTempPath();
        var keep = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows" when i + 1 < args.Length:
                    sizes = [.. args[++i].Split(',').Select(r => long.Parse(r, CultureInfo.InvariantCulture))];
                    break;
                case "--work" when i + 1 < args.Length:
                    work = args[++i];
                    break;
                case "--keep":
                    keep = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]} (scale [--rows 1000000,10000000] [--work DIR] [--keep])");
            }
        }

        var results = new List<(long Rows, double Peak)>();
        foreach (var rows in sizes)
        {
            var project = Path.Combine(work, $"alchemist-bench-scale-{rows}");
            try
            {
                MakeProject(project, rows);
                var child = Child(project);
                results.Add((rows, child.PeakMegabytes));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{rows:N0} rows: run {child.Seconds:0.0} s ({rows / child.Seconds:N0} rows/s), apply {child.ApplySeconds:0.0} s, run/apply {child.Seconds / child.ApplySeconds:0.00} (target <= 2), " +
                    $"peak {child.PeakMegabytes:N0} MB (target < 2,048 MiB = {2048 * 1.048576:N0} MB)"));
            }
            finally
            {
                if (!keep && Directory.Exists(project))
                {
                    Directory.Delete(project, recursive: true);
                }
            }
        }

        if (results.Count >= 2)
        {
            var (smallRows, smallPeak) = results[0];
            var (largeRows, largePeak) = results[^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"peak at {largeRows:N0} rows / peak at {smallRows:N0} rows: {largePeak / smallPeak:0.000} (target <= 1.20); {Environment.ProcessorCount} processors"));
        }

        return 0;
    }

    /// <summary>The child's side: runs the project and prints its seconds, the apply's seconds and its peak resident memory.</summary>
    public static int RunChild(string[] args)
    {
        var clock = Stopwatch.StartNew();
        var pipeline = new RunPipeline(new MemoryNotes(Console.Error));
        pipeline.RunAsync(args[0]).GetAwaiter().GetResult();
        var apply = pipeline.Artifacts?.Apply.Elapsed.TotalSeconds ?? double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds} {apply} {PredictBenchmark.PeakResidentBytes() / 1e6}"));
        return 0;
    }

    /// <summary>The example's spec and valid/test splits as JSON lines, and a train file of <paramref name="rows"/> of its train comments.</summary>
    private static void MakeProject(string project, long rows)
    {
        if (Directory.Exists(project))
        {
            Directory.Delete(project, recursive: true);
        }

        ScaleProject.Make(project, rows, Path.Combine(AppContext.BaseDirectory, "..", "..", "examples", "youtube-spam", "data"));
    }

    private static (double Seconds, double ApplySeconds, double PeakMegabytes) Child(string project)
    {
        var start = BenchChild.StartInfo("scale-child", project);

        using var child = Process.Start(start)!;
        var reply = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the run failed ({child.ExitCode}): {reply}");
        }

        var parts = reply.Trim().Split('\n')[^1].Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>The run's log with the process's resident and peak memory after each line, to see which stage the peak belongs to.</summary>
    private sealed class MemoryNotes(TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void WriteLine(string? value)
        {
            var status = File.ReadAllLines("/proc/self/status");
            string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "?";
            inner.WriteLine($"{value}    [rss {Field("VmRSS:")} kB, peak {Field("VmHWM:")} kB]");
        }
    }
}
