using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alchemist.Studio.BrowserTests;

/// <summary>
/// The studio page as a person uses it: the programs table, the keys, a program's evidence pane and its editor. Tests go
/// through here, never through selectors of their own, so that a change of the page (a new editor, new controls for
/// renaming or adding a class) is met in one place.
/// </summary>
public sealed class StudioPage(IPage page)
{
    /// <summary>How long the page may take to show what a test waits for: a save compiles, applies and refits (under a second warm, seconds cold on a busy machine).</summary>
    public const float WaitMs = 30_000;

    /// <summary>The Playwright page, for what this class does not cover (screenshots).</summary>
    public IPage Raw => page;

    private ILocator Rows => page.Locator("#rows > tr");

    private ILocator Evidence => page.Locator("#evidence");

    /// <summary>The program's editor: a textarea in the evidence pane.</summary>
    public ProgramEditor Editor { get; } = new(page.Locator("#evidence textarea"));

    /// <summary>Opens the address (with its token) and waits for the table to be filled.</summary>
    public async Task OpenAsync(Uri address)
    {
        page.SetDefaultTimeout(WaitMs);
        await page.GotoAsync(address.AbsoluteUri);
        await Expect(Rows.First).ToBeVisibleAsync(new() { Timeout = WaitMs });
    }

    /// <summary>The table's column headings, without the sort arrow.</summary>
    public async Task<IReadOnlyList<string>> HeadingsAsync() =>
        [.. (await page.Locator("#heads > th").AllTextContentsAsync()).Select(h => h.TrimEnd(' ', '▲', '▼'))];

    /// <summary>Every row of the table, each as the text of its cells, in the order shown.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> TableAsync() =>
        await page.EvaluateAsync<string[][]>("() => Array.from(document.querySelectorAll('#rows > tr'), tr => Array.from(tr.cells, td => td.textContent))");

    /// <summary>The text of one program's cell under the heading <paramref name="column"/>.</summary>
    public async Task<string> CellAsync(string program, string column)
    {
        var index = (await HeadingsAsync()).ToList().IndexOf(column);
        return index < 0 ? throw new ArgumentException($"no column '{column}'", nameof(column)) : await Row(program).Locator("td").Nth(index).InnerTextAsync();
    }

    /// <summary>Waits until one program's cell under <paramref name="column"/> reads <paramref name="expected"/>.</summary>
    public async Task WaitForCellAsync(string program, string column, string expected)
    {
        var index = (await HeadingsAsync()).ToList().IndexOf(column);
        await Expect(Row(program).Locator("td").Nth(index)).ToHaveTextAsync(expected, new() { Timeout = WaitMs });
    }

    /// <summary>Whether the program's row is shown greyed out, as not voting.</summary>
    public async Task<bool> IsInactiveAsync(string program) =>
        (await Row(program).GetAttributeAsync("class") ?? "").Split(' ').Contains("inactive");

    /// <summary>The name of the program the selection is on.</summary>
    public Task<string> SelectedProgramAsync() => page.Locator("#rows > tr.selected > td").First.InnerTextAsync();

    /// <summary>Presses a key with nothing focused (as after clicking the page's background): the page's keys j, k, Enter, x, p, Esc.</summary>
    public async Task PressAsync(string key)
    {
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        await page.Keyboard.PressAsync(key);
    }

    /// <summary>Moves the selection to <paramref name="program"/> with j and k.</summary>
    public async Task SelectAsync(string program)
    {
        var names = (await TableAsync()).Select(r => r[0]).ToList();
        var target = names.IndexOf(program);
        if (target < 0)
        {
            throw new ArgumentException($"no program '{program}' in the table", nameof(program));
        }

        var at = names.IndexOf(await SelectedProgramAsync());
        for (; at != target; at += at < target ? 1 : -1)
        {
            await PressAsync(at < target ? "j" : "k");
        }

        await Expect(page.Locator("#rows > tr.selected > td").First).ToHaveTextAsync(program);
    }

