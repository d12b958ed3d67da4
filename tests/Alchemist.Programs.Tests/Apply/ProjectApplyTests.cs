using System.Runtime.Loader;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary><c>alchemist apply</c> on a project folder: the bundled example's data, programs written as files.</summary>
public sealed class ProjectApplyTests
{
    [Fact]
    public void A_cached_apply_compiles_nothing_and_an_edit_compiles_only_the_edited_program()
    {
        var spec = ExampleProject(out var programs);
        for (var i = 0; i < ApplyTestKit.Benign.Length; i++)
        {
            File.WriteAllText(Path.Combine(programs, ApplyTestKit.Benign[i].Name + ".cs"), ApplyTestKit.Benign[i].Source);
        }

        File.WriteAllText(Path.Combine(programs, "reads_files.cs"), """
            public static class Program
            {
                public static int Label(string text) => System.IO.File.Exists(text) ? 1 : -1;
            }
            """);
        var options = ProjectApply.OptionsFor(spec, IsolationMode.None);

        var first = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(ApplyTestKit.Benign.Length + 1, first.ProgramsCompiled);
        Assert.Equal("reads_files", Assert.Single(first.Rejected).Name);
        Assert.All(first.Splits, s => Assert.Equal((0, ApplyTestKit.Benign.Length), (s.CacheHits, s.CacheMisses)));

        var again = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(1, again.ProgramsCompiled); // only the rejected program, which has no cached column
        Assert.Equal("reads_files", Assert.Single(again.Rejected).Name);
        Assert.Equal(first.ProgramsInMatrix, again.ProgramsInMatrix);
        for (var s = 0; s < first.Splits.Count; s++)
        {
            Assert.All(again.Splits[s].Programs, p => Assert.True(p.FromCache));
            AssertSameVotes(first.Splits[s].Matrix, again.Splits[s].Matrix);
        }

        var edited = ApplyTestKit.Benign[2].Source.Replace("text.Length < 25", "text.Length < 40", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(programs, ApplyTestKit.Benign[2].Name + ".cs"), edited);
        var afterEdit = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(2, afterEdit.ProgramsCompiled);
        var train = afterEdit.Splits[0];
        var texts = WrenchSource.Open(Path.Combine(spec.ProjectDirectory, "data"), "train").ReadAll().Text("text");
        var column = train.Programs.Select(p => p.Name).ToList().IndexOf(ApplyTestKit.Benign[2].Name);
        Assert.False(train.Programs[column].FromCache);
        Assert.Equal(ApplyTestKit.Native(t => t.Length < 40 ? 0 : -1, texts), train.Matrix.Column(column).ToArray());
        Assert.Equal(ApplyTestKit.Benign.Length - 1, train.Programs.Count(p => p.FromCache));
    }

    [Fact]
    public void A_column_missing_from_the_cache_is_recomputed_by_compiling_its_program_then()
    {
        var spec = ExampleProject(out var programs);
        File.WriteAllText(Path.Combine(programs, ApplyTestKit.Benign[0].Name + ".cs"), ApplyTestKit.Benign[0].Source);
        var options = ProjectApply.OptionsFor(spec, IsolationMode.None);
        var first = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);

        // A cache file that is present but unreadable passes the check before compiling; the engine then needs the program.
        foreach (var file in Directory.GetFiles(options.CacheDirectory!, "*", SearchOption.AllDirectories))
        {
            File.WriteAllText(file, "not a column");
        }

