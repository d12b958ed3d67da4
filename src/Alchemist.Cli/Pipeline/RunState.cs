using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alchemist.Spec;

namespace Alchemist.Cli.Pipeline;

/// <summary>
/// Remembers what the last run saw (spec, program files, data files, the tool itself) so that a rerun with nothing changed
/// reuses its outputs instead of doing the work again.
/// </summary>
internal static class RunState
{
    private const string FileName = "run.json";

    public static string PathIn(string projectDirectory) => Path.Combine(projectDirectory, ".alchemist", FileName);

    public static string Fingerprint(TaskSpec spec, string programsFolder)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add(typeof(RunState).Assembly.ManifestModule.ModuleVersionId.ToString());
        Add(File.ReadAllText(spec.SpecFile ?? Path.Combine(spec.ProjectDirectory, TaskSpec.FileName)));
        if (Directory.Exists(programsFolder))
        {
            foreach (var file in Directory.GetFiles(programsFolder, "*.cs").Order(StringComparer.Ordinal))
            {
                Add(Path.GetFileName(file));
                hash.AppendData(File.ReadAllBytes(file));
            }
        }

        foreach (var relative in new[] { spec.Data.Train, spec.Data.Valid, spec.Data.Test, spec.Data.File }.OfType<string>())
        {
            var path = spec.ResolvePath(relative);
            var info = new FileInfo(path);
            Add(info.Exists ? $"{path} {info.Length} {info.LastWriteTimeUtc.Ticks}" : $"{path} missing");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static RunSummary? TryReuse(string projectDirectory, string fingerprint)
    {
        var path = PathIn(projectDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), RunSummary.Json);
            if (saved is null || saved.Fingerprint != fingerprint)
            {
                return null;
            }

            var summary = saved.Summary;
            var outputs = new[] { summary.LabelsCsv, summary.LabelsJsonl, summary.Report, Path.Combine(summary.EndModelFolder, "endmodel.zip") };
            return outputs.All(f => File.Exists(Path.Combine(projectDirectory, f))) ? summary : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Save(string projectDirectory, string fingerprint, RunSummary summary)
    {
        var path = PathIn(projectDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new Saved(fingerprint, summary), RunSummary.Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private sealed record Saved(string Fingerprint, RunSummary Summary);
}
