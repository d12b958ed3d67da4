using Xunit;

namespace Alchemist.Studio.BrowserTests;

/// <summary>Reading the example's programs in the page: the table, the keys, a program's evidence.</summary>
public sealed class ProgramTableTests(StudioBrowser browser) : BrowserTest(browser)
{
    /// <summary>The table's columns, as the page titles them.</summary>
    private static readonly string[] Headings =
        ["program", "author", "classes", "coverage", "overlaps", "conflicts", "valid right", "valid wrong", "valid acc", "est. acc", "state"];

    /// <summary>The table shows exactly these programs, in this order, each as <see cref="PageFormat.Row"/> says (one line per row, so a difference reads).</summary>
    internal static void AssertShows(IEnumerable<ProgramRow> api, IReadOnlyList<IReadOnlyList<string>> table) =>
        Assert.Equal(api.Select(p => string.Join(" | ", PageFormat.Row(p))), table.Select(r => string.Join(" | ", r)));

    /// <summary>Every figure of a row, exactly (records compare their class lists by reference).</summary>
    internal static string Exact(ProgramRow p) => System.Text.Json.JsonSerializer.Serialize(p);

    [Fact]
    public async Task The_table_lists_every_program_file_with_the_figures_the_api_gives()
    {
        var studio = await OpenStudioAsync();

        var files = Directory.GetFiles(Path.Combine(studio.Directory, "programs"), "*.cs").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList();
        var table = await studio.Page.TableAsync();
        var api = await studio.ProgramsAsync();

        Assert.Equal(Headings, await studio.Page.HeadingsAsync());
        Assert.Equal(16, files.Count);
        Assert.Equal(files, table.Select(r => r[0]).Order(StringComparer.Ordinal));
        AssertShows(api, table);
        Assert.All(api, p => Assert.Equal("active", p.State));
        Assert.Contains(api, p => p.ValidWrong > 0);
    }

    [Fact]
    public async Task J_and_k_move_the_selection_enter_opens_its_evidence_and_escape_closes_it()
    {
        var studio = await OpenStudioAsync();
        var names = (await studio.ProgramsAsync()).Select(p => p.Name).ToList();
        var page = studio.Page;

        Assert.Equal(names[0], await page.SelectedProgramAsync());
        Assert.False(await page.EvidenceIsOpenAsync());

        await page.PressAsync("j");
        await page.PressAsync("j");
        Assert.Equal(names[2], await page.SelectedProgramAsync());
        await page.PressAsync("k");
        Assert.Equal(names[1], await page.SelectedProgramAsync());
        await page.PressAsync("k");
        await page.PressAsync("k");
        Assert.Equal(names[0], await page.SelectedProgramAsync());

        await page.PressAsync("j");
        await page.PressAsync("Enter");
        await studio.Page.Editor.WaitForAsync((await studio.EvidenceAsync(names[1])).Source!);
        Assert.True(await page.EvidenceIsOpenAsync());
        Assert.Equal(names[1], await page.EvidenceTitleAsync());

        await page.PressAsync("Escape");
        Assert.False(await page.EvidenceIsOpenAsync());
        Assert.Equal(names[1], await page.SelectedProgramAsync());
    }

    [Fact]
    public async Task A_programs_evidence_shows_the_valid_rows_it_got_wrong_and_right()
    {
        var studio = await OpenStudioAsync();
        var program = (await studio.ProgramsAsync()).MaxBy(p => p.ValidWrong)!;
        var evidence = await studio.EvidenceAsync(program.Name);

        await studio.Page.OpenEvidenceAsync(program.Name);
        var (wrongHeading, wrong) = await studio.Page.EvidenceSectionAsync("valid rows it got wrong");
        var (rightHeading, right) = await studio.Page.EvidenceSectionAsync("valid rows it got right");

        Assert.True(program.ValidWrong > 0, $"{program.Name} has no wrong valid rows");
        Assert.Equal(Math.Min(program.ValidWrong!.Value, StudioProject.EvidenceRows), evidence.Wrong.Count);
        Assert.Equal($"valid rows it got wrong ({evidence.Wrong.Count}{(evidence.Wrong.Count == StudioProject.EvidenceRows ? " shown" : "")})", wrongHeading);
        Assert.Equal(evidence.Wrong.Select(r => ($"{r.Vote}≠{r.Gold}", r.Text)), wrong);
        Assert.All(evidence.Wrong, r => Assert.NotEqual(r.Gold, r.Vote));
        Assert.Equal($"valid rows it got right ({evidence.Right.Count}{(evidence.Right.Count == StudioProject.EvidenceRows ? " shown" : "")})", rightHeading);
        Assert.Equal(evidence.Right.Select(r => (r.Vote, r.Text)), right);
        Assert.Equal(evidence.Source, await studio.Page.Editor.ReadAsync());
    }
}
