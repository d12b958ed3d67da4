using System.Runtime.InteropServices;
using System.Text;

namespace Alchemist.Cluster;

/// <summary>How one program came out of one shard.</summary>
public enum ShardProgramStatus : byte
{
    /// <summary>It ran on every row of the shard and its votes are kept.</summary>
    Ok = 0,

    /// <summary>The apply engine disabled it on the shard (too many faults, changed static state, a killed worker).</summary>
    Disabled = 1,

    /// <summary>It did not compile, or the verifier refused it, on the silo.</summary>
    Rejected = 2,
}

/// <summary>One program's part of a shard's output.</summary>
/// <param name="Name">The program's name.</param>
/// <param name="ContentHash">Its content hash (compiled source and budgets), as the column cache keys it.</param>
/// <param name="Status">Whether its votes are kept.</param>
/// <param name="Reason">Why it was disabled or rejected; null when <see cref="ShardProgramStatus.Ok"/>.</param>
/// <param name="Errors">Rows on which it threw or returned something that is not a label.</param>
/// <param name="BudgetExceeded">Rows on which it exceeded a budget.</param>
/// <param name="FirstFaultRow">Row of its first fault, numbered in the whole split; -1 when none.</param>
/// <param name="FirstFault">The message of its first fault; null when none.</param>
/// <param name="Time">Time it spent labeling the shard's rows.</param>
/// <param name="Votes">One vote per shard row (-1: abstain) when <see cref="ShardProgramStatus.Ok"/>; null otherwise.</param>
public sealed record ShardProgramOutput(
    string Name,
    string ContentHash,
    ShardProgramStatus Status,
    string? Reason,
    int Errors,
    int BudgetExceeded,
    long FirstFaultRow,
    string? FirstFault,
    TimeSpan Time,
    sbyte[]? Votes)
{
    /// <summary>Every fault: errors plus budget violations.</summary>
    public int Faults => Errors + BudgetExceeded;
}

/// <summary>
/// What a silo wrote for one shard: every requested program's votes on the shard's rows and its status and faults. A pure
/// function of the shard's bytes and the program set, so writing it twice (a retried shard) writes the same file.
/// </summary>
/// <param name="ProgramSetHash">The hash of the programs asked for (<see cref="ClusterKeys.ProgramSetHash"/>).</param>
/// <param name="DataHash">The split's content hash.</param>
/// <param name="Split">The split's name.</param>
/// <param name="Range">The shard's rows.</param>
/// <param name="Programs">One entry per program asked for, in the order asked.</param>
public sealed record ShardOutput(string ProgramSetHash, string DataHash, string Split, ShardRange Range, IReadOnlyList<ShardProgramOutput> Programs);

/// <summary>
/// The shard file: a small binary format (little-endian, strings as UTF-8 with their length), written through
/// <see cref="AtomicFile"/> (a temporary name, then a rename), so a silo killed mid-write leaves no file, and read back only
/// when it is whole and of the shard asked for.
/// </summary>
public static class ShardFile
{
    /// <summary>The file name's extension.</summary>
    public const string Extension = ".shard";

    private static readonly byte[] Magic = "ALSHARD1"u8.ToArray();

    /// <summary>Writes <paramref name="output"/> to <paramref name="path"/> as one file (the folder is created).</summary>
    /// <exception cref="ArgumentException">A kept program's votes are not one per shard row.</exception>
    public static void Write(string path, ShardOutput output)
    {
        foreach (var program in output.Programs)
        {
            if ((program.Status == ShardProgramStatus.Ok) != (program.Votes is not null) || (program.Votes is { } votes && votes.Length != output.Range.Count))
            {
                throw new ArgumentException($"program {program.Name}: a kept program has one vote per shard row, and only a kept one has votes", nameof(output));
            }
        }

        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(output.ProgramSetHash);
            writer.Write(output.DataHash);
            writer.Write(output.Split);
            writer.Write(output.Range.First);
            writer.Write(output.Range.Count);
            writer.Write(output.Programs.Count);
            foreach (var p in output.Programs)
            {
                writer.Write(p.Name);
                writer.Write(p.ContentHash);
                writer.Write((byte)p.Status);
                WriteOptional(writer, p.Reason);
                writer.Write(p.Errors);
                writer.Write(p.BudgetExceeded);
                writer.Write(p.FirstFaultRow);
                WriteOptional(writer, p.FirstFault);
                writer.Write(p.Time.Ticks);
                if (p.Votes is { } votes)
                {
                    writer.Write(MemoryMarshal.AsBytes(votes.AsSpan()));
                }
            }

            writer.Write(Magic);
        });
    }

    /// <summary>
    /// The shard output at <paramref name="path"/>, or null when there is none, it is not whole, or it is not of the program
    /// set, data, split and rows given (a file that does not read back is as good as missing: the shard is computed again).
    /// </summary>
    public static ShardOutput? TryRead(string path, string programSetHash, string dataHash, string split, ShardRange range)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var output = Read(path);
            return output.ProgramSetHash == programSetHash && output.DataHash == dataHash && output.Split == split && output.Range == range ? output : null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads a shard file.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole shard file.</exception>
    public static ShardOutput Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException($"{path} is not a shard file");
            }

            var setHash = reader.ReadString();
            var dataHash = reader.ReadString();
            var split = reader.ReadString();
            var first = reader.ReadInt64();
            var count = reader.ReadInt32();
            var programCount = reader.ReadInt32();
            if (first < 0 || count < 1 || programCount < 0 || programCount > 1 << 16)
            {
                throw new InvalidDataException($"{path} has a corrupt header");
            }

            var programs = new List<ShardProgramOutput>(programCount);
            for (var j = 0; j < programCount; j++)
            {
                var name = reader.ReadString();
                var contentHash = reader.ReadString();
                var status = (ShardProgramStatus)reader.ReadByte();
                if (!Enum.IsDefined(status))
                {
                    throw new InvalidDataException($"{path}: program {name} has an unknown status");
                }

                var reason = ReadOptional(reader);
                var errors = reader.ReadInt32();
                var budget = reader.ReadInt32();
                var firstFaultRow = reader.ReadInt64();
                var firstFault = ReadOptional(reader);
                var time = TimeSpan.FromTicks(reader.ReadInt64());
                sbyte[]? votes = null;
                if (status == ShardProgramStatus.Ok)
                {
                    votes = GC.AllocateUninitializedArray<sbyte>(count);
                    stream.ReadExactly(MemoryMarshal.AsBytes(votes.AsSpan()));
                }

                programs.Add(new ShardProgramOutput(name, contentHash, status, reason, errors, budget, firstFaultRow, firstFault, time, votes));
            }

            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || stream.Position != stream.Length)
            {
                throw new InvalidDataException($"{path} does not end where its header says");
            }

            return new ShardOutput(setHash, dataHash, split, new ShardRange(first, count), programs);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} ends early", e);
        }
    }

    private static void WriteOptional(BinaryWriter writer, string? text)
    {
        writer.Write(text is not null);
        if (text is not null)
        {
            writer.Write(text);
        }
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
