using Alchemist.Pipeline;
using Alchemist.Tests;

namespace Alchemist.Studio.Tests;

/// <summary>
/// The example after one offline run, made once per test process: a run takes seconds on two cores, and a copy of its folder
/// (programs, caches, vote files and outputs: nothing in them names the folder) is a project the studio opens as it is.
/// </summary>
internal static class RunExample
{
    private static readonly Lazy<Task<string>> Once = new(async () =>
    {
        var folder = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-studio-run-" + Guid.NewGuid().ToString("N")));
        await new RunPipeline(TextWriter.Null).RunAsync(folder).ConfigureAwait(false);
        return folder;
    });

    /// <summary>A new copy of the run example in a temporary folder, which the caller deletes.</summary>
    public static async Task<string> CopyAsync(string prefix)
    {
        var source = await Once.Value.ConfigureAwait(false);
        var target = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        foreach (var directory in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            // The lock file belongs to a run, not to the project's contents.
            if (Path.GetFileName(file) != "run.lock")
            {
                var copy = Path.Combine(target, Path.GetRelativePath(source, file));
                File.Copy(file, copy);
                File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(file));
            }
        }

        return target;
    }
}
