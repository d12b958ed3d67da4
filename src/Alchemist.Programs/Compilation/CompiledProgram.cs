using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;

namespace Alchemist.Programs.Compilation;

/// <summary>
/// A verified, instrumented program as an assembly image. The image can be loaded here (<see cref="Load"/>) or sent to a
/// worker process and loaded there with <see cref="LoadedProgram.FromImage"/>; nothing else about the source is needed.
/// </summary>
public sealed class CompiledProgram
{
    /// <summary>Metadata name of the generated entry for single-text programs: <c>static int (string text)</c>.</summary>
    public const string TextEntryName = "__AlchemistText";

    /// <summary>Metadata name of the generated entry for multi-field programs: <c>static int (string[][] texts, double[][] numbers, int row)</c>.</summary>
    public const string ColumnsEntryName = "__AlchemistColumns";

    internal CompiledProgram(string name, string sourceHash, ProgramSignature signature, byte[] image, string entryTypeName, string cacheKey)
    {
        Name = name;
        SourceHash = sourceHash;
        Signature = signature;
        Image = image;
        EntryTypeName = entryTypeName;
        CacheKey = cacheKey;
    }

    /// <summary>The program's name, as given to the compiler.</summary>
    public string Name { get; }

    /// <summary>SHA-256 (hex) of the source text that was compiled.</summary>
    public string SourceHash { get; }

    /// <summary>The task signature the program was compiled for.</summary>
    public ProgramSignature Signature { get; }

    /// <summary>The instrumented assembly (PE bytes).</summary>
    public byte[] Image { get; }

    /// <summary>Metadata name of the type holding the entry method (e.g. "LabelingProgram" or "Ns.Outer+Inner").</summary>
    public string EntryTypeName { get; }

    /// <summary>
    /// Changes whenever the source, the signature (fields, classes) or the instrumentation changes: with a dataset's content
    /// hash, the key of a cached column. Budgets are not part of it; callers that vary them add <see cref="ProgramBudgets.Fingerprint"/>.
    /// </summary>
    public string CacheKey { get; }

    /// <summary>Loads the program into this process (see <see cref="LoadedProgram.FromImage"/> for <paramref name="unloadable"/>).</summary>
    public LoadedProgram Load(bool unloadable = true) => LoadedProgram.FromImage(Name, Image, EntryTypeName, Signature, unloadable);
}
