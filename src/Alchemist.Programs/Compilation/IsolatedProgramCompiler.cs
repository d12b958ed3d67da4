using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Alchemist.Programs.Isolation;

namespace Alchemist.Programs.Compilation;

/// <summary>
/// Compiles programs in a child process (the worker executable in its compiler mode), never in this one: the source is
/// first checked against <see cref="SourceLimits"/> here, with a linear scan that cannot overflow, then sent to a compiler
/// process that runs with a heap cap, behind the same walls as a worker, and is killed when one compile takes longer than
/// <see cref="SourceLimits.CompileTimeout"/>. A crash or a kill rejects that one program; the next compile starts a fresh
/// process. A process serves every compile of this instance and goes back to a pool when it is disposed, so Roslyn warms
/// up once per process of the caller, not once per project or synthesis run. Thread-safe (compiles are serialized).
/// </summary>
public sealed class IsolatedProgramCompiler : IProgramCompiler, IDisposable
{
    private readonly Lock _gate = new();
    private readonly string _workerPath;
    private readonly FrameWriter _writer = new();
    private WorkerProcess? _process;
    private long _nextId;
    private bool _disposed;

    /// <param name="signature">The task's inputs and classes.</param>
    /// <param name="limits">Source limits and the compiler process's time and memory.</param>
    /// <param name="workerPath">The worker executable; null looks beside this assembly.</param>
    public IsolatedProgramCompiler(ProgramSignature signature, SourceLimits? limits = null, string? workerPath = null)
    {
        Signature = signature;
        Limits = limits ?? SourceLimits.Default;
        _workerPath = WorkerProcess.LocateWorker(workerPath);
    }

    /// <inheritdoc/>
    public ProgramSignature Signature { get; }

    /// <inheritdoc/>
    public SourceLimits Limits { get; }

    /// <summary>The walls the compiler process reported around itself; null before the first compile.</summary>
    public SandboxWalls? Walls { get; private set; }

    /// <summary>
    /// Compiler processes this compiler has used, launched or taken idle from the pool (one, unless a compile crashed or
    /// overran its time). Counting launches alone made a test flaky: a parallel test's returned process is taken instead.
    /// </summary>
    public int ProcessesUsed { get; private set; }

    /// <inheritdoc/>
    public string CacheKeyOf(string source) => ProgramCompiler.CacheKeyOf(Signature, source);

    /// <inheritdoc/>
    public CompileResult Compile(string source, string name = "program") => Compile(source, name, instrument: true);

    /// <summary>Like <see cref="Compile(string, string)"/> without the run-time budgets (benchmarks' native baseline).</summary>
    public CompileResult CompileWithoutBudgets(string source, string name = "program") => Compile(source, name, instrument: false);

    private CompileResult Compile(string source, string name, bool instrument)
    {
        var started = Stopwatch.GetTimestamp();
        if (Limits.Check(source) is { } tooLarge)
        {
            return new CompileResult(null, [tooLarge], Stopwatch.GetElapsedTime(started));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var process = _process ??= StartProcess();
            var request = new CompileRequest(++_nextId, name, source, instrument, Signature, Limits);
            try
            {
                request.Write(_writer);
                _writer.SendTo(process.Stream);
                return ReadReply(process, request, source, started);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException or InvalidOperationException)
            {
                // The process may have half an answer in its socket: it never goes back to the pool.
                var timedOut = Stopwatch.GetElapsedTime(started) >= Limits.CompileTimeout;
                var why = timedOut
                    ? string.Create(CultureInfo.InvariantCulture, $"compiling it took longer than {Limits.CompileTimeout.TotalSeconds:0} s (isolation.compile_seconds), so the compiler process was stopped")
                    : $"the compiler process ended while compiling it ({process.DescribeEnd()}); the program is probably too large or too deeply nested";
                process.Kill(why);
                process.Dispose();
                _process = null;
                return new CompileResult(null, [new ProgramDiagnostic(DiagnosticStage.Limits, 0, 0, Bounded.Text(why))], Stopwatch.GetElapsedTime(started));
            }
        }
    }

