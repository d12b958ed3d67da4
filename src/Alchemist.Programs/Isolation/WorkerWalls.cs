using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// The walls around a worker process, as the worker raised and then tested them: what a program that got past the
/// allowlist could still reach. The engine starts every worker with a clean environment and a temp folder of its own
/// (removed when the worker ends); the worker, before it loads any program, moves into a network namespace of its own and
/// restricts its writes to that folder with Landlock, where the kernel allows it, then tries a TCP connection and a
/// write outside its folder to see what holds. <c>apply --json</c> and the report show these.
/// </summary>
public sealed record SandboxWalls
{
    /// <summary>Names of the environment variables the worker holds (values are never read back).</summary>
    public required IReadOnlyList<string> EnvironmentNames { get; init; }

    /// <summary>The worker's own temp folder (TMPDIR), removed when it exits.</summary>
    public required bool OwnTempFolder { get; init; }

    /// <summary>The path of that folder, as the engine made it (engine side only).</summary>
    public string? TempFolderPath { get; init; }

    /// <summary>The worker runs in a network namespace of its own (no interface but a loopback that is down).</summary>
    public required bool NetworkNamespace { get; init; }

    /// <summary>Landlock's ABI version the kernel offers; 0 where it offers none.</summary>
    public required int LandlockAbi { get; init; }

    /// <summary>Landlock restricts the worker's writes to its temp folder.</summary>
    public required bool WritesConfined { get; init; }

    /// <summary>Landlock refuses the worker's TCP connections and binds (kernels with Landlock ABI 4 or later).</summary>
    public required bool TcpDenied { get; init; }

    /// <summary>The worker can gain no privileges (no_new_privs), so no setuid program it could start would help it.</summary>
    public required bool NoNewPrivileges { get; init; }

    /// <summary>What the worker's own TCP connection attempt to 127.0.0.1 gave: "refused by …" or "connected".</summary>
    public required string NetworkProbe { get; init; }

    /// <summary>What the worker's own attempt to write a file beside its temp folder gave.</summary>
    public required string WriteProbe { get; init; }

    /// <summary>Managed heap limit of the worker (DOTNET_GCHeapHardLimit), set by the engine.</summary>
    public long HeapLimitBytes { get; init; }

    /// <summary>Whether the OS data limit (RLIMIT_DATA) was set on the worker by the engine.</summary>
    public bool DataLimit { get; init; }

    /// <summary>CPU time one program may use on one batch before the engine kills its worker.</summary>
    public TimeSpan CpuLimitPerBatch { get; init; }

    /// <summary>True when no environment variable beyond what the engine passes on on purpose reached the worker.</summary>
    public bool CleanEnvironment => EnvironmentNames.All(WorkerEnvironment.IsPassedOn);

    /// <summary>True when the probe found no way out to the network.</summary>
    public bool NetworkBlocked => !NetworkProbe.StartsWith("connected", StringComparison.Ordinal);

    /// <summary>True when the probe could not write outside the worker's temp folder.</summary>
    public bool WritesBlocked => !WriteProbe.StartsWith("written", StringComparison.Ordinal);

    /// <summary>One line per wall, "up" or "down" with how, for logs and reports.</summary>
    public IReadOnlyList<string> Describe() =>
    [
        $"environment: {(CleanEnvironment ? "clean" : "NOT clean")} ({EnvironmentNames.Count} variables: {string.Join(", ", EnvironmentNames)}; no API key)",
        $"temp folder: {(OwnTempFolder ? "its own, removed when the worker exits" : "shared")}",
        $"network: {(NetworkBlocked ? "blocked" : "OPEN")} ({(NetworkNamespace ? "own network namespace" : "no network namespace")}"
        + $"{(TcpDenied ? ", TCP denied by Landlock" : "")}; probe: {NetworkProbe})",
        $"writes outside its temp folder: {(WritesBlocked ? "blocked" : "ALLOWED")} ({(WritesConfined ? $"Landlock ABI {LandlockAbi}" : LandlockAbi > 0 ? "Landlock not applied" : "no Landlock in this kernel")}; probe: {WriteProbe})",
        string.Create(CultureInfo.InvariantCulture, $"memory: managed heap capped at {HeapLimitBytes >> 20} MiB{(DataLimit ? ", OS data limit set" : "")}"),
        string.Create(CultureInfo.InvariantCulture, $"CPU: the worker is killed after {CpuLimitPerBatch.TotalSeconds:0.###} s of CPU time on one batch"),
        $"privileges: {(NoNewPrivileges ? "no new privileges" : "not restricted")}",
    ];

