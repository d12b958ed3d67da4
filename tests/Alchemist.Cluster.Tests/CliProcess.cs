using System.Diagnostics;

namespace Alchemist.Cluster.Tests;

/// <summary>
/// The built command line (alchemist.dll beside the tests) in a child process, its standard output and error kept as lines;
/// killed with its whole process tree (worker and compiler processes included) when disposed.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private CliProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line so far, standard output and error interleaved as they came.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string Log => $"--- {Name} ---\n{string.Join('\n', Lines)}";

    public static CliProcess Start(string name, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "alchemist.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(name, process);
        process.OutputDataReceived += (_, e) => cli.Add(e.Data);
        process.ErrorDataReceived += (_, e) => cli.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>The first line that matches, waiting for it; null when the process exits or the time is up first.</summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                // The last lines may still be on their way from the pipes.
                _process.WaitForExit();
                return Lines.FirstOrDefault(match);
            }

            await Task.Delay(100, cancellation);
        }

        return null;
    }

    /// <summary>Whether the process exited within <paramref name="timeout"/> (its output read to the end).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            _process.WaitForExit();
            return true;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Kills the process and every process it started (a silo's workers), as a machine that dies would.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
