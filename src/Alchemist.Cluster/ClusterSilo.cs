using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Alchemist.Cluster;

/// <summary>How silos find each other.</summary>
public enum ClusteringKind
{
    /// <summary>
    /// Orleans' development clustering on loopback: one primary silo keeps the membership, the others name it with
    /// <see cref="SiloSettings.Primary"/>. For trying a cluster on one machine and for tests; the primary is a single point
    /// of failure.
    /// </summary>
    Localhost,

    /// <summary>
    /// Membership in a database table every silo reaches through ADO.NET (PostgreSQL through Npgsql): for real machines; any
    /// silo may leave.
    /// </summary>
    AdoNet,
}

/// <summary>A silo's settings (<c>alchemist cluster silo</c>).</summary>
public sealed record SiloSettings
{
    /// <summary>The environment variable that holds the membership database's connection string by default.</summary>
    public const string DefaultConnectionVariable = "ALCHEMIST_CLUSTER_CONNECTION";

    /// <summary>The Orleans cluster and service id every silo and driver of Alchemist uses.</summary>
    public const string ClusterId = "alchemist";

    /// <summary>The port silos talk to each other on.</summary>
    public int SiloPort { get; init; } = EndpointOptions.DEFAULT_SILO_PORT;

    /// <summary>The port drivers (clients) connect to.</summary>
    public int GatewayPort { get; init; } = EndpointOptions.DEFAULT_GATEWAY_PORT;

    /// <summary>How silos find each other.</summary>
    public ClusteringKind Clustering { get; init; } = ClusteringKind.Localhost;

    /// <summary>Localhost clustering: the primary silo's silo endpoint; null makes this silo the primary.</summary>
    public IPEndPoint? Primary { get; init; }

    /// <summary>ADO.NET clustering: the provider's invariant name (Npgsql for PostgreSQL, the one shipped).</summary>
    public string Invariant { get; init; } = "Npgsql";

    /// <summary>
    /// ADO.NET clustering: the environment variable that holds the connection string. The string itself is never taken
    /// from the command line (it would show in the process list and shell history) and never logged.
    /// </summary>
    public string ConnectionVariable { get; init; } = DefaultConnectionVariable;

    /// <summary>ADO.NET clustering: the address other machines reach this silo at; null takes this host's first IPv4 address.</summary>
    public IPAddress? Advertise { get; init; }

    /// <summary>
    /// The folder every project a driver names must lie under (the shared storage): a shard naming a project elsewhere is
    /// refused. The ports have no authentication, so whoever reaches them could otherwise have this silo read any spec
    /// and programs on its disk and write shard files into any folder.
    /// </summary>
    public string ProjectsRoot { get; init; } = Environment.CurrentDirectory;

    /// <summary>
    /// Whether a driver's <c>--trust-programs</c> is honoured (programs in the silo's own process, for specs that ask for
    /// it); off, a shard asking for it is refused: a client may not lift this silo's sandbox.
    /// </summary>
    public bool TrustPrograms { get; init; }
}

/// <summary>Runs a silo: the shard grains, placed by activation count, each applying programs in this silo's own workers.</summary>
public static class ClusterSilo
{
    /// <summary>
    /// Starts a silo, calls <paramref name="ready"/> with a line saying where it listens once it has joined the cluster, and
    /// runs until <paramref name="stop"/>; then leaves the cluster (within a few seconds) and stops its worker processes.
    /// </summary>
    /// <param name="settings">Ports, clustering and its options.</param>
    /// <param name="ready">Hears the one line that says the silo is ready.</param>
    /// <param name="log">Where Orleans' warnings and errors go.</param>
    /// <param name="stop">Ends the silo.</param>
    /// <exception cref="UserError">ADO.NET clustering without its connection string in the environment.</exception>
    public static async Task RunAsync(SiloSettings settings, Action<string> ready, TextWriter log, CancellationToken stop)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddProvider(new WriterLoggerProvider(log))
            // Startup notes that are no news here: server GC advice, and a first watchdog check that measures from boot.
            .AddFilter("Orleans.Runtime.Silo", LogLevel.Error)
            .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        var description = Configure(builder, settings);
        using var host = builder.Build();
        await host.StartAsync(stop).ConfigureAwait(false);
        try
        {
            var address = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            ready($"silo ready: {address.Endpoint} for silos, gateway port {settings.GatewayPort} for drivers ({description}); stop it with Ctrl-C");
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM is how a silo ends.
        }
        finally
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(grace.Token).ConfigureAwait(false);
        }
    }

    private static string Configure(HostApplicationBuilder builder, SiloSettings settings)
    {
        builder.Services.AddSingleton(services => new ShardRunner(services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.ToString(), settings.ProjectsRoot, settings.TrustPrograms));
        string description = "";
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (SiloSettings.ClusterId, SiloSettings.ClusterId));
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
            if (settings.Clustering == ClusteringKind.Localhost)
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, settings.Primary, SiloSettings.ClusterId, SiloSettings.ClusterId);
                description = settings.Primary is null ? "localhost clustering, the primary silo" : $"localhost clustering, primary silo {settings.Primary}";
                return;
            }

            var connection = Environment.GetEnvironmentVariable(settings.ConnectionVariable);
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new UserError($"ADO.NET clustering reads the membership database's connection string from the environment variable {settings.ConnectionVariable}, which is not set");
            }

            var advertise = settings.Advertise ?? FirstAddress();
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = settings.Invariant;
                o.ConnectionString = connection;
            });
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = advertise;
                o.SiloPort = settings.SiloPort;
                o.GatewayPort = settings.GatewayPort;
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, settings.SiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, settings.GatewayPort);
            });
            description = $"ADO.NET clustering through {settings.Invariant}, advertised at {advertise}";
        });
        // The shard grains' workers end with the silo.
        builder.Services.AddHostedService(services => new StopRunner(services.GetRequiredService<ShardRunner>()));
        return description;
    }

    private static IPAddress FirstAddress() =>
        Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new UserError("this machine has no IPv4 address other than loopback to advertise; name one with --advertise");

    private sealed class StopRunner(ShardRunner runner) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            runner.Dispose();
            return Task.CompletedTask;
        }
    }
}
