using Xunit;

namespace Alchemist.Studio.BrowserTests;

/// <summary>
/// A test that opens the studio in Chromium. When it fails, a screenshot of its page lands in the test output folder
/// (bin/…/browser-failures/CLASS.METHOD.png) and is attached to the test's result.
/// </summary>
[Collection(StudioBrowserCollection.Name)]
public abstract class BrowserTest(StudioBrowser browser) : IAsyncLifetime
{
    private StudioSession? _session;

    /// <summary>Where failed tests' screenshots go.</summary>
    public static string FailuresFolder => Path.Combine(AppContext.BaseDirectory, "browser-failures");

    /// <summary>Restores the example as run and opens the studio over it in a new page.</summary>
    protected async Task<StudioSession> OpenStudioAsync(bool warmUp = false)
    {
        if (_session is not null)
        {
            throw new InvalidOperationException("one studio per test");
        }

        _session = await browser.OpenAsync(warmUp);
        return _session;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_session is null)
        {
            return;
        }

        try
        {
            if (TestContext.Current.TestState?.Result == TestResult.Failed)
            {
                var png = await _session.ScreenshotAsync();
                var test = TestContext.Current.Test;
                var name = test is null ? "unknown" : $"{GetType().Name}.{test.TestCase.TestMethod?.MethodName}";
                Directory.CreateDirectory(FailuresFolder);
                var path = Path.Combine(FailuresFolder, name + ".png");
                await File.WriteAllBytesAsync(path, png);
                TestContext.Current.AddAttachment(name + ".png", png, "image/png");
                TestContext.Current.TestOutputHelper?.WriteLine($"screenshot of the failed test's page: {path}");
            }
        }
        finally
        {
            await _session.DisposeAsync();
            GC.SuppressFinalize(this);
        }
    }
}
