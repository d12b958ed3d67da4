using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Programs.Apply;

/// <summary>
/// A program's votes on a data set, kept on disk under a key made of the program's hash and the data's content hash, so that
/// editing one program recomputes only its column. Files are written to a temporary name and renamed, so a crash leaves
/// either the old file or the new one; a file that does not read back whole is treated as missing. Besides the apply engine,
/// a cluster's driver stores here the columns its silos computed shard by shard, so that the apply that follows reads them.
/// </summary>
public sealed class ColumnCache
{
    /// <summary>Changes whenever the engine's meaning of a cached column changes.</summary>
    private const string FormatVersion = "alchemist-column-v1";
    private static readonly byte[] Magic = "ALCOL001"u8.ToArray();
    private int _hits;
    private int _misses;

    /// <summary>A cache kept in <paramref name="directory"/> (created at the first store).</summary>
    public ColumnCache(string directory)
    {
        Directory = directory;
    }

    /// <summary>The folder of the cached columns.</summary>
    public string Directory { get; }

    /// <summary>Columns read back whole so far.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Columns asked for and not found, or found unreadable.</summary>
    public int Misses => Volatile.Read(ref _misses);

    /// <summary>The key of the column of the program with content hash <paramref name="programHash"/> on the data with content hash <paramref name="dataHash"/>.</summary>
    public static string Key(string programHash, string dataHash)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{FormatVersion}\n{programHash}\n{dataHash}"));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 20));
    }

    /// <summary>True when a column is stored under <paramref name="key"/> (it may still turn out unreadable on load).</summary>
    public bool Contains(string key) => File.Exists(PathOf(key));

    /// <summary>The column stored under <paramref name="key"/>, or null when there is none or it does not read back whole.</summary>
    public CachedColumn? TryLoad(string key)
    {
        var path = PathOf(key);
        CachedColumn? column = null;
        try
        {
            if (File.Exists(path))
            {
                column = Read(path);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            column = null;
        }

        Interlocked.Increment(ref column is null ? ref _misses : ref _hits);
        return column;
    }

    /// <summary>Forgets a column (one that turned out not to be a function of its rows).</summary>
    public void Remove(string key)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Stores <paramref name="column"/> under <paramref name="key"/>, replacing any column there, as one file.</summary>
    public void Store(string key, CachedColumn column)
    {
        AtomicFile.Write(PathOf(key), stream =>
        {
            var header = new byte[8 + 4 + 4 + 4 + 8 + 8];
            Magic.CopyTo(header, 0);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), column.Votes.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), column.Errors);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), column.BudgetExceeded);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(20), column.FirstFaultRow);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(28), column.Time.Ticks);
            stream.Write(header);
            var fault = Encoding.UTF8.GetBytes(column.FirstFault ?? "");
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, column.FirstFault is null ? -1 : fault.Length);
            stream.Write(length);
            stream.Write(fault);
            stream.Write(MemoryMarshal.AsBytes(column.Votes.AsSpan()));
        }, durable: false);
    }

    internal string PathOf(string key) => Path.Combine(Directory, key + ".col");

    private static CachedColumn Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var header = new byte[8 + 4 + 4 + 4 + 8 + 8 + 4];
        stream.ReadExactly(header);
        if (!header.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a cached column");
        }

        var rows = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        var errors = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        var budget = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16));
        var firstFaultRow = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(20));
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(28));
        var faultLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(36));
        if (rows < 0 || faultLength < -1 || faultLength > 1 << 20)
        {
            throw new InvalidDataException($"{path} has a corrupt header");
        }

        string? fault = null;
        if (faultLength >= 0)
        {
            var bytes = new byte[faultLength];
            stream.ReadExactly(bytes);
            fault = Encoding.UTF8.GetString(bytes);
        }

        var votes = GC.AllocateUninitializedArray<sbyte>(rows);
        stream.ReadExactly(MemoryMarshal.AsBytes(votes.AsSpan()));
        if (stream.Position != stream.Length)
        {
            throw new InvalidDataException($"{path} is longer than its header says");
        }

        return new CachedColumn(votes, errors, budget, firstFaultRow, fault, TimeSpan.FromTicks(ticks));
    }
}

/// <summary>A program's whole column on one data set and the faults it had computing it.</summary>
/// <param name="Votes">One vote per row (-1: abstain).</param>
/// <param name="Errors">Rows on which the program threw or returned something that is not a label.</param>
/// <param name="BudgetExceeded">Rows on which it exceeded a budget.</param>
/// <param name="FirstFaultRow">Row of <paramref name="FirstFault"/>; -1 when none.</param>
/// <param name="FirstFault">The message of its first fault; null when none.</param>
/// <param name="Time">Time the program spent labeling the rows.</param>
public sealed record CachedColumn(sbyte[] Votes, int Errors, int BudgetExceeded, long FirstFaultRow, string? FirstFault, TimeSpan Time);
