using System.Text.Json.Nodes;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// Issue 14's acceptance at test scale: the bundled example with one oversized train row finishes with every program active
/// and the row named in the warnings, whether the field limit cuts the value before it reaches a worker (the default
/// policy) or the limit lets it through to workers too small for it, which die on it until the engine has found the row.
/// </summary>
public sealed class OversizedRowRunTests
{
    private const string HugeRowId = "800";

    [Fact]
    public async Task A_value_over_the_field_limit_is_truncated_and_named_and_every_program_stays()
    {
        var project = Project(50_000, "max_field_chars: 20000");
        try
        {
            var log = new StringWriter();
            var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);

            AssertEveryProgramActive(project, summary, log);
            Assert.Contains(
                "train: 1 text value longer than data.max_field_chars (20,000 characters) was truncated to it (data.oversized_fields: truncate): row 800 (id '800', field text, 50,000 characters)",
                summary.Warnings);
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    [Fact]
    public async Task A_row_too_big_for_the_workers_abstains_for_every_program_and_is_named()
    {
        // 17 million characters are 34 MB of UTF-16 in a worker, twice (the frame and the string): more than a 40 MiB heap.
        var project = Project(17_000_000, "max_field_chars: 50000000", "isolation:\n  worker_memory_mb: 40\n");
        try
        {
            var log = new StringWriter();
            var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);

            var programs = AssertEveryProgramActive(project, summary, log);
            var warning = Assert.Single(summary.Warnings, w => w.StartsWith("train: row 800 (id '800') killed the worker process of ", StringComparison.Ordinal));
            Assert.StartsWith($"train: row 800 (id '800') killed the worker process of {programs} programs (", warning, StringComparison.Ordinal);
            Assert.Contains("so it abstains for them; they kept their votes on every other row", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(summary.Warnings, w => w.Contains("max_field_chars", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    /// <summary>Every program file voted (none disabled); returns how many.</summary>
    private static int AssertEveryProgramActive(string project, RunSummary summary, StringWriter log)
    {
        var files = Directory.GetFiles(Path.Combine(project, "programs"), "*.cs").Length;
        Assert.True(files >= 4, $"{files} programs\n{log}");
        Assert.True(summary.Programs == files, $"{summary.Programs} of {files} programs voted\n{log}");
        Assert.DoesNotContain(" disabled on ", log.ToString(), StringComparison.Ordinal);
        return files;
    }

    /// <summary>The example with train row 800's text replaced by <paramref name="chars"/> characters of spam, and data settings added.</summary>
    private static string Project(int chars, string dataSetting, string extra = "")
    {
        var project = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-oversized-" + Guid.NewGuid().ToString("N")));
        var trainPath = Path.Combine(project, "data", "train.json");
        var train = JsonNode.Parse(File.ReadAllText(trainPath))!.AsObject();
        var text = string.Concat(Enumerable.Repeat("Subscribe to my channel, check out http://spam.example.com now! ", (chars / 64) + 1))[..chars];
        train[HugeRowId]!["data"]!["text"] = text;
        File.WriteAllText(trainPath, train.ToJsonString());
        var spec = Path.Combine(project, "alchemist.yaml");
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("  label_field: label\n", $"  label_field: label\n  {dataSetting}\n", StringComparison.Ordinal) + extra);
        return project;
    }
}
