using System.Text.Json;
using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>A program's versions from its history folder and its current file, each with a unified diff from the one before.</summary>
public sealed class ProgramHistoryTests : IDisposable
{
    private const string Oldest = """
        // alchemist-program: spam
        // author: offline-synthesizer
        // created: 2026-12-01T09:00:00Z

        public static int Label(string text) => -1;

        """;

    private const string Second = """
        // alchemist-program: spam
        // author: llm anthropic/claude-x
        // created: 2026-12-01T12:00:00Z

        public static int Label(string text) => text.Contains("free") ? 1 : -1;

        """;

    private const string Third = """
        // alchemist-program: spam
        // author: person Ada
        // created: 2026-12-02T09:00:00Z

        public static int Label(string text) => text.Contains("free") ? 1 : -1;

        """;

    private const string Current = """
        // alchemist-program: spam
        // author: person Bob
        // created: 2026-12-03T09:00:00Z

        public static int Label(string text) =>
            text.Contains("free") || text.Contains("win") ? 1 : -1;

        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-history-" + Guid.NewGuid().ToString("N"));
    private readonly ProjectLayout _layout;

    public ProgramHistoryTests()
    {
        _layout = new ProjectLayout(_root);
        Directory.CreateDirectory(_layout.ProgramsFolder);
        Directory.CreateDirectory(_layout.HistoryFolder("spam"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Keep(string fileName, string text) => File.WriteAllText(Path.Combine(_layout.HistoryFolder("spam"), fileName), text);

    [Fact]
    public void The_diff_is_unified_with_three_lines_of_context_and_far_apart_changes_in_separate_hunks()
    {
        const string before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        const string after = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";

        Assert.Equal(
            "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n",
            ProgramHistory.UnifiedDiff(before, after));
    }

    [Fact]
    public void Changes_with_at_most_six_unchanged_lines_between_share_a_hunk_and_counts_are_always_written()
    {
        Assert.Equal(
            "@@ -1,9 +1,9 @@\n 1\n-2\n+zwei\n 3\n 4\n 5\n 6\n 7\n-8\n+acht\n 9\n",
            ProgramHistory.UnifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nzwei\n3\n4\n5\n6\n7\nacht\n9\n"));
        // GNU diff writes "+1" for one line; the count is written here too.
        Assert.Equal("@@ -1,3 +1,1 @@\n-x\n y\n-z\n", ProgramHistory.UnifiedDiff("x\ny\nz\n", "y\n"));
    }

    [Fact]
    public void A_diff_against_nothing_adds_every_line_and_equal_texts_have_no_diff()
    {
        Assert.Equal("@@ -0,0 +1,2 @@\n+x\n+\n", ProgramHistory.UnifiedDiff("", "x\n\n"));
        Assert.Equal("@@ -1,1 +0,0 @@\n-x\n", ProgramHistory.UnifiedDiff("x", ""));
        // Line endings do not count as changes.
        Assert.Equal("", ProgramHistory.UnifiedDiff("a\r\nb\r\n", "a\nb"));
    }

    [Fact]
    public void Versions_are_listed_newest_first_the_current_file_first_with_authors_times_and_diffs()
    {
        Keep("20261201T100000.000Z.cs", Oldest);
        Keep("20261202T100000.000Z.cs", Second);
        Keep("20261202T100000.000Z-2.cs", Third); // replaced twice in the same millisecond: the -2 came later
        Keep("notes.cs", "not a version");
        File.WriteAllText(Path.Combine(_layout.HistoryFolder("spam"), "20261203T100000.000Z.txt"), "not a program file");
        File.WriteAllText(Path.Combine(_layout.ProgramsFolder, "spam.cs"), Current);

        var versions = ProgramHistory.Of(_layout, "spam");

        Assert.Equal([null, "2026-12-02T10:00:00.000Z", "2026-12-02T10:00:00.000Z", "2026-12-01T10:00:00.000Z"], versions.Select(v => v.ReplacedAt));
        Assert.Equal(["person Bob", "person Ada", "llm anthropic/claude-x", "offline-synthesizer"], versions.Select(v => v.Author));
        Assert.Equal([Current, Third, Second, Oldest], versions.Select(v => v.Text));
        Assert.All(versions, v => Assert.Null(v.Note));
        Assert.Equal(
            "@@ -1,5 +1,6 @@\n // alchemist-program: spam\n-// author: person Ada\n-// created: 2026-12-02T09:00:00Z\n"
            + "+// author: person Bob\n+// created: 2026-12-03T09:00:00Z\n \n"
            + "-public static int Label(string text) => text.Contains(\"free\") ? 1 : -1;\n"
            + "+public static int Label(string text) =>\n+    text.Contains(\"free\") || text.Contains(\"win\") ? 1 : -1;\n",
            versions[0].Diff);
        Assert.Equal(
            "@@ -1,5 +1,5 @@\n // alchemist-program: spam\n-// author: llm anthropic/claude-x\n-// created: 2026-12-01T12:00:00Z\n+// author: person Ada\n+// created: 2026-12-02T09:00:00Z\n \n public static int Label(string text) => text.Contains(\"free\") ? 1 : -1;\n",
            versions[1].Diff);
        Assert.Equal(
            "@@ -0,0 +1,5 @@\n+// alchemist-program: spam\n+// author: offline-synthesizer\n+// created: 2026-12-01T09:00:00Z\n+\n+public static int Label(string text) => -1;\n",
            versions[3].Diff);
    }

    [Fact]
    public void A_disabled_program_is_read_from_the_disabled_folder_and_a_version_that_does_not_parse_is_listed_with_a_note()
    {
        Directory.CreateDirectory(_layout.DisabledProgramsFolder);
        File.WriteAllText(Path.Combine(_layout.DisabledProgramsFolder, "spam.cs"), Oldest);
        const string broken = "// alchemist-program: spam\n// author: robot\n\npublic static int Label(string text) => 0;\n";
        Keep("20261130T235959.999Z.cs", broken);

        var versions = ProgramHistory.Of(_layout, "spam");

        Assert.Equal(2, versions.Count);
        Assert.Equal("offline-synthesizer", versions[0].Author);
        Assert.Equal("unknown", versions[1].Author);
        Assert.Equal(broken, versions[1].Text);
        Assert.Equal("2026-11-30T23:59:59.999Z", versions[1].ReplacedAt);
        Assert.Equal("spam.cs: line 2: 'author: robot' is not 'llm PROVIDER/MODEL', 'offline-synthesizer' or 'person [name]'", versions[1].Note);
        Assert.StartsWith("@@ -1,4 +1,5 @@\n // alchemist-program: spam\n-// author: robot\n", versions[0].Diff, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("x/../spam")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData("sp am")]
    public void A_name_that_cannot_name_a_program_reads_nothing(string name)
    {
        // What "../x" would reach: .alchemist/x (its "history" folder) and the project root's x.cs (its "program").
        var outside = Path.Combine(_layout.StateFolder, "x");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "20261201T100000.000Z.cs"), Oldest);
        File.WriteAllText(Path.Combine(_root, "x.cs"), Oldest);
        Keep("20261201T100000.000Z.cs", Oldest);

        Assert.Empty(ProgramHistory.Of(_layout, name));
    }

    [Fact]
    public void A_program_with_no_files_has_no_versions_and_a_link_in_the_history_is_not_followed()
    {
        Assert.Empty(ProgramHistory.Of(_layout, "nothing"));

        var elsewhere = Path.Combine(_root, "secret.cs");
        File.WriteAllText(elsewhere, Oldest);
        File.CreateSymbolicLink(Path.Combine(_layout.HistoryFolder("spam"), "20261201T100000.000Z.cs"), elsewhere);
        Keep("20261202T100000.000Z.cs", Second);

        Assert.Equal([Second], ProgramHistory.Of(_layout, "spam").Select(v => v.Text));
    }

    [Fact]
    public void A_version_serializes_to_plain_json_with_web_defaults()
    {
        var version = new ProgramVersion(null, "person Ada", "x\n", "@@ -0,0 +1,1 @@\n+x\n");

        // The default encoder writes "+" as \u002B, which any JSON reader reads back as "+".
        Assert.Equal(
            """{"replacedAt":null,"author":"person Ada","text":"x\n","diff":"@@ -0,0 \u002B1,1 @@\n\u002Bx\n","note":null}""",
            JsonSerializer.Serialize(version, JsonSerializerOptions.Web));
    }
}
