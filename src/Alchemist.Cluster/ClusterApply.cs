using System.Diagnostics;
using System.Globalization;
using System.Net;
using Alchemist.Data;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Alchemist.Cluster;

/// <summary>How the driver uses the cluster.</summary>
public sealed record ClusterApplyOptions
{
    /// <summary>Rows per shard at most (fewer where that leaves a silo without a shard).</summary>
    public int ShardRows { get; init; } = 100_000;

    /// <summary>Shard calls in flight per active silo, on average: which silo takes a call is the placement's choice.</summary>
    public int InFlightPerSilo { get; init; } = 2;

    /// <summary>The user vouches for every program (<c>--trust-programs</c>), for specs that run programs in process.</summary>
    public bool TrustPrograms { get; init; }

    /// <summary>How often the driver asks which silos are active, and so how soon it notices that a shard's silo left.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Tries of one shard whose silo left, or did not answer, before the run fails.</summary>
    public int MaxSiloTries { get; init; } = 10;

    /// <summary>Tries of one shard that failed for a reason of its own (the data or programs a silo reads), before the run fails.</summary>
    public int MaxErrorTries { get; init; } = 2;

    /// <summary>
    /// How long connecting to the gateways may take before the run says it cannot: the client keeps trying an unreachable
    /// gateway without end, and a run stood silent until it was killed.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The driver (<c>alchemist run --cluster</c>): computes each program's content hash as the apply does, leaves out those whose
/// train column is cached, cuts train into shards, has the shard grains apply the rest concurrently (a few calls per active
/// silo), retries a shard whose silo left the cluster or did not answer, and puts each program's column together from the
/// shard files in row order into the project's column cache (<see cref="ColumnAssembly"/>). The run's own apply then reads
/// those columns back; valid and test, which are small, it computes itself.
/// </summary>
public sealed class ClusterApply : IRemoteApply, IAsyncDisposable
{
    private readonly IReadOnlyList<IPEndPoint> _gateways;
    private readonly ClusterApplyOptions _options;
    private IHost? _client;

    /// <summary>A driver that will connect, at its first apply, to the silos' gateways at <paramref name="gateways"/>.</summary>
    /// <exception cref="ArgumentException">No gateway, or an option out of range.</exception>
    public ClusterApply(IReadOnlyList<IPEndPoint> gateways, ClusterApplyOptions? options = null)
    {
        if (gateways.Count == 0)
        {
            throw new ArgumentException("name at least one gateway (host:port)", nameof(gateways));
        }

        _options = options ?? new ClusterApplyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ShardRows, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.InFlightPerSilo, 1, nameof(options));
        _gateways = gateways;
    }

    /// <summary>What the last apply did: shards computed, reused and retried, and the columns stored.</summary>
    public ClusterApplyReport? LastReport { get; private set; }

