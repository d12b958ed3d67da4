using System.Security.Cryptography;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;

namespace Alchemist.Programs.Apply;

/// <summary>
/// Copies of programs loaded for good (not collectible, so that their code tiers up), shared by every
/// <see cref="SandboxedProgram"/> of the process: such a copy can never be unloaded, so a process that applies the same
/// programs again and again (tests, a server) takes idle copies back instead of loading new ones. A copy is lent to one
/// program at a time, which keeps it for one thread at a time. At most <see cref="MaxCopies"/> are ever loaded; past that,
/// programs load collectible copies that their owner unloads.
/// </summary>
internal static class PermanentCopies
{
    /// <summary>Bounds what a long-lived process can never give back (each copy is an assembly with its code).</summary>
    public const int MaxCopies = 4096;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Stack<LoadedProgram>> Idle = new(StringComparer.Ordinal);
    private static int _loaded;

    /// <summary>Copies loaded for good in this process so far.</summary>
    public static int Loaded
    {
        get
        {
            lock (Gate)
            {
                return _loaded;
            }
        }
    }

    /// <summary>
    /// Identifies the loaded code exactly: the image bytes (the compile cache key leaves out whether budgets were injected),
    /// the entry, and the name and signature the invokers of the copy report and read rows with.
    /// </summary>
    public static string KeyOf(CompiledProgram compiled) =>
        string.Join('\n', Convert.ToHexStringLower(SHA256.HashData(compiled.Image)), compiled.EntryTypeName, compiled.Name, compiled.Signature.Fingerprint());

    /// <summary>An idle copy, a new one, or null once the process has loaded <see cref="MaxCopies"/>.</summary>
    public static LoadedProgram? Rent(string key, CompiledProgram compiled)
    {
        lock (Gate)
        {
            if (Idle.TryGetValue(key, out var idle) && idle.TryPop(out var copy))
            {
                return copy;
            }

            if (_loaded >= MaxCopies)
            {
                return null;
            }

            _loaded++; // counted even if loading fails: a failed load may still leave its assembly behind
        }

        return compiled.Load(unloadable: false);
    }

    /// <summary>Takes back a copy that no thread uses any more.</summary>
    public static void Return(string key, LoadedProgram copy)
    {
        lock (Gate)
        {
            if (!Idle.TryGetValue(key, out var idle))
            {
                Idle[key] = idle = new Stack<LoadedProgram>();
            }

            idle.Push(copy);
        }
    }
}
