using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alchemist.Evaluation;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>
/// Remembers what the last run saw (spec, program files, data files, the tool itself) so that a rerun with nothing changed
/// reuses its outputs instead of doing the work again.
/// </summary>
public static class RunState
{
    private const string FileName = "run.json";

    /// <summary>The project's run.json.</summary>
    public static string PathIn(string projectDirectory) => new ProjectLayout(projectDirectory).RunStatePath;

    /// <summary>What a run's results depend on: this build of the pipeline and <see cref="InputsFingerprint"/>.</summary>
    public static string Fingerprint(TaskSpec spec, string programsFolder) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            typeof(RunState).Assembly.ManifestModule.ModuleVersionId + "\n" + InputsFingerprint(spec, programsFolder))));

    /// <summary>
    /// The spec, the programs, the data files and the image score tables a run read, without the build: another build (the command line, or a
    /// program that references the library packages) labels with the same saved rule as long as these stay.
    /// </summary>
    public static string InputsFingerprint(TaskSpec spec, string programsFolder)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add(File.ReadAllText(spec.SpecFile ?? Path.Combine(spec.ProjectDirectory, TaskSpec.FileName)));
        Add(spec.Evaluation.Metric.SpecName());
        if (Directory.Exists(programsFolder))
        {
            var limit = ProjectApply.LimitsFor(spec).MaxBytes;
            foreach (var file in Directory.GetFiles(programsFolder, "*.cs").Order(StringComparer.Ordinal))
            {
                Add(Path.GetFileName(file));
                AddFile(hash, file, limit);
            }
        }

        foreach (var relative in new[] { spec.Data.Train, spec.Data.Valid, spec.Data.Test, spec.Data.File }.OfType<string>())
        {
            // The path as the spec gives it, so that a project folder moved or copied whole (data beside it) is the same project.
            var info = new FileInfo(spec.ResolvePath(relative));
            Add(info.Exists ? $"{relative} {info.Length} {info.LastWriteTimeUtc.Ticks}" : $"{relative} missing");
        }

        // Images change while the data file listing them stays (and a folder of images, data.format: images, is no file to
        // stamp): each image data file counts by its rows (a folder by its listing) and by its score table, which extraction,
        // run before this, has made current for these images, this model and these concepts. The table by its size and
        // write time, as the data files: it is only ever replaced whole, and with CLIP's embeddings it can hold gigabytes.
        foreach (var source in SpecData.ImageSources(spec))
        {
            Add(source.Inner.ContentHash());
            var table = new FileInfo(source.TablePath);
            Add(table.Exists ? $"scores {table.Length} {table.LastWriteTimeUtc.Ticks}" : "no scores");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// A program file's bytes, streamed; a file the apply will not read (empty or special, larger than the limit,
    /// unreadable) counts by its size and time, so a FIFO or a 5 GB file is never opened or read here either.
    /// </summary>
    private static void AddFile(IncrementalHash hash, string path, long maxBytes)
    {
        var info = new FileInfo(path);
        if (info.Length > 0 && info.Length <= maxBytes)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = stream.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        hash.AppendData(Encoding.UTF8.GetBytes($"{info.Length} {info.LastWriteTimeUtc.Ticks} not read\n"));
    }

    /// <summary>The last run's summary when its <see cref="Fingerprint"/> is <paramref name="fingerprint"/> and its outputs are all there; else null.</summary>
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
            // A model saved by an earlier version is not read by this one: the run is done again rather than reused.
            string[] outputs =
            [
                summary.LabelsCsv, summary.LabelsJsonl, summary.Report, .. EndModel.EndModel.SavedFiles.Select(f => Path.Combine(summary.EndModelFolder, f)),
                Path.Combine(ProjectLayout.OutputFolderName, FinalRule.FolderName, FinalRule.RuleFile),
            ];
            return outputs.All(f => File.Exists(Path.Combine(projectDirectory, f))) ? summary : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Records a finished run: its fingerprints and summary.</summary>
    public static void Save(TaskSpec spec, string programsFolder, RunSummary summary)
    {
        var path = PathIn(spec.ProjectDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Saved(Fingerprint(spec, programsFolder), summary) { Inputs = InputsFingerprint(spec, programsFolder) }, RunSummary.Json));
    }

    /// <summary>True when the last run finished with the spec, programs and data as they are now (whatever build made it).</summary>
    public static bool InputsUnchanged(TaskSpec spec, string programsFolder)
    {
        var path = PathIn(spec.ProjectDirectory);
        try
        {
            return File.Exists(path) && JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), RunSummary.Json) is { Inputs: { } inputs }
                && inputs == InputsFingerprint(spec, programsFolder);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed record Saved(string Fingerprint, RunSummary Summary)
    {
        /// <summary><see cref="InputsFingerprint"/> at the end of the run; null in a run.json of an earlier version.</summary>
        public string? Inputs { get; init; }
    }
}
