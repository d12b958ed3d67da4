using System.Diagnostics;
using System.Net.Sockets;
using Alchemist.Data;
using Alchemist.Programs.Apply;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// The loop inside a worker process (alchemist-worker): connect back to the engine, load programs, then for every batch run
/// the requested programs one after another on one thread and send each program's votes as soon as they are done, so
/// that the engine always knows which program is running (and whom to blame if the worker has to die).
/// </summary>
public static class WorkerHost
{
    /// <summary>Match timeout of a regex built without one (every regex of a program gets one from the rewriter).</summary>
    private static readonly TimeSpan DefaultRegexTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The worker executable's main loop: with one socket path it serves an apply engine, with <c>--compile</c> and a socket
    /// path it compiles programs. Returns the exit code, 2 for wrong arguments.
    /// </summary>
    public static int Run(string[] args)
    {
        WorkerWallBuilder.ExitWhenOrphaned();
        if (args is ["--compile", var compilerSocket])
        {
            return CompilerHost.Run(compilerSocket);
        }

        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: alchemist-worker [--compile] <socket path> (started by the apply engine, not by hand)");
            return 2;
        }

        // A backstop for any regex that escaped the rewriter's timeouts; it only works before the first regex is built.
        AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", DefaultRegexTimeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(args[0]));
        using var stream = new NetworkStream(socket, ownsSocket: false);

