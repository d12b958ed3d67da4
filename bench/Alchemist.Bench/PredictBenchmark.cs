using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alchemist.Data;
using Alchemist.Pipeline;
using Alchemist.Spec;

namespace Alchemist.Bench;

/// <summary>
/// `predict` at scale: trains the bundled example's end model once, writes files of 1M and 10M generated comments (JSONL,
/// the example's train comments in turn with their own ids), and labels each in a child process that reports its peak
/// resident memory. The baseline, measured in the same run on the smallest file, reads the whole file into one batch first
/// and labels it at once, as `predict` did before it streamed. Targets: at least 200,000 rows/s and under 300 MB at every size.
/// </summary>
internal static class PredictBenchmark
{
    private const double TargetRowsPerSecond = 200_000;
    private const double TargetPeakMegabytes = 300;

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        var root = Path.Combine(Path.GetTempPath(), "alchemist-bench-predict-" + Environment.ProcessId);
        try
        {
            var project = Path.Combine(root, "project");
            CopyExample(project);
            var trainSeconds = Time(() => new RunPipeline(TextWriter.Null).RunAsync(project).GetAwaiter().GetResult());
            var spec = SpecReader.Load(project);
            var comments = Predictor.OpenRows(spec, spec.ResolvePath(spec.Data.Train!), "wrench").ReadAll().Text("text");
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predict benchmark: example trained in {trainSeconds:0.0} s; {Environment.ProcessorCount} processors"));

            var report = new JsonObject { ["processors"] = Environment.ProcessorCount, ["sizes"] = new JsonArray() };
            var results = new List<(long Rows, double RowsPerSecond, double PeakMegabytes)>();
            foreach (var rows in options.Rows)
            {
                var input = Path.Combine(root, $"rows-{rows}.jsonl");
                var writeSeconds = Time(() => WriteRows(input, comments, rows));
                var output = Path.Combine(root, "labels.jsonl");
                var streamed = Child(project, input, output, "stream");
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"  {rows,12:N0} rows ({new FileInfo(input).Length / 1e6:0} MB, written in {writeSeconds:0.0} s): streaming {rows / streamed.Seconds:N0} rows/s, peak {streamed.PeakMegabytes:0} MB");
                var size = new JsonObject
                {
                    ["rows"] = rows,
                    ["rows_per_second"] = Math.Round(rows / streamed.Seconds),
                    ["peak_mb"] = Math.Round(streamed.PeakMegabytes),
                };
                if (rows == options.Rows[0])
                {
                    var whole = Child(project, input, output, "whole");
                    line += string.Create(CultureInfo.InvariantCulture,
                        $" | baseline (whole file at once) {rows / whole.Seconds:N0} rows/s, peak {whole.PeakMegabytes:0} MB | speed {whole.Seconds / streamed.Seconds:0.00}x, memory {streamed.PeakMegabytes / whole.PeakMegabytes:0.00}x the baseline");
                    size["baseline_rows_per_second"] = Math.Round(rows / whole.Seconds);
                    size["baseline_peak_mb"] = Math.Round(whole.PeakMegabytes);
                }

                Console.WriteLine(line);
                ((JsonArray)report["sizes"]!).Add(size);
                results.Add((rows, rows / streamed.Seconds, streamed.PeakMegabytes));
                File.Delete(input);
            }

            var met = results.All(r => r.RowsPerSecond >= TargetRowsPerSecond && r.PeakMegabytes < TargetPeakMegabytes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  targets (>= {TargetRowsPerSecond:N0} rows/s and < {TargetPeakMegabytes:0} MB at every size): {(met ? "met" : "NOT met")}"));
            if (options.Json)
            {
                report["targets_met"] = met;
                Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>
    /// The child's side: labels <paramref name="input"/> into <paramref name="output"/> and prints its seconds and peak resident
    /// memory (VmHWM). "stream" is `predict`'s path; "whole" reads every row into one batch and labels it in one call.
    /// </summary>
    public static int RunChild(string[] args)
    {
        var (project, input, output, mode) = (args[0], args[1], args[2], args[3]);
        var spec = SpecReader.Load(project);
        var predictor = Predictor.Open(spec);
        var source = Predictor.OpenRows(spec, input);
        var seconds = Time(() =>
        {
            using var stream = File.Create(output);
            if (mode == "stream")
            {
                predictor.Write(source, stream, LabelFileFormat.Jsonl);
                return;
            }

            var all = source.ReadAll();
            predictor.Write(new OneBatch(source, all), stream, LabelFileFormat.Jsonl);
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds} {PeakResidentBytes() / 1e6}"));
        return 0;
    }

    private static (double Seconds, double PeakMegabytes) Child(string project, string input, string output, string mode)
    {
        var start = BenchChild.StartInfo("predict-child", project, input, output, mode);

        using var child = Process.Start(start)!;
        var reply = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the predict child failed ({child.ExitCode}): {reply}");
        }

        var parts = reply.Trim().Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static void WriteRows(string path, string[] comments, long rows)
    {
        using var stream = new BufferedStream(File.Create(path), 1 << 20);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true });
        for (long r = 0; r < rows; r++)
        {
            json.WriteStartObject();
            json.WriteString("id", r.ToString(CultureInfo.InvariantCulture));
            json.WriteString("text", comments[r % comments.Length]);
            json.WriteEndObject();
            json.Flush();
            json.Reset();
            stream.WriteByte((byte)'\n');
        }
    }

    internal static void CopyExample(string project)
    {
        var example = Path.Combine(AppContext.BaseDirectory, "..", "..", "examples", "youtube-spam");
        if (!File.Exists(Path.Combine(example, TaskSpec.FileName)))
        {
            throw new ArgumentException($"the bundled example is not at {Path.GetFullPath(example)}");
        }

        foreach (var file in new[] { TaskSpec.FileName, "data/label.json", "data/train.json", "data/valid.json", "data/test.json" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(project, file))!);
            File.Copy(Path.Combine(example, file), Path.Combine(project, file));
        }
    }

    internal static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Rows already read, handed to <see cref="Predictor.Write"/> as a source of one batch.</summary>
    private sealed class OneBatch(IDataSource file, DataBatch rows) : IDataSource
    {
        public string Path => file.Path;

        public string Format => file.Format;

        public IReadOnlyList<string>? ClassNames => file.ClassNames;

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize) => [rows];

        public string ContentHash() => file.ContentHash();
    }

    private sealed record Options(long[] Rows, bool Json)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options([1_000_000, 10_000_000], false);
            for (var i = 0; i < args.Length; i++)
            {
                options = args[i] switch
                {
                    "--rows" => options with { Rows = [.. args[++i].Split(',').Select(r => long.Parse(r, CultureInfo.InvariantCulture))] },
                    "--json" => options with { Json = true },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }

            return options;
        }
    }
}
