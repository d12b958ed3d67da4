using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace Alchemist.Cluster.Tests;

/// <summary>
/// Issue 14's acceptance: three silo processes of the built command line on loopback, a driver running a generated
/// 1,000,000-row project through them, one non-primary silo killed with its workers while it works on a shard (after at least
/// one shard is done, before all are): the run still finishes, its log reports the retry, and its labels and summary are
/// those of a one-machine run of an identical copy. It takes a few minutes on two cores (measured: see docs/cluster.md).
/// </summary>
public sealed partial class KillSiloTests : IDisposable
{
    private const long Rows = 1_000_000;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-cluster-" + Guid.NewGuid().ToString("N"));
    private readonly List<CliProcess> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact(Timeout = 30 * 60 * 1000)]
    public async Task A_silo_killed_mid_job_is_retried_and_the_labels_are_those_of_a_one_machine_run()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var times = new List<string>();
        void Time(string what) => times.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: {clock.Elapsed.TotalSeconds:0.0}s"));
        var alone = ClusterProject.Make(Path.Combine(_root, "alone"), Rows);
        var clustered = ClusterProject.Copy(alone, Path.Combine(_root, "clustered"));
        Assert.True(Directory.GetFiles(Path.Combine(alone, "programs")).Length >= 2, "the offline synthesizer wrote keyword and opening programs for the example");
        Time("projects made");

        // The silos start while this machine runs the copy alone; once up they idle until the driver calls.
        var ports = FreePorts(6);
        var primary = Start("silo 1 (primary)", "cluster", "silo", "--port", Port(ports[0]), "--gateway-port", Port(ports[1]), "--projects-under", _root);
        var second = Start("silo 2", "cluster", "silo", "--port", Port(ports[2]), "--gateway-port", Port(ports[3]), "--primary", $"127.0.0.1:{ports[0]}", "--projects-under", _root);
        var third = Start("silo 3", "cluster", "silo", "--port", Port(ports[4]), "--gateway-port", Port(ports[5]), "--primary", $"127.0.0.1:{ports[0]}", "--projects-under", _root);

        var one = Start("one-machine run", "run", alone);
        Require(await one.WaitForExitAsync(TimeSpan.FromMinutes(12), cancellation), "the one-machine run did not finish within 12 minutes", one);
        Require(one.ExitCode == 0, $"the one-machine run exited {one.ExitCode}", one);
        Time("one-machine run done");
        foreach (var silo in new[] { primary, second, third })
        {
            Require(await silo.WaitForLineAsync(l => l.StartsWith("silo ready", StringComparison.Ordinal), TimeSpan.FromMinutes(3), cancellation) is not null,
                $"{silo.Name} did not say it was ready within 3 minutes", silo);
        }

        Time("silos ready");
        var gateways = string.Join(',', new[] { ports[1], ports[3], ports[5] }.Select(p => $"127.0.0.1:{p}"));
        var driver = Start("driver", "run", clustered, "--cluster", gateways, "--shard-rows", "100000");

        // Kill a non-primary silo while it works on a shard, once at least one shard is done and before all are.
        var victims = new Dictionary<string, CliProcess> { [$"127.0.0.1:{ports[2]}"] = second, [$"127.0.0.1:{ports[4]}"] = third };
        Require(await driver.WaitForLineAsync(l => ShardLine().Match(l) is { Success: true } m && m.Groups["what"].Value == "done", TimeSpan.FromMinutes(10), cancellation) is not null,
            "no shard was done within 10 minutes", driver, primary, second, third);
        string? killed = null;
        var deadline = Stopwatch.StartNew();
        while (killed is null && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            var (busy, done, total) = ShardsNow(driver.Lines);
            Require(total == 0 || done < total, $"all {total} shards were done before a silo could be killed mid-job", driver);
            killed = busy.FirstOrDefault(victims.ContainsKey);
            if (killed is null)
            {
                await Task.Delay(100, cancellation);
            }
        }

        Require(killed is not null, "no non-primary silo was working on a shard within 5 minutes of the first shard done", driver);
        victims[killed!].Kill();
        Time($"silo {killed} killed ({ShardsNow(driver.Lines).Done} shards done)");

        Require(await driver.WaitForExitAsync(TimeSpan.FromMinutes(12), cancellation), "the driver did not finish within 12 minutes of the kill", driver, primary, second, third);
        Require(driver.ExitCode == 0, $"the run through the cluster exited {driver.ExitCode}", driver, primary, second, third);
        Time("run through the cluster done");

        var log = string.Join('\n', driver.Lines);
        Require(driver.Lines.Any(l => l.Contains("cluster: rows", StringComparison.Ordinal) && l.Contains("retrying", StringComparison.Ordinal)), "the run's log reports no retried shard", driver);
        // The killed silo finished no shard, or some before it died: two or three silos computed the ten shards.
        Require(Regex.IsMatch(log, @"cluster: stored \d+ train columns in the column cache from 10 shards on [23] silos"), "the log does not say that the cluster's columns were stored", driver);
        var programs = Directory.GetFiles(Path.Combine(clustered, "programs")).Length;
        Require(log.Contains($"applied {programs} programs ({programs} columns from cache)", StringComparison.Ordinal), "the local apply did not read every train column from the cache", driver);

        Assert.True(File.ReadAllBytes(Path.Combine(alone, "out", "labels.csv")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(clustered, "out", "labels.csv"))),
            "out/labels.csv differs from the one-machine run's");
        Assert.True(File.ReadAllBytes(Path.Combine(alone, "out", "labels.jsonl")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(clustered, "out", "labels.jsonl"))),
            "out/labels.jsonl differs from the one-machine run's");
        Assert.Equal(Figures(alone), Figures(clustered));
        Assert.False(Directory.Exists(Path.Combine(clustered, ".alchemist", "cluster")) && Directory.EnumerateFiles(Path.Combine(clustered, ".alchemist", "cluster"), "*.shard", SearchOption.AllDirectories).Any(),
            "the shard files were left behind once their columns were stored");
        // What the cluster did, for the record: the shards, the silos and the retries, each line with the run's seconds.
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', times.Concat(driver.Lines.Where(l => l.Contains("cluster:", StringComparison.Ordinal)))));
    }

    [GeneratedRegex(@"cluster: rows (?<range>[\d,]+-[\d,]+) (?:found )?(?<what>started|done) on silo (?<silo>\S+)")]
    private static partial Regex ShardLine();

    /// <summary>The silos working on a shard now (by the driver's log), and how many shards are done of how many.</summary>
    private static (IReadOnlyList<string> Busy, int Done, int Total) ShardsNow(IReadOnlyList<string> lines)
    {
        var running = new Dictionary<string, string>();
        var done = 0;
        var total = 0;
        foreach (var line in lines)
        {
            if (ShardLine().Match(line) is not { Success: true } m)
            {
                continue;
            }

            if (m.Groups["what"].Value == "started")
            {
                running[m.Groups["range"].Value] = m.Groups["silo"].Value;
            }
            else
            {
                running.Remove(m.Groups["range"].Value);
                done++;
                if (Regex.Match(line, @"\((\d+)/(\d+)\)") is { Success: true } count)
                {
                    total = int.Parse(count.Groups[2].Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return ([.. running.Values.Distinct()], done, total);
    }

    /// <summary>out/summary.json without its seconds, the one figure that is the machine's and not the labels'.</summary>
    private static string Figures(string project)
    {
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(project, "out", "summary.json")))!.AsObject();
        Assert.True(summary.Remove("seconds"), "summary.json has its seconds");
        return summary.ToJsonString();
    }

    private CliProcess Start(string name, params string[] arguments)
    {
        var process = CliProcess.Start(name, arguments);
        _processes.Add(process);
        return process;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Ports free on loopback now: each bound at once by the system's choice, then released for a silo to take.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>Fails with the message and the logs of the processes named, so that a failure says what happened.</summary>
    private static void Require(bool condition, string message, params CliProcess[] processes)
    {
        if (!condition)
        {
            Assert.Fail($"{message}\n{string.Join('\n', processes.Select(p => Tail(p.Log)))}");
        }
    }

    private static string Tail(string log) => log.Length <= 20_000 ? log : "..." + log[^20_000..];
}
