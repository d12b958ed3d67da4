using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Pipeline;

/// <summary>
/// Results of a run's stages that are pure functions of their inputs, kept under <c>.alchemist/cache/&lt;kind&gt;/</c> by a
/// content address: a SHA-256 of the kind's format version, the build of the code that computes it (the module version ids
/// of its assemblies, so a rebuilt synthesizer or trainer misses) and every input value it reads. A rerun after one program
/// was edited then skips what that program does not feed: the offline rules learned per valid fold and the end models
/// trained on valid alone (see docs/architecture.md). Files are written to a temporary name and renamed; an entry that does
/// not read back whole is a miss, recomputed and written again.
/// </summary>
internal sealed class StageCache
{
    private StageCache(string folder) => Folder = folder;

    /// <summary>The folder of this kind's entries.</summary>
    public string Folder { get; }

    /// <summary>The cache of one kind of result in a project.</summary>
    public static StageCache For(string projectDirectory, string kind) => new(Path.Combine(new ProjectLayout(projectDirectory).CacheFolder, kind));

    /// <summary>The path of an entry's file with the given suffix (the caller writes and reads it).</summary>
    public string PathOf(string key, string suffix) => Path.Combine(Folder, key + suffix);

    /// <summary>Reads an entry with <paramref name="read"/>; null when it is missing or does not read back (then it is recomputed).</summary>
    public T? TryRead<T>(Func<T> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes an entry; a failure to write only costs the next run the recomputation.</summary>
    public void TryWrite(Action write)
    {
        try
        {
            Directory.CreateDirectory(Folder);
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Builds a content address from typed values; every value is written with its length, so no two inputs collide by concatenation.</summary>
internal sealed class CacheKey : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>A key for results of format <paramref name="version"/>, computed by the code in the assemblies of <paramref name="code"/>.</summary>
    public CacheKey(string version, params Type[] code)
    {
        Add(version);
        foreach (var assembly in code.Select(t => t.Assembly).Distinct())
        {
            Add(Build(assembly));
        }
    }

    /// <summary>An assembly's identity for a cache key: its module version id changes with any change to its code.</summary>
    public static string Build(Assembly assembly) => $"{assembly.GetName().Name};{assembly.GetName().Version};{assembly.ManifestModule.ModuleVersionId:N}";

    public CacheKey Add(string? value)
    {
        if (value is null)
        {
            return Add(-1);
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        Add(bytes.Length);
        _hash.AppendData(bytes);
        return this;
    }

    public CacheKey Add(int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        MemoryMarshal.Write(bytes, in value);
        _hash.AppendData(bytes);
        return this;
    }

    public CacheKey Add(double value) => AddRaw([value]);

    public CacheKey Add(IReadOnlyList<string?> values)
    {
        Add(values.Count);
        foreach (var value in values)
        {
            Add(value);
        }

        return this;
    }

    public CacheKey Add(ReadOnlySpan<int> values)
    {
        Add(values.Length);
        _hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    public CacheKey Add(ReadOnlySpan<float> values)
    {
        Add(values.Length);
        _hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    public CacheKey Add(ReadOnlySpan<double> values)
    {
        Add(values.Length);
        return AddRaw(values);
    }

    /// <summary>The key as hex: 40 characters (160 bits), as the column cache's.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset().AsSpan(0, 20));

    public void Dispose() => _hash.Dispose();

    private CacheKey AddRaw(ReadOnlySpan<double> values)
    {
        _hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }
}
