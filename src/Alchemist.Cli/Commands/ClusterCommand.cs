using System.CommandLine;
using System.Net;
using Alchemist.Cluster;

namespace Alchemist.Cli.Commands;

/// <summary>
/// <c>alchemist cluster silo</c>: runs a silo of an Orleans cluster until Ctrl-C or SIGTERM; <c>alchemist run --cluster</c>
/// then has the silos apply the programs to shards of train (see docs/cluster.md).
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "Run labeling past one machine: silos on an Orleans cluster apply the programs to shards of train for `alchemist run --cluster`.");
        command.Subcommands.Add(Silo());
        return command;
    }

    private static Command Silo()
    {
        var port = new Option<int>("--port") { Description = "The port silos talk to each other on.", DefaultValueFactory = _ => new SiloSettings().SiloPort };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "The port drivers (`alchemist run --cluster`) connect to.", DefaultValueFactory = _ => new SiloSettings().GatewayPort };
        var primary = new Option<string?>("--primary")
        {
            Description = "Localhost clustering: the primary silo's host:port (its --port); leave it out on the primary itself.",
        };
        var clustering = new Option<string>("--clustering")
        {
            Description = "How silos find each other: localhost (one machine, for trying and tests) or adonet (a membership table in a database, for real machines).",
            DefaultValueFactory = _ => "localhost",
        };
        clustering.AcceptOnlyFromAmong("localhost", "adonet");
        var invariant = new Option<string>("--invariant")
        {
            Description = "ADO.NET clustering: the provider's invariant name (Npgsql, for PostgreSQL, ships with alchemist).",
            DefaultValueFactory = _ => new SiloSettings().Invariant,
        };
        var connectionVariable = new Option<string>("--connection-env")
        {
            Description = "ADO.NET clustering: the environment variable holding the database's connection string (never given on the command line).",
            DefaultValueFactory = _ => SiloSettings.DefaultConnectionVariable,
        };
        var advertise = new Option<string?>("--advertise") { Description = "ADO.NET clustering: the IP address other machines reach this silo at (default: this host's first IPv4 address)." };
        var projectsUnder = new Option<DirectoryInfo?>("--projects-under")
        {
            Description = "The shared folder every project a driver names must lie under (default: the current folder); a shard naming any other project is refused.",
        };
        var trust = new Option<bool>("--trust-programs") { Description = "Honour a driver's --trust-programs (programs in this silo's process, for specs that ask for it); without it such shards are refused." };
        var command = new Command("silo", "Run a silo until Ctrl-C: it joins the cluster and applies programs to the shards drivers send, in its own sandboxed workers, reading the projects from storage every silo shares.")
        {
            port,
            gatewayPort,
            primary,
            clustering,
            invariant,
            connectionVariable,
            advertise,
            projectsUnder,
            trust,
        };
        command.SetAction((result, cancellation) =>
        {
            var kind = result.GetValue(clustering) == "adonet" ? ClusteringKind.AdoNet : ClusteringKind.Localhost;
            var primaryText = result.GetValue(primary);
            var advertiseText = result.GetValue(advertise);
            if (kind == ClusteringKind.AdoNet && primaryText is not null)
            {
                throw new UserError("--primary is for localhost clustering; with --clustering adonet the database keeps the membership");
            }

            IPAddress? advertised = null;
            if (advertiseText is not null && !IPAddress.TryParse(advertiseText, out advertised))
            {
                throw new UserError($"--advertise: '{advertiseText}' is not an IP address");
            }

            var settings = new SiloSettings
            {
                SiloPort = result.GetValue(port),
                GatewayPort = result.GetValue(gatewayPort),
                Clustering = kind,
                Primary = primaryText is null ? null : ClusterEndpoints.Parse(primaryText, "--primary")[0],
                Invariant = result.GetValue(invariant)!,
                ConnectionVariable = result.GetValue(connectionVariable)!,
                Advertise = advertised,
                ProjectsRoot = result.GetValue(projectsUnder)?.FullName ?? Environment.CurrentDirectory,
                TrustPrograms = result.GetValue(trust),
            };
            return RunAsync(settings, cancellation);
        });
        return command;
    }

    private static async Task<int> RunAsync(SiloSettings settings, CancellationToken cancellation)
    {
        await ClusterSilo.RunAsync(settings, line => Console.Out.WriteLine(line), Program.Progress, cancellation).ConfigureAwait(false);
        return 0;
    }
}