    /// <summary>Selects <paramref name="program"/>, presses Enter and waits for its evidence (and, for an active program, its editor).</summary>
    public async Task OpenEvidenceAsync(string program)
    {
        await SelectAsync(program);
        await PressAsync("Enter");
        await Expect(Evidence.Locator("h2")).ToHaveTextAsync(program);
        await Expect(Evidence.Locator("h3").First).ToBeVisibleAsync();
    }

    /// <summary>Whether the evidence pane is shown.</summary>
    public Task<bool> EvidenceIsOpenAsync() => Evidence.IsVisibleAsync();

    /// <summary>The evidence pane's title: the program it shows.</summary>
    public Task<string> EvidenceTitleAsync() => Evidence.Locator("h2").InnerTextAsync();

    /// <summary>
    /// One section of the evidence pane, named by the start of its heading ("valid rows it got wrong"): its heading as shown
    /// (with the count) and its rows, each as its tag (the vote, and the gold class where they differ) and its text.
    /// </summary>
    public async Task<(string Heading, IReadOnlyList<(string Tag, string Text)> Rows)> EvidenceSectionAsync(string title)
    {
        var found = await page.EvaluateAsync<string[][]>(
            """
            title => {
              const found = [];
              let inside = false;
              for (const e of document.querySelectorAll('#evidence > *')) {
                if (e.tagName === 'H3') { inside = e.textContent.startsWith(title + ' ('); if (inside) found.push([e.textContent]); continue; }
                if (inside && e.classList.contains('row'))
                  found.push([e.querySelector('.tag')?.textContent ?? '', Array.from(e.childNodes, n => n.nodeType === Node.TEXT_NODE ? n.textContent : '').join('')]);
              }
              return found;
            }
            """, title);
        return found.Length == 0
            ? throw new ArgumentException($"no evidence section '{title}'", nameof(title))
            : (found[0][0], [.. found.Skip(1).Select(r => (r[0], r[1]))]);
    }

    /// <summary>Types the author's name into the field beside the editor.</summary>
    public Task SetAuthorAsync(string name) => Evidence.GetByPlaceholder("your name").FillAsync(name);

    /// <summary>Clicks Save and returns the server's answer to the save as the page received it (the page updates after).</summary>
    public async Task<string> SaveAsync()
    {
        var response = await page.RunAndWaitForResponseAsync(
            () => Evidence.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync(),
            r => r.Request.Method == "PUT" && r.Url.Contains("/api/programs/", StringComparison.Ordinal),
            new() { Timeout = WaitMs });
        return await response.TextAsync();
    }

    /// <summary>Waits until the outcome under the editor holds a line containing <paramref name="text"/>, then returns every line of it.</summary>
    public async Task<IReadOnlyList<string>> OutcomeAsync(string text)
    {
        var outcome = Evidence.Locator(".errors > *");
        await Expect(outcome.Filter(new() { HasText = text }).First).ToBeVisibleAsync(new() { Timeout = WaitMs });
        return await outcome.AllTextContentsAsync();
    }

    private ILocator Row(string program) =>
        Rows.Filter(new() { Has = page.Locator("td:first-child", new() { HasTextRegex = new($"^{System.Text.RegularExpressions.Regex.Escape(program)}$") }) });
}

/// <summary>
/// The program's source as the page's editor holds it. Every test reads and types the text through here alone; the editor is
/// a textarea today, and an editor that is not a form field (CodeMirror's contenteditable <c>.cm-content</c> inside
/// <c>[data-testid=program-editor]</c>) changes only this class.
/// </summary>
public sealed class ProgramEditor(ILocator field)
{
    /// <summary>The whole text in the editor.</summary>
    public Task<string> ReadAsync() => field.InputValueAsync();

    /// <summary>Replaces the whole text, as a person selecting all and typing would.</summary>
    public async Task ReplaceAsync(string text)
    {
        await field.FillAsync(text);
        await Expect(field).ToHaveValueAsync(text);
    }

    /// <summary>Waits until the editor holds <paramref name="text"/> (it is filled after the evidence arrives).</summary>
    public Task WaitForAsync(string text) => Expect(field).ToHaveValueAsync(text, new() { Timeout = StudioPage.WaitMs });
}
