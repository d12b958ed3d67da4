namespace Alchemist.Tests;

/// <summary>The bundled example (examples/youtube-spam: its spec and data, no programs or outputs), copied where a test may change it.</summary>
public static class ExampleProject
{
    /// <summary>Copies the example's alchemist.yaml and data/ into <paramref name="project"/> (created) and returns it.</summary>
    public static string CopyTo(string project)
    {
        var example = Path.Combine(SharedFolder.RepositoryRoot, "examples", "youtube-spam");
        Directory.CreateDirectory(Path.Combine(project, "data"));
        File.Copy(Path.Combine(example, "alchemist.yaml"), Path.Combine(project, "alchemist.yaml"));
        foreach (var file in Directory.GetFiles(Path.Combine(example, "data")))
        {
            File.Copy(file, Path.Combine(project, "data", Path.GetFileName(file)));
        }

        return project;
    }
}
