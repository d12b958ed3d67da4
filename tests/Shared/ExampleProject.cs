namespace Alchemist.Tests;

/// <summary>The bundled examples (their specs and data, no programs or outputs), copied where a test may change them.</summary>
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

    /// <summary>Copies the bundled image example (examples/fruit-ripeness: spec, data, images and toy model) into <paramref name="project"/> and returns it.</summary>
    public static string CopyImageExampleTo(string project)
    {
        var example = Path.Combine(SharedFolder.RepositoryRoot, "examples", "fruit-ripeness");
        foreach (var file in Directory.GetFiles(example, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(project, Path.GetRelativePath(example, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return project;
    }
}
