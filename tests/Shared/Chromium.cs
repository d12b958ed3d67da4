using Xunit;

namespace Alchemist.Tests;

/// <summary>
/// Debian's Chromium, which scripts/setup.d/chromium.sh installs: tests that render a page use it, never a browser they
/// download. Where it is absent those tests skip with a message; under CI=true they fail instead (CI always installs it).
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>The browser's path; skips the test (fails it under CI) where it is not installed.</summary>
    public static string Require()
    {
        if (File.Exists(ExecutablePath))
        {
            return ExecutablePath;
        }

        if (SharedFolder.IsCi)
        {
            Assert.Fail($"CI must have {ExecutablePath} (scripts/setup.d/chromium.sh installs it)");
        }

        Assert.Skip($"no {ExecutablePath} here (scripts/setup.d/chromium.sh installs it)");
        return null!;
    }
}
