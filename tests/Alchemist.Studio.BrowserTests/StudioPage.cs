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

    /// <summary>The program's editor: CodeMirror 6 in the evidence pane.</summary>
    public ProgramEditor Editor { get; } = new(page);

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
              for (const e of document.querySelectorAll('#evidence h3, #evidence .row')) {
                if (e.tagName === 'H3') { inside = e.textContent.startsWith(title + ' ('); if (inside) found.push([e.textContent]); continue; }
                if (inside)
                  found.push([e.querySelector('.tag')?.textContent ?? '', Array.from(e.childNodes, n => n.classList?.contains('tag') ? '' : n.textContent).join('')]);
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

    /// <summary>Waits until the evidence section <paramref name="testid"/> (wrong, right, disagrees, fired) has the heading <paramref name="heading"/>.</summary>
    public Task WaitForEvidenceHeadingAsync(string testid, string heading) =>
        Expect(Evidence.GetByTestId(testid)).ToHaveTextAsync(heading, new() { Timeout = WaitMs });

    /// <summary>The classes shown in the page's header, in order.</summary>
    public async Task<IReadOnlyList<string>> HeaderClassesAsync() =>
        [.. (await page.Locator("#classes").InnerTextAsync()).Split(" · ", StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Opens the classes panel with its key.</summary>
    public async Task OpenClassesAsync()
    {
        await PressAsync("c");
        await Expect(page.GetByTestId("add-class-name")).ToBeVisibleAsync(new() { Timeout = WaitMs });
    }

    /// <summary>Renames a class from the classes panel and waits for the header to show the new name.</summary>
    public async Task RenameClassAsync(string from, string to)
    {
        var row = page.GetByTestId("class-" + from);
        await row.GetByPlaceholder("new name").FillAsync(to);
        await row.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Expect(page.Locator("#classes")).ToContainTextAsync(to, new() { Timeout = WaitMs });
    }

    /// <summary>Adds a class from the classes panel and returns the lines the change reported.</summary>
    public async Task<IReadOnlyList<string>> AddClassAsync(string name, string description)
    {
        await page.GetByTestId("add-class-name").FillAsync(name);
        await page.GetByPlaceholder("what belongs in it").FillAsync(description);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add class" }).ClickAsync();
        var outcome = page.GetByTestId("classes-outcome");
        await Expect(outcome).ToContainTextAsync($"no program votes {name}", new() { Timeout = WaitMs });
        return await outcome.Locator("p, div").AllTextContentsAsync();
    }

    /// <summary>
    /// Asks the LLM for a program for <paramref name="cls"/> from the classes panel's outcome: the price first, then Ask.
    /// Returns the price line the page showed and the answer's text (a reply awaited, or the program written).
    /// </summary>
    public Task<(string Price, string Answer)> AskForProgramAsync(string cls, string expected) =>
        AskAsync(page.GetByTestId("classes-outcome"), page.GetByTestId("classes-outcome").GetByRole(AriaRole.Button, new() { Name = $"Ask the LLM for a program for {cls}…" }), expected);

    /// <summary>Asks the LLM to fix the program whose evidence is open, as <see cref="AskForProgramAsync"/> does for a class.</summary>
    public Task<(string Price, string Answer)> AskToFixAsync(string expected) =>
        AskAsync(page.GetByTestId("save-outcome"), Evidence.GetByRole(AriaRole.Button, new() { Name = "Ask the LLM to fix it…" }), expected);

    private async Task<(string Price, string Answer)> AskAsync(ILocator outcome, ILocator first, string expected)
    {
        var again = outcome.GetByRole(AriaRole.Button, new() { Name = "The reply is pasted: check again" });
        if (await again.CountAsync() > 0)
        {
            await again.ClickAsync();
        }
        else
        {
            await first.ClickAsync();
        }

        var ask = outcome.GetByTestId("llm-ask");
        await Expect(ask).ToBeVisibleAsync(new() { Timeout = WaitMs });
        var price = await ask.Locator("p").First.InnerTextAsync();
        await ask.GetByRole(AriaRole.Button, new() { Name = "Ask", Exact = true }).ClickAsync();
        await Expect(outcome).ToContainTextAsync(expected, new() { Timeout = WaitMs });
        return (price, await outcome.InnerTextAsync());
    }

    private ILocator Row(string program) =>
        Rows.Filter(new() { Has = page.Locator("td:first-child", new() { HasTextRegex = new($"^{System.Text.RegularExpressions.Regex.Escape(program)}$") }) });
}

/// <summary>
/// The program's source as the page's editor holds it. Every test reads and types the text through here alone: CodeMirror's
/// contenteditable <c>.cm-content</c> inside <c>[data-testid=program-editor]</c>, read through the page's editor object.
/// </summary>
public sealed class ProgramEditor(IPage page)
{
    private ILocator Content => page.Locator("[data-testid=program-editor] .cm-content");

    /// <summary>The whole text in the editor.</summary>
    public Task<string> ReadAsync() => page.EvaluateAsync<string>("() => editor.getText()");

    /// <summary>
    /// Replaces the whole text, as a person selecting all and pasting would (typing key by key would let the editor indent
    /// new lines on its own, and the text would not be the one given).
    /// </summary>
    public async Task ReplaceAsync(string text)
    {
        await Content.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.InsertTextAsync(text);
        await WaitForAsync(text);
    }

    /// <summary>Waits until the editor holds <paramref name="text"/> (it is filled after the evidence arrives).</summary>
    public Task WaitForAsync(string text) =>
        page.WaitForFunctionAsync("expected => typeof editor !== 'undefined' && editor !== null && editor.getText() === expected", text, new() { Timeout = StudioPage.WaitMs });

    /// <summary>The lines the editor marks with an error in its gutter (1-based): the line number beside each marker.</summary>
    public Task<int[]> ErrorLinesAsync() => page.EvaluateAsync<int[]>(
        """
        () => {
          const root = document.querySelector('[data-testid=program-editor]');
          const numbers = Array.from(root.querySelectorAll('.cm-lineNumbers .cm-gutterElement'));
          return Array.from(root.querySelectorAll('.cm-lint-marker-error'), marker => {
            const top = marker.closest('.cm-gutterElement').getBoundingClientRect().top;
            const beside = numbers.find(n => Math.abs(n.getBoundingClientRect().top - top) < 2);
            return beside ? Number(beside.textContent) : 0;
          });
        }
        """);
}
