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
    private readonly Assembly _assembly;
    private readonly Func<string?, int>? _text;
    private readonly ColumnsEntry? _columns;
    private readonly Lock _guardGate = new();
    private StaticStateGuard? _guard;
    private bool _disposed;

    private LoadedProgram(string name, ProgramSignature signature, AssemblyLoadContext context, Assembly assembly, Func<string?, int>? text, ColumnsEntry? columns)
    {
        Name = name;
        Signature = signature;
        _context = context;
        _assembly = assembly;
        _text = text;
        _columns = columns;
    }

    /// <summary>
    /// The guard over this copy's static state, made the first time it is asked for: the program's static initializers
    /// run first (under <paramref name="invoker"/>'s budgets, so one that loops is stopped and leaves every row failing),
    /// then the state they built is fingerprinted.
    /// </summary>
    internal StaticStateGuard StaticState(ProgramInvoker invoker)
    {
        lock (_guardGate)
        {
            if (_guard is null)
            {
                invoker.RunStaticInitializers(_assembly);
                _guard = StaticStateGuard.Capture(_assembly);
            }

            return _guard;
        }
    }

    /// <summary>The entry of multi-field programs: the row's fields are read from the columns at <paramref name="row"/>.</summary>
    internal delegate int ColumnsEntry(string[][] texts, double[][] numbers, int row);

    /// <summary>The program's name.</summary>
    public string Name { get; }

    /// <summary>The task signature the program was compiled for.</summary>
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
                return new LoadedProgram(name, signature, context, assembly, method.CreateDelegate<Func<string?, int>>(), null);
            }

            var columns = type.GetMethod(CompiledProgram.ColumnsEntryName, flags)
                          ?? throw new InvalidOperationException($"program '{name}' has no multi-field entry; was it compiled for a multi-field task?");
            return new LoadedProgram(name, signature, context, assembly, null, columns.CreateDelegate<ColumnsEntry>());
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

    /// <summary>Unloads the program's code if it was loaded unloadable; its invokers must not be used afterwards.</summary>
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
