using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alchemist.Pipeline;
using Alchemist.Studio;
using Microsoft.Playwright;

namespace Alchemist.Bench;

/// <summary>
/// A save in the studio, through a real browser, on a project of 10,000 train rows: the example with its train comments
/// repeated (each copy marked, so no two rows are the same text) to the size asked, run once, then served by the studio and
/// opened in Debian's Chromium. Each save changes one program (a new comment line: a new source, so a real compile), clicks
/// Save and times, in the page's own clock, how long until the outcome with the program's and the label model's new figures
/// is on the page. The baseline, measured in the same run, is the same save sent to the API without a browser: the server's
/// share of the time. Target (issue 16): at most 1 s.
/// </summary>
internal static class StudioBenchmark
{
    private const double TargetSeconds = 1.0;
    private const string Program = "spam-keywords";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var rows = 10_000;
        var saves = 5;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows" when i + 1 < args.Length:
                    rows = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--saves" when i + 1 < args.Length:
                    saves = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]} (studio [--rows N] [--saves N] [--json])");
            }
        }

        const string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new ArgumentException($"the studio benchmark drives Debian's Chromium at {chromium}; install it (scripts/setup.d/chromium.sh)");
        }

        var root = Path.Combine(Path.GetTempPath(), "alchemist-bench-studio-" + Environment.ProcessId);
        try
        {
            var project = Path.Combine(root, "project");
            PredictBenchmark.CopyExample(project);
            RepeatTrain(project, rows);
            var runSeconds = Time(() => new RunPipeline(TextWriter.Null).RunAsync(project).GetAwaiter().GetResult());
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"studio benchmark: {rows:N0} train rows, first run {runSeconds:0.0} s; {Environment.ProcessorCount} processors"));

            using var studio = StudioProject.Load(project);
            await studio.WarmUpAsync();
            await using var server = await StudioServer.StartAsync(studio);
            using var client = new HttpClient();
            client.DefaultRequestHeaders.Add(StudioAccess.HeaderName, server.Access.Token);
            var source = (await client.GetFromJsonAsync<JsonElement>(new Uri(server.Address, $"/api/programs/{Program}/evidence"))).GetProperty("source").GetString()!;

            // The baseline: the server's work alone, the same kind of save without a page.
            var api = new List<double>();
            var steps = new Dictionary<string, List<double>>();
            for (var save = 0; save < saves; save++)
            {
                var baseHash = (await client.GetFromJsonAsync<JsonElement>(new Uri(server.Address, $"/api/programs/{Program}/evidence"))).GetProperty("sourceHash").GetString()!;
                var watch = Stopwatch.StartNew();
                var response = await client.PutAsJsonAsync(new Uri(server.Address, $"/api/programs/{Program}"), new { source = Edited(source, "api", save), baseHash, author = "bench" });
                var body = await response.Content.ReadAsStringAsync();
                api.Add(watch.Elapsed.TotalSeconds);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"an API save failed: {body}");
                }

                foreach (var step in JsonDocument.Parse(body).RootElement.GetProperty("seconds").EnumerateObject())
                {
                    (steps.TryGetValue(step.Name, out var list) ? list : steps[step.Name] = []).Add(step.Value.GetDouble());
                }
            }

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--disable-gpu", "--no-first-run"] });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            await page.GotoAsync(server.PageAddress.AbsoluteUri);
            await page.WaitForSelectorAsync("#rows tr");
            await page.EvaluateAsync($"() => {{ selected = programs.findIndex(p => p.name === '{Program}'); render(); return openEvidence(); }}");
            await page.WaitForSelectorAsync("[data-testid=program-editor]");
            var browserSeconds = new List<double>();
            for (var save = 0; save < saves; save++)
            {
                await page.EvaluateAsync("text => editor.setText(text)", Edited(source, "page", save));
                var milliseconds = await page.EvaluateAsync<double>(
                    """
                    () => new Promise(resolve => {
                      const outcome = document.querySelector('[data-testid=save-outcome]');
                      const save = Array.from(document.querySelectorAll('#evidence button')).find(b => b.textContent.startsWith('Save'));
                      const start = performance.now();
                      const observer = new MutationObserver(() => {
                        if (outcome.textContent.startsWith('saved.')) { observer.disconnect(); resolve(performance.now() - start); }
                        else if (outcome.querySelector('.error')) { observer.disconnect(); resolve(-1); }
                      });
                      observer.observe(outcome, { childList: true, subtree: true, characterData: true });
                      save.click();
                    })
                    """);
                if (milliseconds < 0)
                {
                    throw new InvalidOperationException("a save through the page failed: " + await page.InnerTextAsync("[data-testid=save-outcome]"));
                }

                browserSeconds.Add(milliseconds / 1000);
                await page.WaitForTimeoutAsync(300);
            }

            var pageMedian = Median(browserSeconds);
            var apiMedian = Median(api);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  save to figures on the page ({saves} saves, {rows:N0} train rows): median {pageMedian:0.000} s, min {browserSeconds.Min():0.000} s, max {browserSeconds.Max():0.000} s | baseline (the same save through the API alone) median {apiMedian:0.000} s | page {pageMedian / apiMedian:0.00}x the API | target {TargetSeconds:0.0} s: {(pageMedian <= TargetSeconds ? "met" : "NOT met")}"));
            Console.WriteLine("    the server's steps, median seconds: " + string.Join(", ", steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {Median(s.Value):0.000}"))));
            if (json)
            {
                Console.WriteLine(new JsonObject
                {
                    ["train_rows"] = rows,
                    ["saves"] = saves,
                    ["page_seconds"] = new JsonArray([.. browserSeconds.Select(s => (JsonNode)Math.Round(s, 3))]),
                    ["api_seconds"] = new JsonArray([.. api.Select(s => (JsonNode)Math.Round(s, 3))]),
                    ["page_median"] = Math.Round(pageMedian, 3),
                    ["api_median"] = Math.Round(apiMedian, 3),
                }.ToJsonString());
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

    /// <summary>The program with one comment line more: a new source each time, so every save compiles and applies for real.</summary>
    private static string Edited(string source, string where, int save) => $"// bench save {where} {save}\n{source}";

    /// <summary>Replaces train with its own comments repeated to <paramref name="rows"/> rows, each copy marked by its round.</summary>
    private static void RepeatTrain(string project, int rows)
    {
        var path = Path.Combine(project, "data", "train.json");
        var original = JsonNode.Parse(File.ReadAllText(path))!.AsObject().Select(p => p.Value!).ToList();
        var train = new JsonObject();
        for (var r = 0; r < rows; r++)
        {
            var row = original[r % original.Count].DeepClone();
            var round = r / original.Count;
            if (round > 0)
            {
                row["data"]!["text"] = row["data"]!["text"]!.GetValue<string>() + " " + round.ToString(CultureInfo.InvariantCulture);
            }

            train[r.ToString(CultureInfo.InvariantCulture)] = row;
        }

        File.WriteAllText(path, train.ToJsonString());
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }
}