    internal void Write(FrameWriter writer)
    {
        writer.WriteInt(EnvironmentNames.Count);
        foreach (var name in EnvironmentNames)
        {
            writer.WriteString(name);
        }

        writer.WriteByte((byte)((OwnTempFolder ? 1 : 0) | (NetworkNamespace ? 2 : 0) | (WritesConfined ? 4 : 0) | (TcpDenied ? 8 : 0) | (NoNewPrivileges ? 16 : 0)));
        writer.WriteInt(LandlockAbi);
        writer.WriteString(NetworkProbe);
        writer.WriteString(WriteProbe);
    }

    internal static SandboxWalls Read(FrameReader reader)
    {
        var names = new string[Math.Clamp(reader.ReadInt(), 0, 4096)];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = Bounded.Text(reader.ReadString() ?? "");
        }

        var flags = reader.ReadByte();
        return new SandboxWalls
        {
            EnvironmentNames = names,
            OwnTempFolder = (flags & 1) != 0,
            NetworkNamespace = (flags & 2) != 0,
            WritesConfined = (flags & 4) != 0,
            TcpDenied = (flags & 8) != 0,
            NoNewPrivileges = (flags & 16) != 0,
            LandlockAbi = reader.ReadInt(),
            NetworkProbe = Bounded.Text(reader.ReadString() ?? ""),
            WriteProbe = Bounded.Text(reader.ReadString() ?? ""),
        };
    }
}

/// <summary>What a worker's environment holds: only what the runtime and the labels need, never a key.</summary>
internal static class WorkerEnvironment
{
    /// <summary>Variables copied from the engine's environment when set: where the runtime lives.</summary>
    private static readonly string[] PassedOn = ["DOTNET_ROOT", "DOTNET_ROOT_X64", "DOTNET_ROOT_ARM64"];

    /// <summary>Variables the engine sets itself.</summary>
    private static readonly string[] SetByEngine =
    [
        "TMPDIR", "DOTNET_GCHeapHardLimit", "DOTNET_gcServer", "DOTNET_gcConcurrent", "DOTNET_TieredPGO", "DOTNET_GCgen0size",
        "DOTNET_EnableDiagnostics", "DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_NOLOGO",
    ];

    public static bool IsPassedOn(string name) => PassedOn.Contains(name, StringComparer.Ordinal) || SetByEngine.Contains(name, StringComparer.Ordinal);

    /// <summary>Replaces <paramref name="environment"/> (a child's, inherited whole) with the variables a worker may have.</summary>
    public static void Clean(IDictionary<string, string?> environment, string tempFolder)
    {
        var kept = PassedOn.Where(environment.ContainsKey).ToDictionary(n => n, n => environment[n], StringComparer.Ordinal);
        environment.Clear();
        foreach (var (name, value) in kept)
        {
            environment[name] = value;
        }

        environment["TMPDIR"] = tempFolder;

        // No diagnostics socket (a debugger or profiler could attach through it) and nothing written outside the folder.
        environment["DOTNET_EnableDiagnostics"] = "0";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
    }
}

/// <summary>The worker's side: raises the walls on the calling thread (every thread it starts later inherits them) and tests them.</summary>
internal static partial class WorkerWallBuilder
{
    private const int PrSetNoNewPrivs = 38;
    private const int CloneNewNet = 0x40000000;
    private const long SysLandlockCreateRuleset = 444;
    private const long SysLandlockAddRule = 445;
    private const long SysLandlockRestrictSelf = 446;
    private const uint LandlockCreateRulesetVersion = 1;
    private const int LandlockRulePathBeneath = 1;
    private const int OPath = 0x200000;
    private const int OCloexec = 0x80000;

    /// <summary>
    /// Raises the walls and tests them. Namespaces and Landlock domains belong to threads: the caller must be the thread
    /// that will run programs, before it starts any thread of its own; the runtime's own threads started earlier keep no
    /// program code.
    /// </summary>
    public static SandboxWalls Raise(string? tempFolder)
    {
        var ownTemp = tempFolder is not null && Directory.Exists(tempFolder);
        var noNewPrivileges = false;
        var networkNamespace = false;
        var abi = 0;
        var writesConfined = false;
        var tcpDenied = false;
        if (OperatingSystem.IsLinux())
        {
            noNewPrivileges = prctl(PrSetNoNewPrivs, 1, 0, 0, 0) == 0;
            networkNamespace = unshare(CloneNewNet) == 0;
            abi = LandlockAbi();
            if (abi > 0 && noNewPrivileges && ownTemp)
            {
                (writesConfined, tcpDenied) = RestrictWithLandlock(tempFolder!, abi);
            }
        }

        return new SandboxWalls
        {
            EnvironmentNames = [.. Environment.GetEnvironmentVariables().Keys.Cast<string>().Order(StringComparer.Ordinal)],
            OwnTempFolder = ownTemp,
            NetworkNamespace = networkNamespace,
            LandlockAbi = abi,
            WritesConfined = writesConfined,
            TcpDenied = tcpDenied,
            NoNewPrivileges = noNewPrivileges,
            NetworkProbe = ProbeNetwork(),
            WriteProbe = ProbeWrite(tempFolder),
        };
    }

