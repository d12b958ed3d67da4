using System.Globalization;
using Alchemist.Programs;
using Xunit;

namespace Alchemist.Studio.BrowserTests;

/// <summary>Correcting a program in the page: a compile error and its fix, and disabling a program with its key.</summary>
public sealed class ProgramEditTests(StudioBrowser browser) : BrowserTest(browser)
{
    /// <summary>The example's keyword program for SPAM, which fires on common words ("a", "of", "my", "you") and so gets valid rows wrong.</summary>
    private const string Program = "spam-keywords";

    /// <summary>The words a person would strike from <see cref="Program"/>'s list: they say nothing about spam.</summary>
    private static readonly string[] CommonWords = ["my", "up", "a", "of", "just", "you", "but", "an", "how", "get", "know", "most", "over", "see"];

    private const string Author = "Ada";

    /// <summary><see cref="Program"/>'s source with its common-word cases struck.</summary>
    private static string Fixed(string source) =>
        string.Join('\n', source.Split('\n').Where(line => !CommonWords.Any(w => line.TrimStart().StartsWith($"case \"{w}\":", StringComparison.Ordinal))));

    /// <summary>The source with the semicolon of its first <c>return 1;</c> dropped, and that line's 1-based number.</summary>
    private static (string Source, int Line) Broken(string source)
    {
        var lines = source.Split('\n');
        var index = Array.FindIndex(lines, l => l.Trim() == "return 1;");
        Assert.True(index >= 0, "no `return 1;` line to break");
        lines[index] = lines[index].Replace("return 1;", "return 1", StringComparison.Ordinal);
        return (string.Join('\n', lines), index + 1);
    }

    [Fact]
    public async Task A_compile_error_shows_on_its_line_keeps_the_text_and_leaves_the_file_alone()
    {
        var studio = await OpenStudioAsync(warmUp: true);
        var onDisk = await File.ReadAllTextAsync(studio.ProgramPath(Program), TestContext.Current.CancellationToken);
        var source = (await studio.EvidenceAsync(Program)).Source!;
        var (broken, line) = Broken(Fixed(source));

        await studio.Page.OpenEvidenceAsync(Program);
        await studio.Page.Editor.WaitForAsync(source);
        await studio.Page.Editor.ReplaceAsync(broken);
        var answer = SaveResultOf(await studio.Page.SaveAsync());
        var outcome = await studio.Page.OutcomeAsync($"line {line}: C# error: ");

        Assert.False(answer.Saved);
        Assert.Equal(line, answer.Errors[0].Line);
        Assert.Equal(answer.Errors.Select(e => $"line {e.Line}: {e.Kind}: {e.Message}"), outcome);
        Assert.Contains("; expected", outcome[0], StringComparison.Ordinal);
        Assert.Equal(broken, await studio.Page.Editor.ReadAsync());
        Assert.Equal([line], await studio.Page.Editor.ErrorLinesAsync());
        Assert.Equal(onDisk, await File.ReadAllTextAsync(studio.ProgramPath(Program), TestContext.Current.CancellationToken));
        var draft = ProgramFile.Load(Path.Combine(studio.Directory, ".alchemist", "drafts", Program + ".cs"));
        Assert.Equal(broken.TrimEnd('\n'), draft.Source.TrimEnd('\n'));
        Assert.Equal(ProgramAuthorKind.Person, draft.Provenance.Kind);
        ProgramTableTests.AssertShows(await studio.ProgramsAsync(), await studio.Page.TableAsync());
    }