    /// <inheritdoc/>
    public async Task ApplyAsync(TaskSpec spec, long trainRows, Action<string> log, IProgress<StageProgress>? progress, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        if (ProgramFile.PathsIn(Path.Combine(spec.ProjectDirectory, ProjectApply.ProgramsFolder)).Count == 0 || trainRows == 0)
        {
            return;
        }

        var options = ProjectApply.OptionsFor(spec, null, _options.TrustPrograms);
        var cache = new ColumnCache(options.CacheDirectory!);
        var train = SpecData.OpenSources(spec).Train.WithContentHashOnce();
        var dataHash = train.ContentHash();
        ShardProgramRef[] missing;
        using (var programs = ProjectPrograms.Load(spec, options))
        {
            missing = [.. programs.Files
                .Select(f => new ShardProgramRef(f.Name, programs.ContentHashOf(f)))
                .Where(p => !cache.Contains(ColumnCache.Key(p.ContentHash, dataHash)))];
        }

        if (missing.Length == 0)
        {
            log("cluster: every program's train column is in the column cache already; nothing to send");
            return;
        }

        var client = await ConnectAsync(cancellation).ConfigureAwait(false);
        var silos = await ActiveSilosAsync(client, null).ConfigureAwait(false);
        if (silos.Count == 0)
        {
            throw new UserError($"the cluster at {string.Join(", ", _gateways)} has no active silo");
        }

        var setHash = ClusterKeys.ProgramSetHash(missing.Select(p => (p.Name, p.ContentHash)));
        var ranges = ShardRange.Cut(trainRows, _options.ShardRows, silos.Count);
        log(string.Create(CultureInfo.InvariantCulture,
            $"cluster: {silos.Count} active silo{(silos.Count == 1 ? "" : "s")} ({string.Join(", ", silos.Select(s => s.Endpoint.ToString()).Order(StringComparer.Ordinal))}); {missing.Length} program{(missing.Length == 1 ? "" : "s")} without a train column, applied there to {trainRows:N0} train rows in {ranges.Count} shards of about {trainRows / ranges.Count:N0} rows"));
        var requests = ranges.Select(r => new ShardRequest(spec.ProjectDirectory, SplitName.Train, r.First, r.Count, dataHash, setHash, missing, _options.TrustPrograms)).ToList();
        var scheduler = new Scheduler(client, _options, log, progress, trainRows);
        var outputs = await scheduler.RunAsync(requests, silos, cancellation).ConfigureAwait(false);

        var stored = 0;
        var left = new List<string>();
        foreach (var assembled in ColumnAssembly.Assemble(outputs, trainRows, options.MaxFaultShare, options.MinRowsBeforeDisabling))
        {
            if (assembled.Column is { } column)
            {
                cache.Store(ColumnCache.Key(assembled.ContentHash, dataHash), column);
                stored++;
            }
            else
            {
                left.Add(assembled.Name);
                log($"  cluster: program {assembled.Name} is left to this machine's apply: {assembled.LeftToLocal}");
            }
        }

        try
        {
            Directory.Delete(ClusterKeys.ShardFolder(spec.ProjectDirectory, setHash, dataHash), recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The shard files are only a way to the column cache; a folder that will not go is left for the next run.
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        LastReport = new ClusterApplyReport(ranges.Count, scheduler.Reused, scheduler.Retries, scheduler.SilosUsed.Count, stored, left, elapsed);
        log(string.Create(CultureInfo.InvariantCulture,
            $"cluster: stored {stored} train column{(stored == 1 ? "" : "s")} in the column cache from {ranges.Count} shards on {scheduler.SilosUsed.Count} silo{(scheduler.SilosUsed.Count == 1 ? "" : "s")} in {elapsed.TotalSeconds:0.0}s ({scheduler.Retries} retr{(scheduler.Retries == 1 ? "y" : "ies")}{(scheduler.Reused > 0 ? $", {scheduler.Reused} shards found done" : "")})"));
    }

    /// <summary>Disconnects from the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client is { } client)
        {
            _client = null;
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await client.StopAsync(grace.Token).ConfigureAwait(false);
            }
            finally
            {
                client.Dispose();
            }
        }
    }

