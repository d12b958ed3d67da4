using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Alchemist.Programs.Apply;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// One worker process as the engine sees it: started with a heap cap and an OS data limit, connected over a private Unix
/// socket, loaded with programs, and killable at any moment. Its stdout and stderr are drained (a program that prints cannot
/// block or corrupt the protocol) and their last lines kept to explain a crash.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int TailLines = 12;
    private readonly Process _process;
    private readonly Socket _socket;
    private readonly Queue<string> _outputTail = new();
    private readonly string _folder;
    private string? _killReason;

    private WorkerProcess(Process process, Socket socket, string folder)
    {
        _process = process;
        _socket = socket;
        _folder = folder;
        Stream = new NetworkStream(socket, ownsSocket: false);
        Reader = new FrameReader(Stream, WorkerProtocol.MaxAnswerBytes);
    }

    public Stream Stream { get; }

    public FrameReader Reader { get; }

    public int ProcessId => _process.Id;

    /// <summary>Why the engine killed this worker, if it did.</summary>
    public string? KillReason => Volatile.Read(ref _killReason);

    /// <summary>CPU time of the whole worker process; null once it has exited.</summary>
    public TimeSpan? CpuTime
    {
        get
        {
            try
            {
                // Process caches what it read from /proc until Refresh; the watchdog needs the current figure.
                _process.Refresh();
                return _process.HasExited ? null : _process.TotalProcessorTime;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Starts a worker and loads the given programs; programs the worker cannot load are returned with the reason. The
    /// worker gets a clean environment (no API key can reach it) and a temp folder of its own, removed when it ends.
    /// </summary>
    public static WorkerProcess Start(ApplyOptions options, IReadOnlyList<ProgramRun> programs, out List<(ProgramRun Program, string Error)> loadErrors)
    {
        var worker = Launch(LocateWorker(options.WorkerPath), mode: null, options.WorkerHeapLimitBytes, options.NativeHeadroomBytes);
        worker.Walls = worker.Walls with { CpuLimitPerBatch = options.CpuLimitPerBatch };
        try
        {
            loadErrors = worker.Load(programs);
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts the worker executable in <paramref name="mode"/> (null: applying programs; "--compile": the compiler
    /// process), connected, with its walls raised and reported, under a managed heap cap and an OS data limit.
    /// </summary>
    internal static WorkerProcess Launch(string workerPath, string? mode, long heapLimitBytes, long nativeHeadroomBytes)
    {
        var folder = WorkerFolders.Create();
        Process? process = null;
        WorkerProcess? worker = null;
        try
        {
            var socketPath = Path.Combine(folder, "s");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);

            string[] arguments = mode is null ? [workerPath, socketPath] : [workerPath, mode, socketPath];
            var start = new ProcessStartInfo(DotnetHost(), arguments)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            WorkerEnvironment.Clean(start.Environment, folder);
            start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + heapLimitBytes.ToString("x", CultureInfo.InvariantCulture);
            start.Environment["DOTNET_gcServer"] = "0";
            start.Environment["DOTNET_gcConcurrent"] = "0";
            start.Environment["DOTNET_TieredPGO"] = "1";

            // A worker allocates one string per row it decodes; with the default gen0 budget (a couple of MiB where the CPU
            // reports no cache size) nearly every batch triggers a collection that promotes the batches in flight. A larger
            // gen0 budget, well inside the heap limit, makes those collections rare and cheap.
            start.Environment["DOTNET_GCgen0size"] = "0x" + WorkerGen0Budget(heapLimitBytes).ToString("x", CultureInfo.InvariantCulture);

            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the worker {workerPath}");
            var dataLimit = ProcessLimits.TryLimitData(process.Id, heapLimitBytes + nativeHeadroomBytes);
            var socket = Accept(listener, process, workerPath);
            worker = new WorkerProcess(process, socket, folder);
            process.ErrorDataReceived += (_, line) => worker.Remember(line.Data);
            process.OutputDataReceived += (_, line) => worker.Remember(line.Data);
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            worker.Walls = worker.ReadWalls() with { HeapLimitBytes = heapLimitBytes, DataLimit = dataLimit, TempFolderPath = folder };
            return worker;
        }
        catch
        {
            if (worker is not null)
            {
                worker.Dispose();
            }
            else
            {
                if (process is not null)
                {
                    TryKill(process);
                    process.Dispose();
                }

                WorkerFolders.Remove(folder);
            }

            throw;
        }
    }

    /// <summary>How long a read of the worker's answer may wait before it fails with an <see cref="IOException"/>.</summary>
    public TimeSpan ReceiveTimeout
    {
        set => _socket.ReceiveTimeout = (int)Math.Clamp(value.TotalMilliseconds, 1, int.MaxValue);
    }

    /// <summary>What the worker said about its walls, the first thing it sends.</summary>
    public SandboxWalls Walls { get; private set; } = null!;

    private static Socket Accept(Socket listener, Process process, string workerPath)
    {
        try
        {
            using var accepting = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var accept = listener.AcceptAsync(accepting.Token).AsTask();
            while (!accept.Wait(50))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException(
                        $"the worker {workerPath} exited with code {process.ExitCode} before connecting: {Bounded.Text(process.StandardError.ReadToEnd().Trim())}");
                }
            }

            return accept.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException)
        {
            throw new InvalidOperationException($"the worker {workerPath} did not connect within 60 s", e);
        }
    }

    private SandboxWalls ReadWalls()
    {
        var type = Reader.Next();
        if (type != WorkerProtocol.Hello)
        {
            throw new InvalidOperationException($"the worker did not report its walls: {DescribeEnd()}");
        }

        return SandboxWalls.Read(Reader);
    }

    /// <summary>Kills the worker (and anything it started) and records why; the reader then sees the end of the stream.</summary>
    public void Kill(string reason)
    {
        Interlocked.CompareExchange(ref _killReason, reason, null);
        TryKill(_process);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>After the stream ended: why the worker is gone, in words for the report.</summary>
    public string DescribeEnd()
    {
        if (KillReason is { } killed)
        {
            return killed;
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            TryKill(_process);
            return "the worker closed its connection without exiting and was killed";
        }

        _process.WaitForExit();
        var code = _process.ExitCode;
        var meaning = code switch
        {
            134 => " (aborted: a stack overflow, or the runtime failing fast)",
            137 => " (killed, probably for memory)",
            139 => " (segmentation fault)",
            _ => "",
        };
        string tail;
        lock (_outputTail)
        {
            tail = string.Join(" | ", _outputTail);
        }

        return $"the worker process exited with code {code}{meaning}" + (tail.Length > 0 ? $"; its last output: {tail}" : "");
    }

    /// <summary>The worker's peak resident memory (VmHWM, Linux) so far; null where it cannot be read.</summary>
    public long? PeakResidentBytes => ReadStatusKilobytes(_process.Id, "VmHWM:") * 1024;

    /// <summary>A "VmHWM:"-style field of /proc/&lt;pid&gt;/status, in kB.</summary>
    internal static long? ReadStatusKilobytes(int processId, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var digits = new string([.. line.AsSpan(field.Length).ToArray().Where(char.IsDigit)]);
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return null;
    }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public void Quit(FrameWriter writer) => SendEmpty(writer, WorkerProtocol.Quit);

    /// <summary>Asks for a <see cref="WorkerProtocol.Drained"/> reply once the worker has answered everything sent before.</summary>
    public void Drain(FrameWriter writer) => SendEmpty(writer, WorkerProtocol.Drain);

    private void SendEmpty(FrameWriter writer, byte type)
    {
        try
        {
            writer.Begin(type);
            writer.SendTo(Stream);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited && !_process.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            TryKill(_process);
        }

        Stream.Dispose();
        _socket.Dispose();
        _process.Dispose();
        WorkerFolders.Remove(_folder);
    }

    private List<(ProgramRun Program, string Error)> Load(IReadOnlyList<ProgramRun> programs)
    {
        var writer = new FrameWriter();
        writer.Begin(WorkerProtocol.Load);
        writer.WriteInt(programs.Count);
        foreach (var run in programs)
        {
            var image = run.Program.WorkerImage
                ?? throw new InvalidOperationException($"program '{run.Program.Name}' cannot run in a worker process (it has no loadable image); use --isolation none");
            writer.WriteInt(run.Index);
            writer.WriteString(run.Program.Name);
            writer.WriteString(image.Kind);
            writer.WriteBytes(image.Payload);
        }

        writer.SendTo(Stream);
        var type = Reader.Next();
        if (type != WorkerProtocol.Loaded)
        {
            throw new InvalidOperationException($"the worker did not confirm loading its programs: {DescribeEnd()}");
        }

        var errors = new List<(ProgramRun, string)>();
        var count = Reader.ReadInt();
        for (var i = 0; i < count; i++)
        {
            var index = Reader.ReadInt();
            var error = Reader.ReadString();
            if (error is not null)
            {
                errors.Add((programs.First(p => p.Index == index), error));
            }
        }

        return errors;
    }

    private void Remember(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_outputTail)
        {
            // Shown in reports and on the terminal, and written by a process that runs untrusted code: one line, no escapes.
            _outputTail.Enqueue(Bounded.Line(line.Length > 300 ? line[..300] : line, 300));
            while (_outputTail.Count > TailLines)
            {
                _outputTail.Dequeue();
            }
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
        }
    }

    /// <summary>The worker executable: <paramref name="configured"/>, or alchemist-worker.dll beside this assembly.</summary>
    internal static string LocateWorker(string? configured)
    {
        var path = configured ?? Path.Combine(AppContext.BaseDirectory, "alchemist-worker.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"the worker {path} is missing; it is built with the command line and carried by the Alchemist.Pipeline package (trusted programs can run without it: --isolation none; images cannot be decoded without it)", path);
    }

    /// <summary>The dotnet host that runs this process, so the worker uses the same runtime.</summary>
    /// <summary>The worker's gen0 budget: 64 MiB, or an eighth of its heap limit when that is smaller.</summary>
    internal static long WorkerGen0Budget(long heapLimitBytes) => Math.Clamp(heapLimitBytes / 8, 4L << 20, 64L << 20);

    private static string DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } current && Path.GetFileName(current) == name)
        {
            return current;
        }

        var fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", name));
        if (File.Exists(fromRuntime))
        {
            return fromRuntime;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } hostPath && File.Exists(hostPath) ? hostPath : name;
    }
}
