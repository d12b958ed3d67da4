using Alchemist.Programs;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Studio.BrowserTests;

/// <summary>Changing the task's classes from the page: a rename, and a new class whose program the LLM (the exchange provider) writes.</summary>
public sealed class ClassTests(StudioBrowser browser) : BrowserTest(browser)
{
    [Fact]
    public async Task A_rename_shows_everywhere_on_the_page_and_in_the_files_and_changes_no_figure()
    {
        var studio = await OpenStudioAsync();
        var before = await studio.ProgramsAsync();

        await studio.Page.OpenClassesAsync();
        await studio.Page.RenameClassAsync("HAM", "GENUINE");

        Assert.Equal(["GENUINE", "SPAM"], await studio.Page.HeaderClassesAsync());
        var after = await studio.ProgramsAsync();
        ProgramTableTests.AssertShows(after, await studio.Page.TableAsync());
        Assert.Equal(["GENUINE"], after.Single(p => p.Name == "ham-keywords").Classes);
        Assert.Equal(
            before.Select(p => ProgramTableTests.Exact(p with { Classes = [], EstimatedAccuracy = null })),
            after.Select(p => ProgramTableTests.Exact(p with { Classes = [], EstimatedAccuracy = null })));

        // On disk: the spec names the new class and keeps the data's own label, and the programs' comments say GENUINE.
        var spec = SpecReader.Load(studio.Directory);
        Assert.Equal(["GENUINE", "SPAM"], spec.ClassNames);
        Assert.Equal(["HAM", "SPAM"], spec.Data.Classes);
        Assert.Equal(["HAM"], spec.Classes[0].DataLabels);
        var program = ProgramFile.Load(studio.ProgramPath("ham-keywords")).Source;
        Assert.Contains("Votes GENUINE (class 0)", program, StringComparison.Ordinal);
        Assert.DoesNotContain("HAM", program, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_class_gets_a_program_from_the_llm_after_its_price_is_shown_and_the_reply_is_pasted()
    {
        var studio = await OpenStudioAsync(warmUp: true);
        var page = studio.Page;

        await page.OpenClassesAsync();
        var added = await page.AddClassAsync("MUSIC", "Comments about the song or the music itself");
        Assert.Equal(["HAM", "SPAM", "MUSIC"], await page.HeaderClassesAsync());
        Assert.Contains("classes: HAM, SPAM → HAM, SPAM, MUSIC", added);

        // The exchange provider writes the prompt and waits for a reply, as a person answering in a chat window would.
        var (price, waiting) = await page.AskForProgramAsync("MUSIC", "Waiting for the reply");
        Assert.Contains($"Ask exchange ({StudioBrowser.ExchangeModel}) for followup-music", price, StringComparison.Ordinal);
        Assert.Contains("0 data row(s) go into the prompt", price, StringComparison.Ordinal);
        var exchange = Path.Combine(studio.Directory, ".alchemist", "exchange");
        var prompt = Assert.Single(Directory.GetFiles(exchange, "followup-music.*.prompt.md"));
        Assert.Contains("Write a function that recognizes MUSIC precisely: return 2", await File.ReadAllTextAsync(prompt, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var reply = prompt.Replace(".prompt.md", ".reply.md", StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(reply), waiting, StringComparison.Ordinal);
        await File.WriteAllTextAsync(reply,
            "Here is the function:\n\n```csharp\npublic static int Label(string text) => text.Contains(\"song\", StringComparison.OrdinalIgnoreCase) ? 2 : -1;\n```\n",
            TestContext.Current.CancellationToken);

        var (_, written) = await page.AskForProgramAsync("MUSIC", "followup-music written by the LLM");

        Assert.Contains("followup-music written by the LLM", written, StringComparison.Ordinal);
        var row = (await studio.ProgramsAsync()).Single(p => p.Name == "followup-music");
        Assert.Equal(["MUSIC"], row.Classes);
        Assert.True(row.Coverage > 0, "the program votes MUSIC on train rows that mention a song");
        ProgramTableTests.AssertShows(await studio.ProgramsAsync(), await page.TableAsync());
        var file = ProgramFile.Load(studio.ProgramPath("followup-music"));
        Assert.Equal(ProgramAuthorKind.Llm, file.Provenance.Kind);
        Assert.Contains("text.Contains(\"song\", StringComparison.OrdinalIgnoreCase) ? 2 : -1", file.Source, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(Path.Combine(studio.Directory, ".alchemist", "ledger.jsonl")), l => l.Contains("followup-music", StringComparison.Ordinal));
    }
}

/// <summary>Asking the LLM, through the exchange provider, to fix a program from its evidence pane.</summary>
public sealed class LlmFixTests(StudioBrowser browser) : BrowserTest(browser)
{
    [Fact]
    public async Task A_fix_replaces_the_program_only_once_the_reply_passed_its_checks_and_keeps_the_old_version()
    {
        const string program = "spam-keywords";
        var studio = await OpenStudioAsync(warmUp: true);
        var old = await File.ReadAllTextAsync(studio.ProgramPath(program), TestContext.Current.CancellationToken);
        await studio.Page.OpenEvidenceAsync(program);

        var (price, waiting) = await studio.Page.AskToFixAsync("Waiting for the reply");
        Assert.Contains($"for {program}-llm: on the labeled valid rows it votes on, it is right on", price, StringComparison.Ordinal);
        var prompt = Assert.Single(Directory.GetFiles(Path.Combine(studio.Directory, ".alchemist", "exchange"), $"{program}-llm.*.prompt.md"));
        Assert.Contains("This labeling function for the task needs fixing", await File.ReadAllTextAsync(prompt, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(old, await File.ReadAllTextAsync(studio.ProgramPath(program), TestContext.Current.CancellationToken));
        await File.WriteAllTextAsync(prompt.Replace(".prompt.md", ".reply.md", StringComparison.Ordinal),
            "```csharp\npublic static int Label(string text) => text.Contains(\"subscribe\", StringComparison.OrdinalIgnoreCase) || text.Contains(\"http\", StringComparison.OrdinalIgnoreCase) ? 1 : -1;\n```\n",
            TestContext.Current.CancellationToken);
        Assert.Contains(".reply.md", waiting, StringComparison.Ordinal);

        var (_, written) = await studio.Page.AskToFixAsync($"{program} written by the LLM");

        var file = ProgramFile.Load(studio.ProgramPath(program));
        Assert.Equal(ProgramAuthorKind.Llm, file.Provenance.Kind);
        Assert.Contains("text.Contains(\"subscribe\", StringComparison.OrdinalIgnoreCase)", file.Source, StringComparison.Ordinal);
        Assert.False(File.Exists(studio.ProgramPath(program + "-llm")));
        Assert.Equal(old, await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(studio.Directory, ".alchemist", "history", program))), TestContext.Current.CancellationToken));
        Assert.Contains("valid rows changed their label", written, StringComparison.Ordinal);
        ProgramTableTests.AssertShows(await studio.ProgramsAsync(), await studio.Page.TableAsync());
    }
}
