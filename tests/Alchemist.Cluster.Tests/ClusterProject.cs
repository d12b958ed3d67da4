using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Tests;

namespace Alchemist.Cluster.Tests;

/// <summary>
/// bench/run scale's project (the example's spec over N generated train rows, <see cref="ScaleProject"/>) with the offline
/// synthesizer's keyword and opening rule programs learned from valid (a few of the programs it writes, so that applying
/// them to a million rows takes seconds, not minutes) and the end model learning from a 5,000-row sample of train.
/// </summary>
internal static class ClusterProject
{
    public static string Make(string project, long rows)
    {
        var example = Path.Combine(SharedFolder.RepositoryRoot, "examples", "youtube-spam", "data");
        ScaleProject.Make(project, rows, example, "end_model:\n  train_sample_rows: 5000\n");
        var valid = ScaleProject.WrenchRows(Path.Combine(example, "valid.json"));
        var programs = OfflineSynthesizer.Synthesize([.. valid.Select(v => v.Text)], [.. valid.Select(v => v.Label)], ScaleProject.ClassNames(example))
            .Where(p => p.Family is RuleFamily.Keyword or RuleFamily.Opening && !p.Name.EndsWith("-scored", StringComparison.Ordinal));
        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var program in programs)
        {
            new ProgramFile(program.Name, new ProgramProvenance { Kind = ProgramAuthorKind.Synthesizer, Created = created }, program.Source)
                .Save(Path.Combine(project, "programs"));
        }

        return project;
    }

    /// <summary>A copy of <paramref name="project"/>'s spec, data and programs at <paramref name="copy"/>.</summary>
    public static string Copy(string project, string copy)
    {
        foreach (var file in Directory.GetFiles(project, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(project, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }
}