    [Fact]
    public async Task A_fixed_program_saves_with_its_new_figures_beside_the_old_the_changed_rows_and_a_person_as_author()
    {
        var studio = await OpenStudioAsync(warmUp: true);
        var path = studio.ProgramPath(Program);
        var old = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        var source = (await studio.EvidenceAsync(Program)).Source!;
        var before = (await studio.ProgramsAsync()).Single(p => p.Name == Program);
        var (broken, line) = Broken(Fixed(source));
        var page = studio.Page;

        await page.OpenEvidenceAsync(Program);
        await page.Editor.WaitForAsync(source);
        await page.SetAuthorAsync(Author);
        await page.Editor.ReplaceAsync(broken);
        Assert.False(SaveResultOf(await page.SaveAsync()).Saved);
        await page.OutcomeAsync($"line {line}: C# error: ");
        var fixedSource = Fixed(source);
        await page.Editor.ReplaceAsync(fixedSource);
        var answer = SaveResultOf(await page.SaveAsync());
        var outcome = await page.OutcomeAsync("saved. ");

        Assert.True(answer.Saved, string.Join("; ", answer.Errors.Select(e => e.Message)));
        var after = (await studio.ProgramsAsync()).Single(p => p.Name == Program);
        Assert.Equal(ProgramTableTests.Exact(before), ProgramTableTests.Exact(answer.Before!));
        Assert.Equal(ProgramTableTests.Exact(after), ProgramTableTests.Exact(answer.After!));

        // The figures before and after, side by side, and every valid row whose label changed.
        Assert.Equal(
            $"saved. valid right {before.ValidRight} → {after.ValidRight}, wrong {before.ValidWrong} → {after.ValidWrong}, " +
            $"coverage {PageFormat.Fraction(before.Coverage)} → {PageFormat.Fraction(after.Coverage)}; label model valid accuracy {PageFormat.Fraction(answer.ValidAccuracyBefore)} → {PageFormat.Fraction(answer.ValidAccuracyAfter)} " +
            $"(always the majority class: {PageFormat.Fraction(await studio.ValidMajorityAccuracyAsync())}); {answer.Changed.Count} valid rows changed their label",
            outcome[0]);
        Assert.Equal(answer.Changed.Select(c => $"{c.Before} → {c.After}{(c.Gold is null ? "" : $" (gold {c.Gold})")}: {c.Text}"), outcome.Skip(1));
        Assert.NotEmpty(answer.Changed);
        Assert.True(after.ValidWrong < before.ValidWrong, $"valid wrong {before.ValidWrong} → {after.ValidWrong}");
        Assert.True(after.Coverage < before.Coverage, $"coverage {before.Coverage} → {after.Coverage}");

        // The evidence under the editor is the saved program's.
        await page.WaitForEvidenceHeadingAsync("wrong", $"valid rows it got wrong ({after.ValidWrong})");

        // The table shows the new figures, and the file on disk is the text typed, by a person.
        await page.WaitForCellAsync(Program, "valid wrong", after.ValidWrong!.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(PageFormat.Row(after), (await page.TableAsync()).Single(r => r[0] == Program));
        Assert.Equal("person " + Author, after.Author);
        var saved = ProgramFile.Load(path);
        Assert.Equal((ProgramAuthorKind.Person, Author), (saved.Provenance.Kind, saved.Provenance.AuthorName));
        Assert.Equal(fixedSource.TrimEnd('\n'), saved.Source.TrimEnd('\n'));
        var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.StartsWith($"// alchemist-program: {Program}\n// author: person {Author}\n", text, StringComparison.Ordinal);
        Assert.Equal(old, await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(studio.Directory, ".alchemist", "history", Program))), TestContext.Current.CancellationToken));
        Assert.Equal(fixedSource, await page.Editor.ReadAsync());
    }

    [Fact]
    public async Task X_disables_the_selected_program_into_programs_disabled_and_x_again_brings_it_back()
    {
        var studio = await OpenStudioAsync();
        const string program = "ham-keywords";
        var active = studio.ProgramPath(program);
        var parked = studio.DisabledProgramPath(program);
        var file = await File.ReadAllBytesAsync(active, TestContext.Current.CancellationToken);
        var before = (await studio.ProgramsAsync()).Single(p => p.Name == program);
        var page = studio.Page;

        await page.SelectAsync(program);
        await page.PressAsync("x");
        await page.WaitForCellAsync(program, "state", "disabled");

        Assert.False(File.Exists(active));
        Assert.Equal(file, await File.ReadAllBytesAsync(parked, TestContext.Current.CancellationToken));
        Assert.True(await page.IsInactiveAsync(program));
        Assert.Equal("disabled", (await studio.ProgramsAsync()).Single(p => p.Name == program).State);
        ProgramTableTests.AssertShows(await studio.ProgramsAsync(), await page.TableAsync());
        Assert.Equal(15, Directory.GetFiles(Path.Combine(studio.Directory, "programs"), "*.cs").Length);

        await page.SelectAsync(program);
        await page.PressAsync("x");
        await page.WaitForCellAsync(program, "state", "active");

        Assert.False(File.Exists(parked));
        Assert.Equal(file, await File.ReadAllBytesAsync(active, TestContext.Current.CancellationToken));
        Assert.False(await page.IsInactiveAsync(program));
        var back = (await studio.ProgramsAsync()).Single(p => p.Name == program);
        Assert.Equal(ProgramTableTests.Exact(before), ProgramTableTests.Exact(back with { EstimatedAccuracy = before.EstimatedAccuracy }));
        Assert.Equal(PageFormat.Row(back), (await page.TableAsync()).Single(r => r[0] == program));
        Assert.Equal(16, (await page.TableAsync()).Count);
    }

    private static SaveResult SaveResultOf(string body) => StudioSession.ParseSave(body);
}
