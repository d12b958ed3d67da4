using System.Reflection;
using System.Runtime.Loader;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Runtime;

namespace Alchemist.Programs.Loading;

/// <summary>
/// A compiled program loaded into its own <see cref="AssemblyLoadContext"/>, unloadable (collectible) or not. Create one
/// <see cref="ProgramInvoker"/> per thread; dispose when done so an unloadable program's code is released.
/// </summary>
public sealed class LoadedProgram : IDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly Func<string?, int>? _text;
    private readonly ColumnsEntry? _columns;
    private bool _disposed;

    private LoadedProgram(string name, ProgramSignature signature, AssemblyLoadContext context, Func<string?, int>? text, ColumnsEntry? columns)
    {
        Name = name;
        Signature = signature;
        _context = context;
        _text = text;
        _columns = columns;
    }

    /// <summary>The entry of multi-field programs: the row's fields are read from the columns at <paramref name="row"/>.</summary>
    internal delegate int ColumnsEntry(string[][] texts, double[][] numbers, int row);

    public string Name { get; }

    public ProgramSignature Signature { get; }

    /// <summary>
    /// Loads an instrumented image (from <see cref="CompiledProgram.Image"/>, possibly produced in another process).
    /// <paramref name="unloadable"/> false keeps the code until the process exits, for processes that apply a fixed set of
    /// programs and end (a worker, the command line): the runtime does not tier up code in collectible contexts, so only
    /// code that stays loaded gets tiered compilation with dynamic PGO, the same as natively compiled code.
    /// </summary>
    public static LoadedProgram FromImage(string name, byte[] image, string entryTypeName, ProgramSignature signature, bool unloadable = true)
    {
        var context = new AssemblyLoadContext("alchemist-program-" + name, isCollectible: unloadable);
        try
        {
            using var stream = new MemoryStream(image, writable: false);
            var assembly = context.LoadFromStream(stream);
            var type = assembly.GetType(entryTypeName, throwOnError: true)!;
            const BindingFlags flags = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;
            if (signature.IsSingleText)
            {
                var method = type.GetMethod(CompiledProgram.TextEntryName, flags)
                             ?? throw new InvalidOperationException($"program '{name}' has no text entry; was it compiled for a single-text task?");
                return new LoadedProgram(name, signature, context, method.CreateDelegate<Func<string?, int>>(), null);
            }

            var columns = type.GetMethod(CompiledProgram.ColumnsEntryName, flags)
                          ?? throw new InvalidOperationException($"program '{name}' has no multi-field entry; was it compiled for a multi-field task?");
            return new LoadedProgram(name, signature, context, null, columns.CreateDelegate<ColumnsEntry>());
        }
        catch
        {
            if (unloadable)
            {
                context.Unload();
            }

            throw;
        }
    }

    /// <summary>A new invoker for the calling thread (invokers are not thread-safe; make one per worker thread).</summary>
    public ProgramInvoker CreateInvoker(ProgramBudgets? budgets = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ProgramInvoker(Name, Signature, budgets ?? ProgramBudgets.Default, _text, _columns);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_context.IsCollectible)
            {
                _context.Unload();
            }
        }
    }
}
