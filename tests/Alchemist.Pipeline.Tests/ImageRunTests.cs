using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The bundled image example (examples/fruit-ripeness: generated photos, a CLIP-shaped toy model) runs offline end to end:
/// the scores are extracted first, threshold programs vote over them, and the summary gives each group's accuracy.
/// </summary>
public sealed class ImageRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("alchemist-image-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string CopyExample()
    {
        var example = Path.Combine(SharedFolder.RepositoryRoot, "examples", "fruit-ripeness");
        foreach (var file in Directory.GetFiles(example, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_root, Path.GetRelativePath(example, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return _root;
    }

    [Fact]
    public async Task The_image_example_extracts_its_scores_and_runs_offline_reporting_worst_group_accuracy()
    {
        var project = CopyExample();
        var log = new StringWriter();

        var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);

        var text = log.ToString();
        Assert.Contains("image scores: 500 images x 4 concepts (500 encoded, 0 from the cache)", text, StringComparison.Ordinal);
        Assert.Contains("threshold programs over red_score, orange_score, green_score, yellow_score", text, StringComparison.Ordinal);
        Assert.True(summary.Programs >= 2, $"{summary.Programs} programs");
        Assert.Equal("worst_group", summary.Metric);
        Assert.Equal(["ripe on leaves", "ripe on table", "unripe on leaves", "unripe on table"], summary.FinalTestPerGroup.Select(g => g.Group));
        Assert.Equal(120, summary.FinalTestPerGroup.Sum(g => g.Rows));
        Assert.Equal(summary.FinalTestPerGroup.Min(g => g.FinalAccuracy), summary.FinalTestWorstGroupAccuracy);
        Assert.NotNull(summary.DevOnlyBaselineTestWorstGroupAccuracy);
        Assert.True(summary.FinalTestAccuracy > 0.75, $"final test accuracy {summary.FinalTestAccuracy}");
        Assert.True(summary.FinalTestWorstGroupAccuracy > 0.6, $"worst group {summary.FinalTestWorstGroupAccuracy}");
        var json = File.ReadAllText(Path.Combine(project, "out", "summary.json"));
        Assert.Contains("\"final_test_worst_group_accuracy\"", json, StringComparison.Ordinal);
        Assert.Contains("id=\"per-group-table\"", File.ReadAllText(Path.Combine(project, "out", "report.html")), StringComparison.Ordinal);

        // The scores are current: a second run extracts nothing.
        var again = new StringWriter();
        await new RunPipeline(again) { Force = true }.RunAsync(project, TestContext.Current.CancellationToken);
        Assert.Contains("image scores: current for 500 images and 4 concepts", again.ToString(), StringComparison.Ordinal);
    }
}
