using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary>init is asked for an image project, which it does not write: it says so and where to start, and writes nothing.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CliImageInitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("alchemist-image-init-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Init_on_images_names_what_it_does_not_do_and_where_to_start()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_root, "photos", "RIPE")).Parent!.FullName;
        var project = Path.Combine(_root, "project");

        var asImages = CliBadInputTests.Invoke("init", project, "--data", photos, "--format", "images", "--classes", "RIPE,UNRIPE");
        var asFolder = CliBadInputTests.Invoke("init", project, "--data", photos, "--classes", "RIPE,UNRIPE");

        Assert.Equal(1, asImages.Code);
        Assert.Contains("--format images: init does not write image projects; copy examples/fruit-ripeness/alchemist.yaml", asImages.Error, StringComparison.Ordinal);
        Assert.Equal(1, asFolder.Code);
        Assert.Contains("a folder of images is an image project, which init does not write: see docs/images.md", asFolder.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(project, "alchemist.yaml")));
    }
}