        var again = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(1, again.ProgramsCompiled);
        for (var s = 0; s < first.Splits.Count; s++)
        {
            Assert.False(Assert.Single(again.Splits[s].Programs).FromCache);
            AssertSameVotes(first.Splits[s].Matrix, again.Splits[s].Matrix);
        }
    }

    [Theory]
    [InlineData(IsolationMode.None)]
    [InlineData(IsolationMode.Process)]
    public void A_program_whose_cached_columns_are_unreadable_and_that_no_longer_compiles_is_rejected_and_the_others_are_kept(IsolationMode isolation)
    {
        var spec = ExampleProject(out var programs);
        for (var i = 0; i < 2; i++)
        {
            File.WriteAllText(Path.Combine(programs, ApplyTestKit.Benign[i].Name + ".cs"), ApplyTestKit.Benign[i].Source);
        }

        var stalePath = Path.Combine(programs, "reads_files.cs");
        File.WriteAllText(stalePath, """
            public static class Program
            {
                public static int Label(string text) => System.IO.File.Exists(text) ? 1 : -1;
            }
            """);
        var options = ProjectApply.OptionsFor(spec, isolation);
        var first = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal("reads_files", Assert.Single(first.Rejected).Name);

        // A column's key covers the program's source, the sandbox's build and the task's signature, so with one build a
        // program that compiled once compiles again. What the key cannot see (a framework assembly the process can no
        // longer load, a crash inside Roslyn) can still make the compile fail; this plants that state: column files under
        // the keys of a program that does not compile, cut short so that they do not read back.
        var cache = new ColumnCache(options.CacheDirectory!);
        foreach (var split in first.Splits)
        {
            File.WriteAllBytes(cache.PathOf(ColumnKey(spec, stalePath, split.DataHash)), "ALCOL001"u8.ToArray());
        }

        // One of the good programs loses its train column too: it is recomputed in the same pass.
        var recomputed = ApplyTestKit.Benign[0].Name;
        var recomputedKey = ColumnKey(spec, Path.Combine(programs, recomputed + ".cs"), first.Splits[0].DataHash);
        Assert.True(cache.Contains(recomputedKey));
        File.WriteAllText(cache.PathOf(recomputedKey), "not a column");

        var again = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);

        var rejected = Assert.Single(again.Rejected);
        Assert.Equal("reads_files", rejected.Name);
        Assert.Contains(Path.Combine(ProjectApply.ProgramsFolder, "reads_files.cs"), rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("'File.Exists' is not allowed", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(first.ProgramsInMatrix, again.ProgramsInMatrix);
        Assert.Equal(2, again.ProgramsCompiled); // the two programs the engine had to run again, and nothing else
        for (var s = 0; s < first.Splits.Count; s++)
        {
            var written = LabelMatrixFile.Read(again.MatrixFiles[s]);
            AssertSameVotes(first.Splits[s].Matrix, written);
            var result = again.Splits[s].Programs.Single(p => p.Name == recomputed);
            Assert.Equal(s != 0, result.FromCache);
            Assert.Equal(ProgramStatus.Ok, result.Status);
        }
    }

    [Fact]
    public void Applying_unchanged_programs_again_in_process_reuses_their_loaded_copies()
    {
        var spec = ExampleProject(out var programs);
        string[] names = ["reuse_probe_short", "reuse_probe_url"]; // load contexts named after programs no other test has
        File.WriteAllText(Path.Combine(programs, names[0] + ".cs"), ApplyTestKit.Benign[2].Source);
        File.WriteAllText(Path.Combine(programs, names[1] + ".cs"), ApplyTestKit.Benign[0].Source);

        // No column cache, so that both applies compile and run every program; one thread, so each needs exactly one copy.
        var options = ProjectApply.OptionsFor(spec, IsolationMode.None) with { CacheDirectory = null, Parallelism = 1 };
        var first = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(names.Length, LoadedProgramAssemblies(names));

        var again = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(names.Length, again.ProgramsCompiled);
        Assert.Equal(names.Length, LoadedProgramAssemblies(names));
        for (var s = 0; s < first.Splits.Count; s++)
        {
            Assert.All(again.Splits[s].Programs, p => Assert.False(p.FromCache));
            AssertSameVotes(first.Splits[s].Matrix, again.Splits[s].Matrix);
        }
    }

    /// <summary>The key a project's apply stores the column of the program in <paramref name="programPath"/> under.</summary>
    private static string ColumnKey(TaskSpec spec, string programPath, string dataHash) => ColumnCache.Key(
        SandboxedProgram.ContentHashOf(new ProgramCompiler(ProjectApply.SignatureFor(spec)).CacheKeyOf(ProgramFile.Load(programPath).TextToCompile()), ProjectApply.BudgetsFor(spec)),
        dataHash);

    private static int LoadedProgramAssemblies(string[] programNames) => AppDomain.CurrentDomain.GetAssemblies()
        .Count(a => AssemblyLoadContext.GetLoadContext(a)?.Name is { } context && programNames.Any(name => context == "alchemist-program-" + name));

    private static void AssertSameVotes(LabelMatrix expected, LabelMatrix actual)
    {
        Assert.Equal(expected.Programs, actual.Programs);
        for (var j = 0; j < expected.Programs; j++)
        {
            Assert.Equal(expected.Column(j).ToArray(), actual.Column(j).ToArray());
        }
    }

    /// <summary>A fresh project folder with the bundled example's spec and data, and an empty programs folder.</summary>
    [Fact]
    public void Programs_an_LLM_wrote_run_in_this_process_only_when_the_user_trusts_them()
    {
        var spec = ExampleProject(out var programs);
        var llm = new ProgramProvenance { Kind = ProgramAuthorKind.Llm, Provider = "anthropic", Model = "claude", Created = DateTimeOffset.UnixEpoch };
        new ProgramFile("by_llm", llm, ApplyTestKit.Benign[2].Source).Save(programs);
        new ProgramFile("by_person", ProgramProvenance.ByPerson("me", DateTimeOffset.UnixEpoch), ApplyTestKit.Benign[1].Source).Save(programs);

        var refused = Assert.Throws<InvalidOperationException>(() =>
            ProjectApply.Run(spec, ProjectApply.OptionsFor(spec, IsolationMode.None), cancel: TestContext.Current.CancellationToken));
        Assert.Contains("programs/by_llm.cs was written by an LLM", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--trust-programs", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("by_person", refused.Message, StringComparison.Ordinal);

        var trusted = ProjectApply.Run(spec, ProjectApply.OptionsFor(spec, IsolationMode.None, trustPrograms: true), cancel: TestContext.Current.CancellationToken);
        Assert.Equal(["by_llm", "by_person"], trusted.ProgramsInMatrix);
        Assert.Contains("none: programs ran in this process", trusted.DescribeWalls()[0], StringComparison.Ordinal);

        var isolated = ProjectApply.Run(spec with { Isolation = null }, ProjectApply.OptionsFor(spec, IsolationMode.Process), cancel: TestContext.Current.CancellationToken);
        Assert.Equal(["by_llm", "by_person"], isolated.ProgramsInMatrix);
    }

    [Fact]
    public void The_walls_workers_report_are_what_apply_json_shows()
    {
        var spec = ExampleProject(out var programs);
        File.WriteAllText(Path.Combine(programs, "short.cs"), ApplyTestKit.Benign[2].Source);
        var result = ProjectApply.Run(spec with { Isolation = null }, ProjectApply.OptionsFor(spec, IsolationMode.Process) with { CacheDirectory = null },
            cancel: TestContext.Current.CancellationToken);

        var walls = Assert.IsType<Isolation.SandboxWalls>(result.Walls);
        using var json = System.Text.Json.JsonDocument.Parse(result.ToJson());
        var shown = json.RootElement.GetProperty("walls");
        Assert.Equal(walls.CleanEnvironment, shown.GetProperty("clean_environment").GetBoolean());
        Assert.Equal(walls.NetworkBlocked, shown.GetProperty("network_blocked").GetBoolean());
        Assert.Equal(walls.WritesBlocked, shown.GetProperty("writes_outside_temp_blocked").GetBoolean());
        Assert.Equal(walls.Describe(), json.RootElement.GetProperty("walls_summary").EnumerateArray().Select(e => e.GetString()));
    }

    private static TaskSpec ExampleProject(out string programs)
    {
        var project = Alchemist.Tests.ExampleProject.CopyTo(ApplyTestKit.TemporaryFolder());

        programs = Path.Combine(project, ProjectApply.ProgramsFolder);
        Directory.CreateDirectory(programs);
        return SpecReader.Load(project);
    }
}