        // Programs run on a thread with a large stack (ProgramThread); its walls are raised on it before it starts the
        // reader thread, which inherits them with every program.
        Runtime.ProgramThread.Run(() =>
        {
            var walls = WorkerWallBuilder.Raise(Environment.GetEnvironmentVariable("TMPDIR"));
            var hello = new FrameWriter();
            hello.Begin(WorkerProtocol.Hello);
            walls.Write(hello);
            hello.SendTo(stream);
            Serve(stream);
        }, "worker-programs");
        return 0;
    }

    /// <summary>
    /// A reader thread decodes the next batch (UTF-8 to strings) while this thread runs programs over the current one, so
    /// the decoding costs no time on the program's thread. Messages keep their order.
    /// </summary>
    private static void Serve(Stream stream)
    {
        using var inbox = new System.Collections.Concurrent.BlockingCollection<Message>(boundedCapacity: 2);
        var reading = new Thread(() => Read(stream, inbox)) { IsBackground = true, Name = "worker-read" };
        reading.Start();
        var writer = new FrameWriter();
        var labelers = new Dictionary<int, IBatchLabeler>();
        var votes = new sbyte[4096];
        foreach (var message in inbox.GetConsumingEnumerable())
        {
            switch (message)
            {
                case LoadMessage load:
                    LoadPrograms(load, writer, labelers);
                    writer.SendTo(stream);
                    break;
                case BatchMessage batch:
                    RunBatch(batch, writer, labelers, ref votes, stream);
                    break;
                case ControlMessage { Type: WorkerProtocol.Drain }:
                    // The end of a split: a last look at every program's static state.
                    var changed = labelers.Select(l => (l.Key, Reason: l.Value.FinishSplit())).Where(l => l.Reason is not null).ToList();
                    writer.Begin(WorkerProtocol.Drained);
                    writer.WriteInt(changed.Count);
                    foreach (var (index, reason) in changed)
                    {
                        writer.WriteInt(index);
                        writer.WriteString(reason);
                    }

                    writer.SendTo(stream);
                    break;
                case ControlMessage { Type: WorkerProtocol.Quit }:
                    return;
                case ControlMessage { Failure: { } failure }:
                    throw new InvalidDataException($"the worker could not read the engine's messages: {failure.Message}", failure);
            }
        }
    }

    private static void Read(Stream stream, System.Collections.Concurrent.BlockingCollection<Message> inbox)
    {
        var reader = new FrameReader(stream);
        try
        {
            while (reader.Next() is { } type)
            {
                Message message = type switch
                {
                    WorkerProtocol.Load => ReadLoad(reader),
                    WorkerProtocol.Batch => ReadBatch(reader),
                    WorkerProtocol.Drain or WorkerProtocol.Quit => new ControlMessage(type, null),
                    _ => throw new InvalidDataException($"unknown message type {type} from the engine"),
                };
                inbox.Add(message);
                if (type == WorkerProtocol.Quit)
                {
                    return;
                }
            }

            inbox.Add(new ControlMessage(WorkerProtocol.Quit, null));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            inbox.Add(new ControlMessage(0, e));
        }
    }

    private static LoadMessage ReadLoad(FrameReader reader)
    {
        var count = reader.ReadInt();
        var programs = new List<(int, string, string, byte[])>(count);
        for (var i = 0; i < count; i++)
        {
            programs.Add((reader.ReadInt(), reader.ReadString() ?? "", reader.ReadString() ?? "", reader.ReadBytes()));
        }

        return new LoadMessage(programs);
    }

    private static BatchMessage ReadBatch(FrameReader reader)
    {
        var batchId = reader.ReadLong();
        var firstRow = reader.ReadLong();
        var rows = reader.ReadInt();
        var texts = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var textFields = reader.ReadInt();
        for (var f = 0; f < textFields; f++)
        {
            var name = reader.ReadString() ?? "";
            var column = new string[rows];
            reader.ReadTexts(column);
            texts[name] = column;
        }

        var numbers = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var numberFields = reader.ReadInt();
        for (var f = 0; f < numberFields; f++)
        {
            var name = reader.ReadString() ?? "";
            var column = new double[rows];
            reader.ReadDoubles(column);
            numbers[name] = column;
        }

        var programs = new int[reader.ReadInt()];
        for (var p = 0; p < programs.Length; p++)
        {
            programs[p] = reader.ReadInt();
        }

        var ids = new string[rows];
        Array.Fill(ids, string.Empty);
        return new BatchMessage(batchId, new DataBatch(firstRow, ids, texts, numbers, new int[rows]), programs);
    }

    private static void LoadPrograms(LoadMessage load, FrameWriter writer, Dictionary<int, IBatchLabeler> labelers)
    {
        var count = load.Programs.Count;
        var errors = new List<(int Index, string Error)>();
        foreach (var (index, name, kind, payload) in load.Programs)
        {
            try
            {
                labelers[index] = WorkerProgramLoader.Load(kind, name, payload);
            }
            catch (Exception e)
            {
                errors.Add((index, $"could not load '{name}' in the worker: {e.Message}"));
            }
        }

        writer.Begin(WorkerProtocol.Loaded);
        writer.WriteInt(count);
        foreach (var index in labelers.Keys)
        {
            writer.WriteInt(index);
            writer.WriteString(null);
        }

        foreach (var (index, error) in errors)
        {
            writer.WriteInt(index);
            writer.WriteString(error);
        }
    }

    private static void RunBatch(BatchMessage message, FrameWriter writer, Dictionary<int, IBatchLabeler> labelers, ref sbyte[] votes, Stream stream)
    {
        var (batchId, batch, programs) = message;
        var rows = batch.Count;
        if (votes.Length < rows)
        {
            votes = new sbyte[rows];
        }

        var span = votes.AsSpan(0, rows);
        writer.Begin(WorkerProtocol.Started);
        writer.WriteLong(batchId);
        writer.SendTo(stream);
        foreach (var index in programs)
        {
            var faults = RowFaults.None;
            span.Fill(Labeling.LabelMatrix.Abstain);
            var started = Stopwatch.GetTimestamp();
            if (labelers.TryGetValue(index, out var labeler))
            {
                labeler.Label(batch, span, ref faults);
            }
            else
            {
                faults.Errors = rows;
                faults.FirstFaultRow = 0;
                faults.FirstFault = "the program is not loaded in this worker";
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            writer.Begin(WorkerProtocol.Votes);
            writer.WriteLong(batchId);
            writer.WriteInt(index);
            writer.WriteInt(rows);
            writer.WriteInt(faults.Errors);
            writer.WriteInt(faults.BudgetExceeded);
            writer.WriteLong(faults.FirstFaultRow);
            writer.WriteString(faults.FirstFault);
            writer.WriteString(faults.DisableReason);
            writer.WriteLong(elapsed.Ticks);
            writer.WriteLong(Environment.CpuUsage.TotalTime.Ticks);
            writer.WriteVotes(span);
            writer.SendTo(stream);
        }
    }

    private abstract record Message;

    private sealed record LoadMessage(List<(int Index, string Name, string Kind, byte[] Payload)> Programs) : Message;

    private sealed record BatchMessage(long BatchId, DataBatch Batch, int[] Programs) : Message;

    private sealed record ControlMessage(byte Type, Exception? Failure) : Message;
}
