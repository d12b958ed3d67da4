using Xunit;

namespace Alchemist.Tests;

/// <summary>
/// Finds the read-only shared material (benchmark datasets, LLM recordings) that sits beside the repository as ../shared.
/// Where it is absent (a user's clone) tests that need it skip with a message; under CI=true they fail instead,
/// because CI always has it and a silent skip there would hide a broken test.
/// </summary>
public static class SharedFolder
{
    private static readonly Lazy<string?> Root = new(Locate);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string? TryRoot => Root.Value;

    /// <summary>True under CI (CI=true), where anything a test needs must be present: missing means failed, not skipped.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Path of a file or folder under ../shared, e.g. Require("datasets/youtube").</summary>
    public static string Require(string relative)
    {
        var root = Root.Value;
        var path = root is null ? null : Path.Combine(root, relative);
        if (path is not null && (Directory.Exists(path) || File.Exists(path)))
        {
            return path;
        }

        var message = $"shared material '{relative}' not found (looked for ../shared beside {RepositoryRoot}, or $ALCHEMIST_SHARED)";
        if (IsCi)
        {
            Assert.Fail(message + "; CI must have it");
        }

        Assert.Skip(message);
        return null!;
    }

    public static string Dataset(string name) => Require(Path.Combine("datasets", name));

    public static string Recordings(string name) => Require(Path.Combine("llm-recordings", name));

    private static string? Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("ALCHEMIST_SHARED");
        if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        var beside = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(beside) ? beside : null;
    }

    private static string FindRepositoryRoot()
    {
        var stamped = typeof(SharedFolder).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (stamped is not null && File.Exists(Path.Combine(stamped, "Alchemist.slnx")))
        {
            return stamped;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Alchemist.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Alchemist.slnx above {AppContext.BaseDirectory}");
    }
}
