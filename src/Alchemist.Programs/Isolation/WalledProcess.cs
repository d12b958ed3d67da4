using System.Net.Sockets;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// A process behind the same walls as a program worker (clean environment, own temp folder, network namespace, Landlock,
/// no new privileges, heap cap, OS data limit), for work on untrusted input that is not a program: the worker executable
/// started in a mode of its own (<see cref="WalledProcessHost.Serve"/> on the other side) that answers one request at a
/// time. A hostile input that crashes or takes over the code handling it there ends or owns that process alone, never
/// the one holding the user's keys and results; the caller names the input and starts another.
/// </summary>
public sealed class WalledProcess : IDisposable
{
    private readonly WorkerProcess _worker;
    private readonly FrameWriter _writer = new();
    private bool _broken;

    private WalledProcess(WorkerProcess worker) => _worker = worker;

    /// <summary>What the process reported about its walls when it started.</summary>
    public SandboxWalls Walls => _worker.Walls;

    /// <summary>The process's peak resident memory so far (VmHWM, Linux); null where it cannot be read, or once it has ended.</summary>
    public long? PeakResidentBytes => _worker.PeakResidentBytes;

    /// <summary>False once a request failed: the process is gone (or was killed) and a new one is needed.</summary>
    public bool Usable => !_broken && !_worker.HasExited;

    /// <summary>
    /// Starts the worker executable (<paramref name="workerPath"/>, or alchemist-worker.dll beside this assembly) in
    /// <paramref name="mode"/>, under a managed heap cap and an OS data limit of that cap plus
    /// <paramref name="nativeHeadroomBytes"/> (native libraries allocate outside the managed heap).
    /// </summary>
    public static WalledProcess Start(string mode, long heapLimitBytes, long nativeHeadroomBytes, string? workerPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mode);
        return new WalledProcess(WorkerProcess.Launch(Locate(workerPath), mode, heapLimitBytes, nativeHeadroomBytes));
    }

    /// <summary>
    /// The worker executable's full path: <paramref name="workerPath"/>, or alchemist-worker.dll beside this assembly.
    /// </summary>
    /// <exception cref="FileNotFoundException">It is not there; the message says where it was looked for and where it comes from.</exception>
    public static string Locate(string? workerPath = null) => WorkerProcess.LocateWorker(workerPath);

    /// <summary>
    /// Sends one request and returns the answer. When the process ends, breaks the protocol or takes longer than
    /// <paramref name="timeout"/> (it is killed then), throws <see cref="WalledProcessException"/> saying why; this
    /// instance is then unusable.
    /// </summary>
    public byte[] Call(ReadOnlySpan<byte> request, TimeSpan timeout, int maxAnswerBytes)
    {
        if (_broken)
        {
            throw new WalledProcessException("the process failed an earlier request; start another");
        }

        // Each read of the answer waits at most the timeout on this thread (the socket's own timeout), so an overrun is caught
        // however busy the thread pool is; the watchdog bounds the whole answer, against one dripped a byte at a time.
        // state: 0 waiting, 1 answered, 2 killed for time. Whichever comes first wins, so a kill that races an answer can
        // never be blamed on the next request.
        var state = 0;
        var overrun = $"it took more than {timeout.TotalSeconds:0.#} s and was stopped";
        void KillForTime()
        {
            if (Interlocked.CompareExchange(ref state, 2, 0) == 0)
            {
                _worker.Kill(overrun);
            }
        }

        _worker.ReceiveTimeout = timeout;
        using var watchdog = new Timer(_ => KillForTime(), null, timeout + timeout, Timeout.InfiniteTimeSpan);
        try
        {
            _writer.Begin(WorkerProtocol.Request);
            _writer.WriteBytes(request);
            _writer.SendTo(_worker.Stream);
            var type = _worker.Reader.Next();
            if (type != WorkerProtocol.Answer)
            {
                throw Broken(type is null ? null : $"it sent message type {type} where an answer was due");
            }

            var answer = _worker.Reader.ReadBytes();
            if (Interlocked.CompareExchange(ref state, 1, 0) != 0)
            {
                _broken = true;
            }

            return answer.Length <= maxAnswerBytes ? answer : throw Broken($"its answer of {answer.Length} bytes is over the {maxAnswerBytes} expected");
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            KillForTime();
            throw Broken(null);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException or EndOfStreamException)
        {
            throw Broken(null);
        }
    }

    private WalledProcessException Broken(string? protocolError)
    {
        _broken = true;
        if (protocolError is not null)
        {
            _worker.Kill(protocolError);
        }

        return new WalledProcessException(_worker.DescribeEnd());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_broken)
        {
            _worker.Quit(_writer);
        }

        _worker.Dispose();
    }
}

/// <summary>A <see cref="WalledProcess"/> ended, broke the protocol or overran its time; the message says which.</summary>
public sealed class WalledProcessException(string message) : Exception(message);

/// <summary>The side of a <see cref="WalledProcess"/> inside the worker executable.</summary>
public static class WalledProcessHost
{
    /// <summary>
    /// Connects to the engine's socket, raises the walls and reports them, then answers each request with
    /// <paramref name="answer"/> until the engine says quit. An exception from <paramref name="answer"/> ends the process
    /// (the engine names the input); so does losing the engine. Returns the exit code.
    /// </summary>
    public static int Serve(string socketPath, Func<byte[], byte[]> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        WorkerWallBuilder.ExitWhenOrphaned();
        using var stream = ConnectBehindWalls(socketPath);
        var writer = new FrameWriter();
        var reader = new FrameReader(stream);
        while (reader.Next() is { } type && type != WorkerProtocol.Quit)
        {
            if (type != WorkerProtocol.Request)
            {
                throw new InvalidDataException($"unknown message type {type} from the engine");
            }

            var reply = answer(reader.ReadBytes());
            writer.Begin(WorkerProtocol.Answer);
            writer.WriteBytes(reply);
            writer.SendTo(stream);
        }

        return 0;
    }

    /// <summary>
    /// Connects to the engine's socket, raises the walls on this thread (every thread it starts inherits them) and reports
    /// them: how every walled mode of the worker executable begins.
    /// </summary>
    internal static Stream ConnectBehindWalls(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        var walls = WorkerWallBuilder.Raise(Environment.GetEnvironmentVariable("TMPDIR"));
        var hello = new FrameWriter();
        hello.Begin(WorkerProtocol.Hello);
        walls.Write(hello);
        hello.SendTo(stream);
        return stream;
    }
}
