using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;

namespace Alchemist.Bench;

/// <summary>
/// <c>bench/run apply</c>: the spam labeling function over generated comments, compiled natively into this program versus
/// through the runtime (Roslyn, verifier, budget instrumentation) in process and in a worker process, all in one run and
/// on the same texts; then ten programs over a million texts. <c>--memory</c> streams ten programs over ten million
/// generated texts through worker processes and reports the peak resident memory of the main process and of each worker.
/// Single-thread figures are the stable ones on a 2-vCPU machine; all-core figures are printed too.
/// </summary>
internal static class ApplyBenchmark
{
    private static readonly string[] Classes = ["HAM", "SPAM"];

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        var report = options.OfflineSet ? OfflineSet(options) : options.Memory ? Memory(options) : Throughput(options);
        if (options.Json)
        {
            Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static JsonObject Throughput(Options options)
    {
        var texts = ApplyCorpus.Texts(options.Rows, options.Seed);
        var source = InMemoryDataSource.FromTexts("comments", "text", texts);
        var compiler = new ProgramCompiler(ProgramSignature.SingleText("text", Classes));
        var compileStarted = Stopwatch.GetTimestamp();
        var spam = Compile(compiler, "spam", ApplySpam.Source);
        var compileSeconds = Stopwatch.GetElapsedTime(compileStarted).TotalSeconds;
        Say(options, $"apply benchmark: {texts.Length:N0} generated comments, {Environment.ProcessorCount} processors, compile {compileSeconds * 1000:0} ms");

        var native = new sbyte[texts.Length];
        var results = new JsonObject();
        foreach (var threads in options.ThreadCounts)
        {
            // The three are timed in turn within each repeat (best of each), so that drift in the machine's speed over the
            // run (frequency, neighbours) falls on all of them alike.
            using var inProcess = new ApplyEngine(new ApplyOptions { Isolation = IsolationMode.None, Parallelism = threads });
            using var isolated = new ApplyEngine(new ApplyOptions { Isolation = IsolationMode.Process, Parallelism = threads });
            var isolatedFirst = TimeApply(isolated, source, spam, out _);
            NativeApply(texts, native, threads);
            TimeApply(inProcess, source, spam, out _);
            double nativeSeconds = double.MaxValue, inProcessSeconds = double.MaxValue, isolatedSeconds = double.MaxValue;
            sbyte[] inProcessVotes = [], isolatedVotes = [];
            for (var r = 0; r < options.Repeats; r++)
            {
                nativeSeconds = Math.Min(nativeSeconds, NativeApply(texts, native, threads));
                inProcessSeconds = Math.Min(inProcessSeconds, TimeApply(inProcess, source, spam, out inProcessVotes));
                isolatedSeconds = Math.Min(isolatedSeconds, TimeApply(isolated, source, spam, out isolatedVotes));
            }

            var same = native.AsSpan().SequenceEqual(inProcessVotes) && native.AsSpan().SequenceEqual(isolatedVotes);
            var row = new JsonObject
            {
                ["native_rows_per_second"] = Round(texts.Length / nativeSeconds),
                ["in_process_rows_per_second"] = Round(texts.Length / inProcessSeconds),
                ["isolated_rows_per_second"] = Round(texts.Length / isolatedSeconds),
                ["in_process_ratio"] = Round(nativeSeconds / inProcessSeconds, 3),
                ["isolated_ratio"] = Round(nativeSeconds / isolatedSeconds, 3),
                ["isolated_first_run_seconds_with_worker_start"] = Round(isolatedFirst, 3),
                ["votes_identical"] = same,
            };
            if (threads == 1)
            {
                // Where the single-thread gap comes from: the regex timeout alone, then the instrumented program called
                // through its invoker with no engine around it.
                var timeoutSeconds = Best(options.Repeats, () => NativeApply(texts, new sbyte[texts.Length], 1, ApplySpam.WithRegexTimeout.Label));
                using var loaded = spam.Compiled.Load();
                var invoker = loaded.CreateInvoker(spam.Budgets);
                var columns = Alchemist.Programs.Loading.ProgramColumns.FromTexts(texts);
                var direct = new sbyte[texts.Length];
                var invokerSeconds = Best(options.Repeats, () =>
                {
                    var started = Stopwatch.GetTimestamp();
                    invoker.LabelRange(columns, 0, direct, 0);
                    return Stopwatch.GetElapsedTime(started).TotalSeconds;
                });
                row["native_with_regex_timeout_ratio"] = Round(nativeSeconds / timeoutSeconds, 3);
                row["invoker_without_engine_ratio"] = Round(nativeSeconds / invokerSeconds, 3);
                Say(options, string.Create(CultureInfo.InvariantCulture,
                    $"    breakdown: native with the sandbox's regex timeout {nativeSeconds / timeoutSeconds:0.00}x native; instrumented program through its invoker, no engine {nativeSeconds / invokerSeconds:0.00}x native"));
            }

            results[$"threads_{threads}"] = row;
            Say(options, string.Create(CultureInfo.InvariantCulture,
                $"  {threads} thread(s): native {texts.Length / nativeSeconds:N0} rows/s | runtime in process {texts.Length / inProcessSeconds:N0} rows/s ({nativeSeconds / inProcessSeconds:0.00}x native) | isolated {texts.Length / isolatedSeconds:N0} rows/s ({nativeSeconds / isolatedSeconds:0.00}x native; first run with worker start {isolatedFirst:0.00} s) | votes identical: {same}"));
            if (!same)
            {
                throw new InvalidOperationException("the runtime's votes differ from the native function's");
            }
        }

        var ten = TenPrograms(options, compiler);
        return new JsonObject
        {
            ["benchmark"] = "apply",
            ["rows"] = texts.Length,
            ["processors"] = Environment.ProcessorCount,
            ["compile_ms"] = Round(compileSeconds * 1000, 1),
            ["spam"] = results,
            ["ten_programs"] = ten,
            ["targets"] = new JsonObject { ["in_process_ratio"] = 0.9, ["isolated_ratio"] = 0.8 },
        };
    }

    private static JsonObject TenPrograms(Options options, ProgramCompiler compiler)
    {
        var programs = ApplySpam.TenPrograms().Select(p => Compile(compiler, p.Name, p.Source)).ToArray();
        var texts = ApplyCorpus.Texts(options.TenRows, options.Seed + 1);
        var source = InMemoryDataSource.FromTexts("comments-1m", "text", texts);
        var warmup = InMemoryDataSource.FromTexts("warm-up", "text", texts[..Math.Min(texts.Length, 20_000)]);
        var result = new JsonObject { ["rows"] = texts.Length, ["programs"] = programs.Length };
        foreach (var isolation in new[] { IsolationMode.None, IsolationMode.Process })
        {
            using var engine = new ApplyEngine(new ApplyOptions { Isolation = isolation, Parallelism = Environment.ProcessorCount });
            engine.Apply("warm-up", warmup, programs, 2);
            var started = Stopwatch.GetTimestamp();
            var applied = engine.Apply("ten", source, programs, 2);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var name = isolation == IsolationMode.None ? "in_process" : "isolated";
            result[name] = new JsonObject
            {
                ["seconds"] = Round(seconds, 3),
                ["rows_per_second"] = Round(texts.Length / seconds),
                ["program_rows_per_second"] = Round(texts.Length * (double)programs.Length / seconds),
                ["disabled"] = applied.Programs.Count(p => p.Status != ProgramStatus.Ok),
            };
            Say(options, string.Create(CultureInfo.InvariantCulture,
                $"  10 programs x {texts.Length:N0} texts, {Environment.ProcessorCount} workers, {name.Replace('_', ' ')}: {seconds:0.00} s ({texts.Length / seconds:N0} rows/s, {texts.Length * (double)programs.Length / seconds:N0} program-rows/s)"));
        }

        return result;
    }

    /// <summary>
    /// The youtube programs the offline synthesizer writes from the example's valid split (16 of them), over generated
    /// comments: through worker processes as <c>run</c> applies them, in process, and evaluated natively by the rule matcher
    /// that the run's cross-fits use (each text tokenized once, one program per core), all on every core.
    /// </summary>
    private static JsonObject OfflineSet(Options options)
    {
        var example = Path.Combine(AppContext.BaseDirectory, "..", "..", "examples", "youtube-spam");
        var spec = Spec.SpecReader.Load(example);
        var valid = Spec.SpecData.LoadDataset(spec).Valid!;
        var labeled = Enumerable.Range(0, valid.Count).Where(r => valid.Rows.Labels[r] >= 0).ToArray();
        var rules = Pipeline.OfflineRules.Learn(Pipeline.OfflineShape.Of(spec), Pipeline.OfflineInputs.Of(spec, valid).Select(labeled), [.. labeled.Select(r => valid.Rows.Labels[r])]);
        var compiler = new ProgramCompiler(ProjectApply.SignatureFor(spec));
        var programs = rules.Programs.Select(p => Compile(compiler, p.Name, p.Source)).ToArray();
        var texts = ApplyCorpus.Texts(options.OfflineRows, options.Seed + 2);
        var source = InMemoryDataSource.FromTexts("comments", "text", texts);
        var warmup = InMemoryDataSource.FromTexts("warm-up", "text", texts[..Math.Min(texts.Length, 20_000)]);
        Say(options, $"apply, the offline youtube set: {programs.Length} programs x {texts.Length:N0} generated comments, {Environment.ProcessorCount} processors");

        var nativeStarted = Stopwatch.GetTimestamp();
        var native = rules.Votes(new Pipeline.OfflineInputs(texts, [], texts.Length));
        var nativeSeconds = Stopwatch.GetElapsedTime(nativeStarted).TotalSeconds;
        Say(options, string.Create(CultureInfo.InvariantCulture, $"  native (rule matcher, texts tokenized once): {nativeSeconds:0.00} s ({texts.Length / nativeSeconds:N0} rows/s)"));
        var result = new JsonObject
        {
            ["benchmark"] = "apply-offline-set",
            ["rows"] = texts.Length,
            ["programs"] = programs.Length,
            ["processors"] = Environment.ProcessorCount,
            ["native_rows_per_second"] = Round(texts.Length / nativeSeconds),
        };
        foreach (var isolation in new[] { IsolationMode.Process, IsolationMode.None })
        {
            using var engine = new ApplyEngine(new ApplyOptions { Isolation = isolation, Parallelism = Environment.ProcessorCount });
            engine.Apply("warm-up", warmup, programs, 2);
            var started = Stopwatch.GetTimestamp();
            var applied = engine.Apply("offline-set", source, programs, 2);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            for (var j = 0; j < programs.Length; j++)
            {
                if (!applied.Matrix.Column(j).SequenceEqual(native.Column(j)))
                {
                    throw new InvalidOperationException($"{programs[j].Name}: the {isolation} votes differ from the rule matcher's");
                }
            }

            var name = isolation == IsolationMode.None ? "in_process" : "isolated";
            result[name] = new JsonObject { ["seconds"] = Round(seconds, 3), ["rows_per_second"] = Round(texts.Length / seconds), ["ratio_to_native"] = Round(nativeSeconds / seconds, 3) };
            Say(options, string.Create(CultureInfo.InvariantCulture,
                $"  {name.Replace('_', ' ')}: {seconds:0.00} s ({texts.Length / seconds:N0} rows/s, {texts.Length * (double)programs.Length / seconds:N0} program-rows/s), {nativeSeconds / seconds:0.00} x native"));
        }

        return result;
    }

    private static JsonObject Memory(Options options)
    {
        var compiler = new ProgramCompiler(ProgramSignature.SingleText("text", Classes));
        var programs = ApplySpam.TenPrograms().Select(p => Compile(compiler, p.Name, p.Source)).ToArray();
        var source = new ApplyCorpus(options.MemoryRows, options.Seed);
        using var engine = new ApplyEngine(new ApplyOptions { Isolation = options.Isolation, Parallelism = Environment.ProcessorCount });
        var started = Stopwatch.GetTimestamp();
        var lastReport = started;
        var progress = new Inline<ApplyProgress>(p =>
        {
            if (Stopwatch.GetElapsedTime(lastReport).TotalSeconds >= 10)
            {
                lastReport = Stopwatch.GetTimestamp();
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ... {p.Rows:N0} rows, main VmRSS {MiB(ProcStatus("VmRSS:")):0} MiB"));
            }
        });
        var result = engine.Apply("ten-million", source, programs, 2, progress);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var workers = engine.WorkerPeakResidentBytes();
        var main = ProcStatus("VmHWM:");
        var votes = result.Programs.Sum(p => (long)p.Votes);
        Say(options, string.Create(CultureInfo.InvariantCulture,
            $"apply memory: 10 programs x {result.Matrix.Rows:N0} generated texts, isolation {options.Isolation.ToString().ToLowerInvariant()}, {seconds:0.0} s ({result.Matrix.Rows / seconds:N0} rows/s), {votes:N0} votes"));
        Say(options, string.Create(CultureInfo.InvariantCulture,
            $"  peak resident memory (VmHWM): main {MiB(main):0} MiB; workers {string.Join(", ", workers.Select(w => $"{MiB(w):0} MiB"))}; target < 1024 MiB each"));
        return new JsonObject
        {
            ["benchmark"] = "apply-memory",
            ["rows"] = result.Matrix.Rows,
            ["programs"] = programs.Length,
            ["isolation"] = options.Isolation.ToString().ToLowerInvariant(),
            ["seconds"] = Round(seconds, 2),
            ["rows_per_second"] = Round(result.Matrix.Rows / seconds),
            ["votes"] = votes,
            ["main_peak_mib"] = Round(MiB(main), 1),
            ["worker_peak_mib"] = new JsonArray([.. workers.Select(w => (JsonNode)Round(MiB(w), 1))]),
            ["target_mib"] = 1024,
        };
    }

    /// <summary>Compiles as <c>alchemist apply</c> does: the program's code stays loaded for the whole process.</summary>
    private static SandboxedProgram Compile(ProgramCompiler compiler, string name, string source)
    {
        var compiled = compiler.Compile(source, name);
        return new SandboxedProgram(compiled.Program ?? throw new InvalidOperationException($"{name} did not compile: {compiled.FeedbackForLlm()}"), unloadable: false);
    }

    private static double NativeApply(string[] texts, sbyte[] votes, int threads) => NativeApply(texts, votes, threads, ApplySpam.Label);

    private static double NativeApply(string[] texts, sbyte[] votes, int threads, Func<string, int> label)
    {
        var started = Stopwatch.GetTimestamp();
        if (threads == 1)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                votes[i] = (sbyte)label(texts[i]);
            }
        }
        else
        {
            const int chunk = 4096;
            Parallel.For(0, (texts.Length + chunk - 1) / chunk, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
            {
                var end = Math.Min(texts.Length, (c + 1) * chunk);
                for (var i = c * chunk; i < end; i++)
                {
                    votes[i] = (sbyte)label(texts[i]);
                }
            });
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static double TimeApply(ApplyEngine engine, InMemoryDataSource source, IApplyProgram program, out sbyte[] votes)
    {
        var started = Stopwatch.GetTimestamp();
        var result = engine.Apply("bench", source, [program], 2);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (result.Programs.Any(p => p.Status != ProgramStatus.Ok || p.Errors + p.BudgetExceeded > 0))
        {
            throw new InvalidOperationException($"a benchmark program failed: {string.Join("; ", result.Programs.Select(p => p.Reason ?? p.FirstFault))}");
        }

        votes = result.Matrix.Column(0).ToArray();
        return seconds;
    }

    private static double Best(int repeats, Func<double> run)
    {
        run();
        var best = double.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            best = Math.Min(best, run());
        }

        return best;
    }

