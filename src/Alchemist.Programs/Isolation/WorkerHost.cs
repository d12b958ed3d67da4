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
    public static int Run(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: alchemist-worker <socket path> (started by the apply engine, not by hand)");
            return 2;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(args[0]));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        Serve(stream);
        return 0;
    }

    private static void Serve(Stream stream)
    {
        var reader = new FrameReader(stream);
        var writer = new FrameWriter();
        var labelers = new Dictionary<int, IBatchLabeler>();
        var votes = new sbyte[4096];
        while (reader.Next() is { } type)
        {
            switch (type)
            {
                case WorkerProtocol.Load:
                    LoadPrograms(reader, writer, labelers);
                    writer.SendTo(stream);
                    break;
                case WorkerProtocol.Batch:
                    RunBatch(reader, writer, labelers, ref votes, stream);
                    break;
                case WorkerProtocol.Quit:
                    return;
                default:
                    throw new InvalidDataException($"unknown message type {type} from the engine");
            }
        }
    }

    private static void LoadPrograms(FrameReader reader, FrameWriter writer, Dictionary<int, IBatchLabeler> labelers)
    {
        var count = reader.ReadInt();
        var errors = new List<(int Index, string Error)>();
        for (var i = 0; i < count; i++)
        {
            var index = reader.ReadInt();
            var name = reader.ReadString() ?? "";
            var kind = reader.ReadString() ?? "";
            var payload = reader.ReadBytes();
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

    private static void RunBatch(FrameReader reader, FrameWriter writer, Dictionary<int, IBatchLabeler> labelers, ref sbyte[] votes, Stream stream)
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

        var programCount = reader.ReadInt();
        Span<int> programs = programCount <= 256 ? stackalloc int[programCount] : new int[programCount];
        for (var p = 0; p < programCount; p++)
        {
            programs[p] = reader.ReadInt();
        }

        var ids = new string[rows];
        Array.Fill(ids, string.Empty);
        var batch = new DataBatch(firstRow, ids, texts, numbers, new int[rows]);
        if (votes.Length < rows)
        {
            votes = new sbyte[rows];
        }

        var span = votes.AsSpan(0, rows);
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
            writer.WriteLong(elapsed.Ticks);
            writer.WriteLong(Environment.CpuUsage.TotalTime.Ticks);
            writer.WriteVotes(span);
            writer.SendTo(stream);
        }
    }
}
