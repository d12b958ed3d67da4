using Alchemist.Pipeline;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary><c>alchemist labelmodel</c> on the bundled image example judges auto by worst-group accuracy, as <c>run</c> does.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class ImageLabelModelTests : IDisposable
{
    private readonly string _project = Directory.CreateTempSubdirectory("alchemist-image-labelmodel-").FullName;

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public async Task Labelmodel_eval_ranks_auto_by_valid_worst_group_accuracy_with_the_projects_groups()
    {
        ExampleProject.CopyImageExampleTo(_project);

        var log = new StringWriter();
        await new RunPipeline(log).RunAsync(_project, TestContext.Current.CancellationToken);
        var ran = log.ToString().Split('\n').Single(l => l.Contains("label model: chose", StringComparison.Ordinal));

        var result = CliBadInputTests.Invoke("labelmodel", "eval", _project);

        Assert.Equal(0, result.Code);
        // The same figures as run's: each model's worst group on valid, not its accuracy.
        var figures = ran[ran.IndexOf("by valid worst-group accuracy (", StringComparison.Ordinal)..ran.IndexOf("):", StringComparison.Ordinal)];
        Assert.Contains(figures, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", result.Error, StringComparison.Ordinal);
    }
}