    private CompileResult ReadReply(WorkerProcess process, CompileRequest request, string source, long started)
    {
        var reader = process.Reader;
        if (reader.Next() is not WorkerProtocol.Compiled)
        {
            throw new InvalidDataException("the compiler process sent no answer");
        }

        var id = reader.ReadLong();
        if (id != request.Id)
        {
            throw new InvalidDataException($"the compiler process answered request {id}, not {request.Id}");
        }

        _ = reader.ReadLong(); // the child's own time; the caller sees the whole round trip
        var diagnostics = new ProgramDiagnostic[Math.Clamp(reader.ReadInt(), 0, 1000)];
        for (var i = 0; i < diagnostics.Length; i++)
        {
            var stage = (DiagnosticStage)reader.ReadByte();
            diagnostics[i] = new ProgramDiagnostic(Enum.IsDefined(stage) ? stage : DiagnosticStage.Internal, reader.ReadInt(), reader.ReadInt(), Bounded.Text(reader.ReadString() ?? ""));
        }

        var image = reader.ReadBytes();
        var entryType = reader.ReadString();
        var program = image.Length > 0 && entryType is not null
            ? new CompiledProgram(request.Name, ProgramCompiler.SourceHash(source), Signature, image, entryType, CacheKeyOf(source))
            : null;
        if (program is null && diagnostics.Length == 0)
        {
            throw new InvalidDataException("the compiler process answered neither a program nor a reason");
        }

        return new CompileResult(program, diagnostics, Stopwatch.GetElapsedTime(started));
    }

    private WorkerProcess StartProcess()
    {
        if (!CompilerPool.TryRent((_workerPath, Limits.CompilerMemoryBytes), out var process))
        {
            process = WorkerProcess.Launch(_workerPath, "--compile", Limits.CompilerMemoryBytes, nativeHeadroomBytes: 768L << 20);
            try
            {
                WarmUp(process);
            }
            catch
            {
                process.Dispose();
                throw;
            }
        }

        ProcessesUsed++;
        process.ReceiveTimeout = Limits.CompileTimeout;
        Walls = process.Walls;
        return process;
    }

    /// <summary>
    /// Compiles a one-line program in a fresh process, with time to spare: loading and compiling Roslyn itself takes a
    /// second or more (longer on a busy machine), which must not count against the first program's time limit.
    /// </summary>
    private void WarmUp(WorkerProcess process)
    {
        const string Trivial = "public static int Label(string text) => -1;";
        var signature = ProgramSignature.SingleText("text", ["a", "b"]);
        process.ReceiveTimeout = TimeSpan.FromMinutes(5);
        new CompileRequest(++_nextId, "warm-up", Trivial, Instrument: true, signature, SourceLimits.Default).Write(_writer);
        _writer.SendTo(process.Stream);
        if (process.Reader.Next() is not WorkerProtocol.Compiled)
        {
            throw new InvalidDataException("the compiler process did not answer its warm-up");
        }
    }

    /// <summary>Hands the compiler process to a pool for the next compiler of this process, instead of ending it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_process is { } process)
            {
                CompilerPool.Return((_workerPath, Limits.CompilerMemoryBytes), process, _writer);
                _process = null;
            }
        }
    }
}

/// <summary>
/// Idle compiler processes of this process, by worker and memory cap, for the next <see cref="IsolatedProgramCompiler"/>:
/// starting one and warming Roslyn up in it costs a second or more. A few are kept; the rest are told to quit. They end
/// by themselves when this process ends (their socket closes).
/// </summary>
internal static class CompilerPool
{
    private const int MaxIdlePerKey = 2;
    private static readonly Dictionary<(string Worker, long Memory), Stack<WorkerProcess>> Idle = InitIdle();

    /// <summary>Idle processes are ended with this one, so that their temp folders go with them.</summary>
    private static Dictionary<(string Worker, long Memory), Stack<WorkerProcess>> InitIdle()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => EndAll();
        return [];
    }

    private static void EndAll()
    {
        List<WorkerProcess> idle;
        lock (Idle)
        {
            idle = [.. Idle.Values.SelectMany(s => s)];
            Idle.Clear();
        }

        var writer = new FrameWriter();
        foreach (var process in idle)
        {
            Quit(process, writer);
        }
    }

    public static bool TryRent((string Worker, long Memory) key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WorkerProcess? process)
    {
        lock (Idle)
        {
            while (Idle.TryGetValue(key, out var stack) && stack.TryPop(out process))
            {
                if (!process.HasExited)
                {
                    return true;
                }

                process.Dispose();
            }
        }

        process = null;
        return false;
    }

    public static void Return((string Worker, long Memory) key, WorkerProcess process, FrameWriter writer)
    {
        lock (Idle)
        {
            if (!process.HasExited)
            {
                if (!Idle.TryGetValue(key, out var stack))
                {
                    Idle[key] = stack = new Stack<WorkerProcess>();
                }

                if (stack.Count < MaxIdlePerKey)
                {
                    stack.Push(process);
                    return;
                }
            }
        }

        Quit(process, writer);
    }

    private static void Quit(WorkerProcess process, FrameWriter writer)
    {
        writer.Begin(WorkerProtocol.Quit);
        try
        {
            writer.SendTo(process.Stream);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }

        process.Dispose();
    }
}
