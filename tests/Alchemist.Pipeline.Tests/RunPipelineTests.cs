using System.Diagnostics;
using Alchemist.Evaluation;
using Alchemist.Pipeline;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The whole pipeline on the bundled example, once per test class: offline synthesis from valid, sandboxed apply, label
/// model, end model, final labels, outputs and report. Test gold is only read to check the acceptance figures.
/// </summary>
public sealed class RunPipelineTests(RunPipelineTests.YoutubeRun run) : IClassFixture<RunPipelineTests.YoutubeRun>
{
    public sealed class YoutubeRun : IAsyncLifetime
    {
        public string Directory { get; } = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-run-" + Guid.NewGuid().ToString("N")));

        public StringWriter Log { get; } = new();

        public RunSummary Summary { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Summary = await new RunPipeline(Log).RunAsync(Directory);

        public ValueTask DisposeAsync()
        {
            System.IO.Directory.Delete(Directory, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void Offline_synthesis_on_youtube_reaches_the_acceptance_bar()
    {
        var s = run.Summary;
        Assert.Equal("offline synthesizer", s.Synthesizer);
        Assert.InRange(s.Programs, 4, 20);
        Assert.True(s.FinalTestAccuracy >= 0.92, $"final test accuracy {s.FinalTestAccuracy}\n{run.Log}");
        Assert.NotNull(s.DevOnlyBaselineTestAccuracy);
        Assert.Equal(0, s.LlmCalls);
        Assert.Equal(0m, s.CostUsd);
    }

    [Fact]
    public void Labels_name_every_row_with_probabilities_and_votes()
    {
        var lines = File.ReadAllLines(Path.Combine(run.Directory, run.Summary.LabelsCsv));
        Assert.Equal("split,id,label,p_HAM,p_SPAM,votes", lines[0]);
        Assert.Equal(1586 + 120 + 250, lines.Length - 1);
        var jsonl = File.ReadAllLines(Path.Combine(run.Directory, run.Summary.LabelsJsonl));
        Assert.Equal(lines.Length - 1, jsonl.Length);
        using var first = System.Text.Json.JsonDocument.Parse(jsonl[0]);
        var probabilities = first.RootElement.GetProperty("probabilities");
        Assert.Equal(1.0, probabilities.GetProperty("HAM").GetDouble() + probabilities.GetProperty("SPAM").GetDouble(), 3);
        Assert.Contains(jsonl, line => line.Contains("\"votes\":{\"", StringComparison.Ordinal));
    }

    [Fact]
    public void The_report_and_the_summary_say_why_the_final_source_was_chosen_and_agree()
    {
        var html = File.ReadAllText(Path.Combine(run.Directory, run.Summary.Report));
        var margin = System.Text.RegularExpressions.Regex.Match(html, "<p id=\"choice-margin\">([^<]*)</p>").Groups[1].Value;
        var defaultName = FinalChoice.NameOf(FinalChoice.DefaultWeight);
        Assert.NotNull(run.Summary.BestOnValid);
        Assert.Equal("accuracy", run.Summary.Metric);
        if (run.Summary.LeadOverDefault is null)
        {
            Assert.Equal(defaultName, run.Summary.FinalSource);
            Assert.Equal(defaultName, run.Summary.BestOnValid);
            Assert.Equal($"Ranked by valid accuracy: the default, {defaultName}, is also the best on valid.", margin);
        }
        else
        {
            Assert.NotEqual(defaultName, run.Summary.BestOnValid);
            Assert.Contains(run.Summary.BestOnValid, margin, StringComparison.Ordinal);
            var chosen = run.Summary.FinalSource != defaultName;
            Assert.Equal(chosen, run.Summary.LeadOverDefault > PairedLead.RequiredStandardErrors * run.Summary.LeadStandardError);
            Assert.EndsWith(chosen ? "more than 2 standard errors." : "so the default was kept.", margin, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Accuracy_never_stands_alone_macro_f1_per_class_the_majority_rate_and_a_verdict_that_names_a_tie()
    {
        var s = run.Summary;
        var gold = Data.Dataset.LoadWrench(Path.Combine(run.Directory, "data")).Test!.Rows.Labels;
        var majority = s.MajorityClass == "HAM" ? 0 : 1;
        Assert.Equal(Math.Round(gold.Count(g => g == majority) / (double)gold.Length, 4), s.MajorityClassTestAccuracy);
        Assert.Equal([gold.Count(g => g == 0), gold.Count(g => g == 1)], s.FinalTestPerClass.Select(c => (int)c.Support));
        Assert.Equal(gold.Length, s.FinalTestPerClass.Sum(c => c.Predicted));
        Assert.Equal(s.FinalTestMacroF1!.Value, s.FinalTestPerClass.Average(c => c.F1), 3);
        Assert.True(s.FinalTestAccuracy > s.MajorityClassTestAccuracy);
        Assert.Empty(s.Warnings);
        Assert.NotNull(s.FinalVersusDevOnly);

        var html = File.ReadAllText(Path.Combine(run.Directory, s.Report));
        Assert.DoesNotContain("at least as accurate", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"warnings\"", html, StringComparison.Ordinal);
        var verdict = System.Text.RegularExpressions.Regex.Match(html, "<p class=\"verdict (\\w+)\" id=\"verdict\">The final labels are ([^:]*):").Groups;
        Assert.Equal(s.FinalVersusDevOnly switch { "ahead" => "good", "behind" => "bad", _ => "tie" }, verdict[1].Value);
        Assert.Equal(FinalFigures.DescribeVersusDevOnly(s.FinalVersusDevOnly!, "accuracy"), verdict[2].Value);
    }

    [Fact]
    public async Task A_rerun_with_nothing_changed_reuses_the_results()
    {
        var again = await new RunPipeline(TextWriter.Null).RunAsync(run.Directory, TestContext.Current.CancellationToken);
        Assert.True(again.Reused);
        Assert.Equal(run.Summary.FinalTestAccuracy, again.FinalTestAccuracy);
    }

    [Fact]
    public void Predict_labels_a_file_with_the_saved_end_model()
    {
        var output = Path.Combine(run.Directory, "predicted.jsonl");
        var predictor = Predictor.Open(SpecReader.Load(run.Directory));
        using (var stream = File.Create(output))
        {
            Assert.Equal(250, predictor.Write(Predictor.OpenRows(predictor.Spec, Path.Combine(run.Directory, "data", "test.json")), stream, LabelFileFormat.Jsonl, cancellation: TestContext.Current.CancellationToken));
        }

        var lines = File.ReadAllLines(output);
        Assert.Equal(250, lines.Length);
        Assert.All(lines, l => Assert.Matches("\"label\":\"(HAM|SPAM)\"", l));
    }

    [Fact]
    public void Predict_with_the_final_rule_labels_the_test_split_exactly_as_the_run_did()
    {
        var spec = SpecReader.Load(run.Directory);
        var test = Path.Combine(run.Directory, "data", "test.json");
        string[] Predicted(Predictor predictor)
        {
            using var output = new MemoryStream();
            predictor.Write(Predictor.OpenRows(spec, test), output, LabelFileFormat.Csv, cancellation: TestContext.Current.CancellationToken);
            return System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        }

        // The run's rows are "split,id,label,p_HAM,p_SPAM,votes"; predict writes "id,label,p_HAM,p_SPAM".
        var ran = File.ReadAllLines(Path.Combine(run.Directory, run.Summary.LabelsCsv))
            .Where(line => line.StartsWith("test,", StringComparison.Ordinal))
            .Select(line => string.Join(',', line.Split(',')[1..5]))
            .ToArray();
        using var finalRule = Predictor.OpenFinalRule(spec);
        Assert.True(finalRule.UsesFinalRule);
        Assert.Equal(250, ran.Length);
        Assert.Equal(ran, Predicted(finalRule));

        // The end model alone labels some rows otherwise, so the equality above is the rule's doing.
        var endModelOnly = Predicted(Predictor.Open(spec));
        Assert.Contains(Enumerable.Range(0, ran.Length), r => ran[r].Split(',')[1] != endModelOnly[r].Split(',')[1]);
    }

    [Fact]
    public void The_readme_library_sample_compiles_and_labels_a_csv_as_the_run_labeled_those_rows()
    {
        var readme = File.ReadAllText(Path.Combine(SharedFolder.RepositoryRoot, "README.md"));
        var sample = System.Text.RegularExpressions.Regex.Match(readme, "<!-- library-sample -->\\s*```csharp\\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(sample.Success, "README.md has no ```csharp block after <!-- library-sample -->");

        // The first 40 test rows as a CSV with the example's input field, quoted as any CSV writer would.
        var folder = Directory.CreateDirectory(Path.Combine(run.Directory, "sample-" + Guid.NewGuid().ToString("N"))).FullName;
        var input = Path.Combine(folder, "comments.csv");
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Directory, "data", "test.json"))))
        {
            var rows = json.RootElement.EnumerateObject().Take(40)
                .Select(row => $"{row.Name},\"{row.Value.GetProperty("data").GetProperty("text").GetString()!.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
            File.WriteAllLines(input, ["id,text", .. rows]);
        }

        var output = Path.Combine(folder, "labels.csv");
        var entryPoint = CompileConsoleProgram(sample.Groups[1].Value);
        entryPoint.Invoke(null, [new[] { run.Directory, input, output }]);

        var ran = File.ReadAllLines(Path.Combine(run.Directory, run.Summary.LabelsCsv))
            .Where(line => line.StartsWith("test,", StringComparison.Ordinal))
            .Take(40)
            .Select(line => string.Join(',', line.Split(',')[1..5]));
        Assert.Equal(["id,label,p_HAM,p_SPAM", .. ran], File.ReadAllLines(output));
    }

    /// <summary>
    /// Compiles a console program's top-level statements as a new console project would (its implicit usings included)
    /// against this process's assemblies, and returns its entry point.
    /// </summary>
    private static System.Reflection.MethodInfo CompileConsoleProgram(string source)
    {
        const string implicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
            "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(path));
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "ReadmeSample",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(implicitUsings), Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source)],
            references,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.ConsoleApplication, nullableContextOptions: Microsoft.CodeAnalysis.NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var assembly = new System.Runtime.Loader.AssemblyLoadContext("readme-sample", isCollectible: true).LoadFromStream(new MemoryStream(image.ToArray()));
        return assembly.EntryPoint!;
    }

    [Fact]
    public void A_final_rule_that_is_not_there_is_an_error_that_says_to_run_again()
    {
        var error = Assert.Throws<UserError>(() => FinalRule.Load(Path.Combine(run.Directory, "no-such-out")));
        Assert.Contains("rule.json is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("alchemist run --force", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_report_renders_in_headless_chromium_with_its_table_and_plots()
    {
        var chromium = Chromium.Require();
        var report = Path.Combine(run.Directory, run.Summary.Report);
        var profile = Path.Combine(run.Directory, "chromium-profile");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--dump-dom", new Uri(report).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var dom = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Contains("id=\"programs-table\"", dom, StringComparison.Ordinal);
        Assert.Contains("spam-keywords", dom, StringComparison.Ordinal);
        foreach (var plot in new[] { "plot-coverage", "plot-accuracy-coverage", "plot-confusion" })
        {
            Assert.Matches($"<canvas id=\"{plot}\"[^>]*data-rendered=\"true\"", dom);
        }

        Assert.DoesNotContain("class=\"script-error\"", dom, StringComparison.Ordinal);
        Assert.Contains("id=\"split-use\"", dom, StringComparison.Ordinal);
        Assert.Contains("<p id=\"choice-margin\">", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("Uncaught", await stderr, StringComparison.Ordinal);
    }
}
