using System.Diagnostics;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary>
/// Ctrl-C (SIGINT) during `run`, sent to the command line in a child process while the end model trains: it exits 130 within
/// about a second, the previous run's outputs are untouched, nothing half-written is left, and the rerun picks up.
/// </summary>
public sealed class CancelRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-cancel-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Sigint_during_end_model_training_exits_130_quickly_and_leaves_the_previous_outputs_whole()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("sends SIGINT with kill(1)");
        }

        var project = ExampleProject.CopyTo(Path.Combine(_root, "project"));

        Assert.Equal(0, (await RunCli("run", project)).ExitCode);
        var summary = Path.Combine(project, "out", "summary.json");
        var before = File.ReadAllText(summary);
        var labels = File.ReadAllBytes(Path.Combine(project, "out", "labels.csv"));

        using var process = Start("run", project, "--force");

        // A process started with SIGINT ignored keeps ignoring it (as a background job does, by design); where this test
        // process hands that on to its children, SIGINT cannot be tested here, and outside CI the test says so.
        var ignored = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
            && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
        if (ignored)
        {
            process.Kill(entireProcessTree: true);
            var why = "the child process was started with SIGINT ignored, inherited from this test process, so SIGINT cannot reach it";
            if (SharedFolder.IsCi)
            {
                Assert.Fail(why);
            }

            Assert.Skip(why);
        }

        var log = new System.Text.StringBuilder();
        var training = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data?.Contains("training the end model", StringComparison.Ordinal) == true)
            {
                training.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await training.Task.WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);

        var signalled = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill(entireProcessTree: true);
            lock (log)
            {
                Assert.Fail($"the run did not stop within 10 s of SIGINT; its log:\n{log}");
            }
        }

        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        // One second of grace for the stage to stop, plus the process's own exit; a loaded 2-core machine gets some slack.
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(3), $"stopped {signalled.Elapsed.TotalSeconds:0.0} s after SIGINT");
        Assert.Equal(Alchemist.Cli.Program.Cancelled, process.ExitCode);
        lock (log)
        {
            Assert.Contains("run cancelled: the previous outputs are untouched", log.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, File.ReadAllText(summary));
        Assert.Equal(labels, File.ReadAllBytes(Path.Combine(project, "out", "labels.csv")));
        Assert.Empty(Directory.GetFiles(project, "*.tmp", SearchOption.AllDirectories));

        var rerun = await RunCli("run", project, "--force");
        Assert.Equal(0, rerun.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(project, ".alchemist", "out-next")), "the staged outputs moved into out/");
        Assert.Contains("columns from cache", rerun.Error, StringComparison.Ordinal);
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "alchemist.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    private static async Task<(int ExitCode, string Error)> RunCli(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        await output;
        return (process.ExitCode, await error);
    }
}
