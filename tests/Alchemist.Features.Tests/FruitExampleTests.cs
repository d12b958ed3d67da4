using Alchemist.Tests;
using Alchemist.Tests.Images;
using Xunit;

namespace Alchemist.Features.Tests;

/// <summary>
/// examples/fruit-ripeness is what <see cref="FruitExample"/> writes: its images, CSV files and toy model are generated, not
/// drawn by hand. ALCHEMIST_WRITE_EXAMPLE=1 writes them into the repository instead of comparing.
/// </summary>
public sealed class FruitExampleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-fruit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_bundled_example_is_what_its_generator_writes_and_stays_under_2_MB()
    {
        var example = Path.Combine(SharedFolder.RepositoryRoot, "examples", "fruit-ripeness");
        if (Environment.GetEnvironmentVariable("ALCHEMIST_WRITE_EXAMPLE") == "1")
        {
            FruitExample.Write(example);
        }

        FruitExample.Write(_folder);
        var generated = Directory.GetFiles(_folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_folder, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4 + 3 + FruitExample.Splits.Sum(s => s.Rows), generated.Count);
        foreach (var file in generated)
        {
            var committed = Path.Combine(example, file);
            Assert.True(File.Exists(committed), $"{file} is generated but not in examples/fruit-ripeness (ALCHEMIST_WRITE_EXAMPLE=1 writes it)");
            Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_folder, file))), $"{file} differs from what the generator writes");
        }

        var bytes = generated.Sum(f => new FileInfo(Path.Combine(example, f)).Length);
        Assert.True(bytes < 2_000_000, $"the example's generated files take {bytes:N0} bytes");
    }
}
