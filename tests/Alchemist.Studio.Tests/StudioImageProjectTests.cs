using Alchemist.Pipeline;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>The studio on the bundled image example: a row shows its concept scores, which the threshold programs read.</summary>
public sealed class StudioImageProjectTests : IDisposable
{
    private readonly string _project = Directory.CreateTempSubdirectory("alchemist-studio-image-").FullName;

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public async Task An_image_rows_evidence_shows_its_concept_scores()
    {
        ExampleProject.CopyImageExampleTo(_project);

        await new RunPipeline(TextWriter.Null).RunAsync(_project, TestContext.Current.CancellationToken);
        using var studio = StudioProject.Load(_project);
        var program = Path.GetFileNameWithoutExtension(Directory.GetFiles(Path.Combine(_project, "programs"), "*.cs").Order(StringComparer.Ordinal).First());

        var evidence = studio.Evidence(program);

        Assert.NotNull(evidence);
        var row = Assert.IsType<EvidenceRow>(evidence.Right.Concat(evidence.Wrong).First());
        Assert.Matches(@"^red_score = -?\d+(\.\d+)?, orange_score = -?\d+(\.\d+)?, green_score = -?\d+(\.\d+)?, yellow_score = -?\d+(\.\d+)?$", row.Text);

        // A new program's template suggests a rule that compiles over a score: a threshold, not a phrase test.
        studio.Create("mine", copyOf: null, author: "test");
        var template = File.ReadAllText(Path.Combine(_project, "programs", "mine.cs"));
        Assert.Contains("for example: if (row.Red_score > 0) return 0;", template, StringComparison.Ordinal);
    }
}