    private async Task<IClusterClient> ConnectAsync(CancellationToken cancellation)
    {
        if (_client is null)
        {
            var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(client =>
            {
                client.UseStaticClustering([.. _gateways]);
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (SiloSettings.ClusterId, SiloSettings.ClusterId));
            });
            var host = builder.Build();
            try
            {
                await host.StartAsync(cancellation).WaitAsync(_options.ConnectTimeout, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or IOException)
            {
                host.Dispose();
                throw new UserError($"cannot connect to the cluster at {string.Join(", ", _gateways)} (the silos' gateway ports): {e.Message}", inner: e);
            }

            _client = host;
        }

        return _client.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The active silos, or <paramref name="last"/> when the management grain does not answer (the cluster is changing).</summary>
    private static async Task<IReadOnlySet<SiloAddress>> ActiveSilosAsync(IClusterClient client, IReadOnlySet<SiloAddress>? last)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false);
            return hosts.Keys.ToHashSet();
        }
        catch (Exception e) when (last is not null && (e is OrleansException or TimeoutException))
        {
            return last;
        }
    }

    /// <summary>Runs the shard calls: a few per active silo, each retried where its silo left or failed to answer.</summary>
    private sealed class Scheduler(IClusterClient client, ClusterApplyOptions options, Action<string> log, IProgress<StageProgress>? progress, long rows)
    {
        public const string Stage = "cluster apply train";

        public int Retries { get; private set; }

        public int Reused { get; private set; }

        public HashSet<string> SilosUsed { get; } = [];

        public async Task<IReadOnlyList<ShardOutput>> RunAsync(IReadOnlyList<ShardRequest> requests, IReadOnlySet<SiloAddress> silos, CancellationToken cancellation)
        {
            var outputs = new List<ShardOutput>();
            long rowsDone = 0;
            void Done(ShardOutput output, string how)
            {
                outputs.Add(output);
                rowsDone += output.Range.Count;
                progress?.Report(new StageProgress(Stage, rowsDone, rows, "rows"));
                log($"  cluster: {output.Range} {how} ({outputs.Count}/{requests.Count})");
            }

            var pending = new List<Shard>();
            foreach (var request in requests)
            {
                if (ShardFile.TryRead(request.OutputPath, request.ProgramSetHash, request.DataHash, request.Split, request.Range) is { } earlier)
                {
                    Reused++;
                    Done(earlier, "found done by an earlier run");
                }
                else
                {
                    pending.Add(new Shard(request));
                }
            }

            progress?.Report(new StageProgress(Stage, rowsDone, rows, "rows"));
            var running = new List<Shard>();
            var polled = Stopwatch.StartNew();
            try
            {
                while (pending.Count + running.Count > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (polled.Elapsed >= options.PollInterval)
                    {
                        silos = await ActiveSilosAsync(client, silos).ConfigureAwait(false);
                        polled.Restart();
                        foreach (var shard in running.Where(s => s.Host is { } host && !silos.Contains(host) && !s.SiloLeft))
                        {
                            // Its silo left the cluster: the call would wait for an answer that never comes.
                            shard.SiloLeft = true;
                            await shard.Cancel!.CancelAsync().ConfigureAwait(false);
                        }
                    }

                    var now = Stopwatch.GetTimestamp();
                    foreach (var shard in pending.Where(s => s.NotBefore <= now).Take(Math.Max(0, (options.InFlightPerSilo * Math.Max(1, silos.Count)) - running.Count)).ToList())
                    {
                        pending.Remove(shard);
                        running.Add(shard);
                        shard.Start(client, cancellation);
                    }

                    await Task.WhenAny(running.Select(s => (Task)s.Call!).Append(Task.Delay(options.PollInterval, cancellation))).ConfigureAwait(false);
                    foreach (var shard in running.Where(s => s.Host is not null && !s.HostLogged))
                    {
                        shard.HostLogged = true;
                        log($"  cluster: {shard.Request.Range} started on silo {shard.Host!.Endpoint}");
                    }

                    foreach (var shard in running.Where(s => s.Call!.IsCompleted).ToList())
                    {
                        running.Remove(shard);
                        if (await FinishAsync(shard, cancellation).ConfigureAwait(false) is { } output)
                        {
                            Done(output, shard.Reply!.Reused ? $"found done on silo {shard.Reply.Silo}" : string.Create(CultureInfo.InvariantCulture, $"done on silo {shard.Reply.Silo} in {shard.Reply.Seconds:0.0}s"));
                        }
                        else
                        {
                            pending.Add(shard);
                        }
                    }
                }
            }
            finally
            {
                foreach (var shard in running)
                {
                    await shard.Cancel!.CancelAsync().ConfigureAwait(false);
                }
            }

            return outputs;
        }

        /// <summary>The shard's output, or null when it is to be tried again (after a delay it sets).</summary>
        /// <exception cref="UserError">The shard failed more often than it may.</exception>
        private async Task<ShardOutput?> FinishAsync(Shard shard, CancellationToken cancellation)
        {
            var request = shard.Request;
            string failure;
            bool silo;
            try
            {
                var reply = shard.Reply = await shard.Call!.ConfigureAwait(false);
                SilosUsed.Add(reply.Silo);
                if (reply.Error is null)
                {
                    if (ShardFile.TryRead(request.OutputPath, request.ProgramSetHash, request.DataHash, request.Split, request.Range) is { } output)
                    {
                        return output;
                    }

                    failure = $"silo {reply.Silo} wrote {request.OutputPath}, and it does not read back here: the project folder must be on storage the driver and every silo share";
                }
                else
                {
                    failure = reply.Error;
                }

                silo = reply.SiloStopping;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (shard.SiloLeft || e is OrleansException or TimeoutException or OperationCanceledException)
            {
                failure = shard.SiloLeft ? $"its silo {shard.Host?.Endpoint} left the cluster" : $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
                silo = true;
            }
            catch (Exception e)
            {
                failure = $"{e.GetType().Name}: {e.Message}";
                silo = false;
            }
            finally
            {
                shard.Cancel!.Dispose();
            }

            var tries = silo ? ++shard.SiloFailures : ++shard.Errors;
            if (tries >= (silo ? options.MaxSiloTries : options.MaxErrorTries))
            {
                throw new UserError($"cluster: {request.Range} failed {tries} times; the last time: {failure}");
            }

            Retries++;
            var delay = TimeSpan.FromSeconds(Math.Min(16, 1 << Math.Min(4, shard.SiloFailures + shard.Errors - 1)));
            shard.NotBefore = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
            log(string.Create(CultureInfo.InvariantCulture, $"  cluster: {request.Range}: {failure}; retrying in {delay.TotalSeconds:0}s (try {shard.SiloFailures + shard.Errors + 1})"));
            return null;
        }
    }

    /// <summary>One shard's calls: the one in flight, and how its earlier tries failed.</summary>
    private sealed class Shard(ShardRequest request)
    {
        public ShardRequest Request { get; } = request;

        public long NotBefore { get; set; }

        public int SiloFailures { get; set; }

        public int Errors { get; set; }

        public SiloAddress? Host { get; private set; }

        public bool SiloLeft { get; set; }

        public bool HostLogged { get; set; }

        public CancellationTokenSource? Cancel { get; private set; }

        public Task<ShardReply>? Call { get; private set; }

        public ShardReply? Reply { get; set; }

        public void Start(IClusterClient client, CancellationToken cancellation)
        {
            Host = null;
            SiloLeft = false;
            HostLogged = false;
            Reply = null;
            Cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            Call = CallAsync(client, Cancel.Token);
        }

        private async Task<ShardReply> CallAsync(IClusterClient client, CancellationToken cancellation)
        {
            var grain = client.GetGrain<IShardGrain>(ClusterKeys.GrainKey(Request.ProgramSetHash, Request.DataHash, Request.Split, Request.Range));
            Host = await grain.Host().WaitAsync(cancellation).ConfigureAwait(false);
            return await grain.Apply(Request, cancellation).ConfigureAwait(false);
        }
    }
}

/// <summary>What <see cref="ClusterApply"/> did in one apply.</summary>
/// <param name="Shards">Shards the train split was cut into.</param>
/// <param name="Reused">Shards whose output an earlier run had left.</param>
/// <param name="Retries">Shard calls tried again.</param>
/// <param name="Silos">Silos that computed a shard.</param>
/// <param name="ColumnsStored">Program columns stored in the column cache.</param>
/// <param name="LeftToLocal">Programs left to the local apply.</param>
/// <param name="Elapsed">Wall-clock time.</param>
public sealed record ClusterApplyReport(int Shards, int Reused, int Retries, int Silos, int ColumnsStored, IReadOnlyList<string> LeftToLocal, TimeSpan Elapsed);
