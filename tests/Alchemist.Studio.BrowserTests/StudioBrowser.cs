using Alchemist.Pipeline;
using Alchemist.Tests;
using Microsoft.Playwright;
using Xunit;

namespace Alchemist.Studio.BrowserTests;

/// <summary>
/// The tests of this collection share one run of the bundled example and one Chromium, and take turns: each test restores
/// the project as the run left it, then opens its own studio over it (<see cref="OpenAsync"/>).
/// </summary>
[CollectionDefinition(Name)]
public sealed class StudioBrowserCollection : ICollectionFixture<StudioBrowser>
{
    public const string Name = "studio in a browser";
}

/// <summary>
/// One offline run of examples/youtube-spam (about 13 s, paid once) and one headless Debian Chromium driven by Playwright.
/// Both start on the first <see cref="OpenAsync"/>, so that where Chromium is missing the tests skip without running anything.
/// </summary>
public sealed class StudioBrowser : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-studio-browser-" + Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Task<IBrowser>? _started;

    /// <summary>Clears the screenshots an earlier run's failures left, so that those found after this run are this run's.</summary>
    public StudioBrowser()
    {
        if (Directory.Exists(BrowserTest.FailuresFolder))
        {
            Directory.Delete(BrowserTest.FailuresFolder, recursive: true);
        }
    }

    /// <summary>The project every test works on: the same folder each time, so that the run's record of its data still holds.</summary>
    public string Project => Path.Combine(_root, "youtube-spam");

    /// <summary>The project as the run left it, without its data (which nothing changes, and whose file times the run recorded).</summary>
    private string Pristine => Path.Combine(_root, "as-run");

    /// <summary>
    /// Restores the project as the run left it and serves it to a new page in a fresh browser context (no cookie, no
    /// storage), opened at the address that carries the token. Skips the test where Chromium is missing (fails it under CI).
    /// </summary>
    /// <param name="warmUp">Start the compiler ahead of the first save, as <c>alchemist studio</c> does.</param>
    public async Task<StudioSession> OpenAsync(bool warmUp = false)
    {
        var chromium = Chromium.Require();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            // Started once; a start that failed fails every test with its own exception, not with what a second try meets.
            _started ??= StartAsync(chromium);
            var browser = await _started;
            Restore();
            return await StudioSession.StartAsync(browser, Project, warmUp);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IBrowser> StartAsync(string chromium)
    {
        await RunExampleAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return _browser;
    }

    /// <summary>
    /// Runs the example offline (its programs are written), then names the exchange provider as its LLM and runs again (the
    /// programs stay, nothing is asked): the studio can then ask for programs, answered by a reply file a test writes.
    /// </summary>
    private async Task RunExampleAsync()
    {
        ExampleProject.CopyTo(Project);
        await new RunPipeline(TextWriter.Null).RunAsync(Project);
        var spec = Path.Combine(Project, "alchemist.yaml");
        var text = await File.ReadAllTextAsync(spec);
        await File.WriteAllTextAsync(spec, text.Replace("  provider: offline", $"  provider: exchange\n  model: {ExchangeModel}", StringComparison.Ordinal));
        await new RunPipeline(TextWriter.Null).RunAsync(Project);
        CopyTree(Project, Pristine, skip: Path.Combine(Project, "data"));
    }

    /// <summary>The model the project names for the exchange provider (its replies are written by the tests).</summary>
    public const string ExchangeModel = "claude-sonnet-4-5";

    /// <summary>Puts back every file but the data as the run left it, dropping what a test added (drafts, history, disabled/).</summary>
    private void Restore()
    {
        var data = Path.Combine(Project, "data");
        foreach (var entry in Directory.EnumerateFileSystemEntries(Project).Where(e => e != data).ToList())
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        CopyTree(Pristine, Project, skip: null);
    }

    private static void CopyTree(string from, string to, string? skip)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.GetDirectories(from).Where(d => d != skip))
        {
            CopyTree(directory, Path.Combine(to, Path.GetFileName(directory)), skip);
        }

        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _gate.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