    private static long ProcStatus(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(new string([.. line.Where(char.IsDigit)]), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static double MiB(long bytes) => bytes / (1024.0 * 1024.0);

    private static double Round(double value, int digits = 0) => Math.Round(value, digits);

    private static void Say(Options options, string line)
    {
        if (options.Json)
        {
            Console.Error.WriteLine(line);
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed record Options
    {
        public int Rows { get; init; } = 200_000;

        public int TenRows { get; init; } = 1_000_000;

        public long MemoryRows { get; init; } = 10_000_000;

        public bool Memory { get; init; }

        public bool OfflineSet { get; init; }

        public int OfflineRows { get; init; } = 1_000_000;

        public IsolationMode Isolation { get; init; } = IsolationMode.Process;

        public int Repeats { get; init; } = 20;

        public int Seed { get; init; } = 7;

        public bool Json { get; init; }

        public int[] ThreadCounts { get; init; } = Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                options = args[i] switch
                {
                    "--rows" => options with { Rows = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--ten-rows" => options with { TenRows = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--memory" => options with { Memory = true },
                    "--offline-set" => options with { OfflineSet = true },
                    "--offline-rows" => options with { OfflineRows = int.Parse(Value(), CultureInfo.InvariantCulture), OfflineSet = true },
                    "--memory-rows" => options with { MemoryRows = long.Parse(Value(), CultureInfo.InvariantCulture), Memory = true },
                    "--isolation" => options with { Isolation = ProjectApply.ParseIsolation(Value()) ?? throw new ArgumentException("--isolation is process or none") },
                    "--repeats" => options with { Repeats = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--seed" => options with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--threads" => options with { ThreadCounts = [.. Value().Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))] },
                    "--json" => options with { Json = true },
                    _ => throw new ArgumentException($"unknown option {args[i]}; apply takes --rows N --ten-rows N --offline-set [--offline-rows N] --memory [--memory-rows N] [--isolation process|none] --repeats N --threads 1,2 --seed S --json"),
                };
            }

            return options;
        }
    }
}
