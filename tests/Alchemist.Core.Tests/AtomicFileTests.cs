using Xunit;

namespace Alchemist.Core.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "alchemist-atomic-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file()
    {
        var path = Path.Combine(_folder, "labels.csv");
        AtomicFile.WriteAllText(path, "old\n");

        Assert.Throws<IOException>(() => AtomicFile.WriteText(path, writer =>
        {
            writer.Write("half of the new");
            writer.Flush();
            throw new IOException("No space left on device");
        }));

        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void A_library_that_saves_to_a_path_writes_the_temporary_one_and_the_result_lands_whole()
    {
        var path = Path.Combine(_folder, "sub", "model.zip");
        AtomicFile.WriteVia(path, temporary =>
        {
            Assert.NotEqual(path, temporary);
            Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(temporary));
            File.WriteAllBytes(temporary, [1, 2, 3]);
        });

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
