using System.Reflection;
using System.Reflection.Metadata;
using Microsoft.CodeAnalysis;

namespace Alchemist.Programs.Compilation;

/// <summary>
/// The assemblies programs compile against: the base library parts the allowlist covers, plus the ones hostile programs
/// reach for (IO, network, processes, threads), so that those compile and the verifier can say precisely why they are
/// rejected instead of the compiler saying "type not found". Loaded once per process.
/// </summary>
internal static class References
{
    private static readonly string[] Sandbox =
    [
        "System.Private.CoreLib", "System.Runtime", "System.Collections", "System.Collections.Immutable", "System.Collections.Specialized",
        "System.Collections.NonGeneric", "System.Linq", "System.Text.RegularExpressions", "System.Memory", "System.Runtime.Numerics",
        "System.Private.Uri", "System.Runtime.Intrinsics",
        "System.Console", "System.Collections.Concurrent", "System.Threading", "System.Threading.Thread", "System.Threading.Tasks.Parallel",
        "System.Linq.Parallel", "System.Linq.Expressions", "System.Linq.Queryable", "System.Net.Http", "System.Net.Primitives",
        "System.Net.Sockets", "System.Diagnostics.Process", "System.ComponentModel.Primitives", "System.Runtime.InteropServices",
        "System.Text.Encoding.Extensions", "System.Web.HttpUtility", "System.IO.FileSystem.Watcher", "System.Net.NameResolution",
        "System.Net.Requests", "System.Net.WebClient", "System.IO.Pipes", "System.IO.MemoryMappedFiles", "Microsoft.Win32.Registry",
    ];

    private static readonly Lazy<IReadOnlyList<MetadataReference>> SandboxReferences = new(() =>
        [.. Sandbox.Select(Load).Where(r => r is not null).Select(r => r!), FromAssembly(typeof(References).Assembly)]);

    private static readonly Lazy<IReadOnlyList<MetadataReference>> PlainReferences = new(() =>
        [.. (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p))]);

    /// <summary>What sandboxed programs compile against (includes Alchemist.Programs for the injected budget calls).</summary>
    public static IReadOnlyList<MetadataReference> ForSandbox => SandboxReferences.Value;

    /// <summary>Every framework assembly, as an ordinary console app sees them: the "does it compile as plain C#" baseline.</summary>
    public static IReadOnlyList<MetadataReference> ForPlainCSharp => PlainReferences.Value;

    private static MetadataReference? Load(string name)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(name);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        return FromAssembly(assembly);
    }

    /// <summary>From the file when there is one, else from the loaded image's metadata (single-file publishing has no files).</summary>
    private static unsafe MetadataReference FromAssembly(Assembly assembly)
    {
        if (!string.IsNullOrEmpty(assembly.Location))
        {
            return MetadataReference.CreateFromFile(assembly.Location);
        }

        if (!assembly.TryGetRawMetadata(out var blob, out var length))
        {
            throw new InvalidOperationException($"cannot read the metadata of {assembly.FullName} to compile programs against it");
        }

        var module = ModuleMetadata.CreateFromMetadata((nint)blob, length);
        return AssemblyMetadata.Create(module).GetReference();
    }
}