    /// <summary>
    /// Ends this process when the engine that started it is gone (it was killed, or its machine session ended): a worker
    /// busy in a long batch would not notice its socket closing, and would run on as an orphan. Linux re-parents an
    /// orphan, so a parent id that changes means the engine died.
    /// </summary>
    public static void ExitWhenOrphaned()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var parent = getppid();
        var watch = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(500);
                if (getppid() != parent)
                {
                    Environment.Exit(3);
                }
            }
        })
        {
            IsBackground = true,
            Name = "watch-engine",
        };
        watch.Start();
    }

    /// <summary>The Landlock ABI version of this kernel, 0 when it has none (or Landlock is disabled).</summary>
    public static int LandlockAbi()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var version = syscall(SysLandlockCreateRuleset, IntPtr.Zero, 0, LandlockCreateRulesetVersion);
        return version > 0 ? (int)version : 0;
    }

    private static unsafe (bool WritesConfined, bool TcpDenied) RestrictWithLandlock(string folder, int abi)
    {
        // Every right that creates, changes or removes something; reading stays open (the runtime loads assemblies lazily).
        ulong writes = (1UL << 1) | (1UL << 4) | (1UL << 5) | (1UL << 6) | (1UL << 7) | (1UL << 8) | (1UL << 9) | (1UL << 10) | (1UL << 11) | (1UL << 12);
        if (abi >= 2)
        {
            writes |= 1UL << 13; // REFER: linking or renaming a file into another folder
        }

        if (abi >= 3)
        {
            writes |= 1UL << 14; // TRUNCATE
        }

        var tcp = abi >= 4 ? (1UL << 0) | (1UL << 1) : 0UL; // BIND_TCP, CONNECT_TCP: no rule allows any port
        var scoped = abi >= 6 ? 1UL : 0UL; // ABSTRACT_UNIX_SOCKET: no connection to abstract sockets outside the worker
        var attribute = new RulesetAttribute { HandledAccessFs = writes, HandledAccessNet = tcp, Scoped = scoped };
        var size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
        var ruleset = (int)syscall(SysLandlockCreateRuleset, (IntPtr)(&attribute), (nuint)size, 0);
        if (ruleset < 0)
        {
            return (false, false);
        }

        try
        {
            var directory = open(folder, OPath | OCloexec);
            if (directory < 0)
            {
                return (false, false);
            }

            try
            {
                var rule = new PathBeneathAttribute { AllowedAccess = writes, ParentFd = directory };
                if (syscall4(SysLandlockAddRule, ruleset, LandlockRulePathBeneath, (IntPtr)(&rule), 0) < 0)
                {
                    return (false, false);
                }
            }
            finally
            {
                close(directory);
            }

            var restricted = syscall(SysLandlockRestrictSelf, ruleset, 0, 0) == 0;
            return (restricted, restricted && tcp != 0);
        }
        finally
        {
            close(ruleset);
        }
    }

    private static string ProbeNetwork()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(new IPEndPoint(IPAddress.Loopback, 9));
            return "connected to 127.0.0.1:9";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionRefused
                ? "connected to the network stack (127.0.0.1:9 refused the connection: nothing listens there)"
                : $"refused by the system ({e.SocketErrorCode})";
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or NotSupportedException)
        {
            return $"refused by the system ({e.GetType().Name})";
        }
    }

    private static string ProbeWrite(string? tempFolder)
    {
        var parent = tempFolder is null ? Path.GetTempPath() : Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(tempFolder));
        if (parent is null)
        {
            return "not tried (no folder above the temp folder)";
        }

        var path = Path.Combine(parent, $"alchemist-wall-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(path, "probe");
            File.Delete(path);
            return $"written beside its temp folder ({parent})";
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"refused by the system ({e.GetType().Name})";
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RulesetAttribute
    {
        public ulong HandledAccessFs;
        public ulong HandledAccessNet;
        public ulong Scoped;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct PathBeneathAttribute
    {
        public ulong AllowedAccess;
        public int ParentFd;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unshare(int flags);

    [LibraryImport("libc")]
    private static partial int getppid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, IntPtr first, nuint second, uint third);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall(long number, int first, uint second, uint third);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall4(long number, int first, int second, IntPtr third, uint fourth);
}
