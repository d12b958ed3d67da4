using Alchemist.Data;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;

namespace Alchemist.Programs.Apply;

/// <summary>
/// A compiled, verified and instrumented program (<see cref="CompiledProgram"/>) under given budgets, as the apply engine
/// runs it: one loaded copy per thread that labels with it at the same time (see <see cref="CreateLabeler"/>). With
/// <c>unloadable: false</c> its code stays loaded until the process exits and runs with tiered compilation and dynamic PGO
/// (see <see cref="LoadedProgram.FromImage"/>): for processes that apply a fixed set of programs and end.
/// </summary>
public sealed class SandboxedProgram : IApplyProgram, IDisposable
{
    private readonly bool _unloadable;
    private readonly List<LoadedProgram> _copies = [];
    private readonly Stack<LoadedProgram> _idleCopies = new();
    private bool _disposed;

    public SandboxedProgram(CompiledProgram compiled, ProgramBudgets? budgets = null, bool unloadable = true)
    {
        Compiled = compiled;
        Budgets = budgets ?? ProgramBudgets.Default;
        _unloadable = unloadable;
        WorkerImage = new WorkerProgramImage(Isolation.WorkerProgramLoader.CompiledProgramKind, Isolation.WorkerProgramLoader.Encode(compiled, Budgets));
    }

    public CompiledProgram Compiled { get; }

    public ProgramBudgets Budgets { get; }

    public string Name => Compiled.Name;

    public string ContentHash => ContentHashOf(Compiled.CacheKey, Budgets);

    /// <summary>The content hash of a program compiled to <paramref name="cacheKey"/> and run under <paramref name="budgets"/>.</summary>
    public static string ContentHashOf(string cacheKey, ProgramBudgets budgets) => $"{cacheKey};{budgets.Fingerprint()}";

    public WorkerProgramImage? WorkerImage { get; }

    /// <summary>Loaded copies of the program so far: at most the number of threads that ever labeled with it at once.</summary>
    public int LoadedCopies
    {
        get
        {
            lock (_copies)
            {
                return _copies.Count;
            }
        }
    }

    /// <summary>
    /// A labeler with a loaded copy of the program of its own until it is disposed: threads never share a program's static
    /// fields. A <see cref="System.Text.RegularExpressions.Regex"/> keeps one cached runner, so two threads calling one
    /// static regex keep building runners; measured on the apply benchmark, two threads over one copy labeled fewer rows
    /// per second than one thread, and twice as many with a copy each.
    /// </summary>
    public IBatchLabeler CreateLabeler()
    {
        LoadedProgram? copy;
        lock (_copies)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _idleCopies.TryPop(out copy);
        }

        if (copy is null)
        {
            copy = Compiled.Load(_unloadable);
            lock (_copies)
            {
                if (_disposed)
                {
                    copy.Dispose();
                    throw new ObjectDisposedException(nameof(SandboxedProgram));
                }

                _copies.Add(copy);
            }
        }

        return new InvokerLabeler(copy.CreateInvoker(Budgets), () =>
        {
            lock (_copies)
            {
                if (_disposed)
                {
                    copy.Dispose(); // handed back after the program was disposed: nobody will take it again
                }
                else
                {
                    _idleCopies.Push(copy);
                }
            }
        });
    }

    public void Dispose()
    {
        lock (_copies)
        {
            _disposed = true;
            foreach (var copy in _copies)
            {
                copy.Dispose();
            }

            _copies.Clear();
            _idleCopies.Clear();
        }
    }
}

/// <summary>
/// Runs a <see cref="ProgramInvoker"/> over a batch and turns its running counts into the batch's faults. Disposing it runs
/// <paramref name="release"/> once (a <see cref="SandboxedProgram"/> takes its loaded copy back).
/// </summary>
public sealed class InvokerLabeler(ProgramInvoker invoker, Action? release = null) : IBatchLabeler, IDisposable
{
    private Action? _release = release;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();

    public void Label(DataBatch batch, Span<sbyte> votes, ref RowFaults faults)
    {
        var stats = invoker.Stats;
        var errorsBefore = stats.Exceptions + stats.InvalidResults;
        var budgetBefore = stats.BudgetViolations;
        var keptBefore = stats.FirstErrors.Count;
        invoker.LabelRange(ProgramColumns.From(batch, invoker.Signature), 0, votes, batch.FirstRow);
        faults.Errors += (int)(stats.Exceptions + stats.InvalidResults - errorsBefore);
        faults.BudgetExceeded += (int)(stats.BudgetViolations - budgetBefore);
        if (faults.FirstFault is null && stats.FirstErrors.Count > keptBefore)
        {
            var first = stats.FirstErrors[keptBefore];
            faults.FirstFault = first.Message;
            faults.FirstFaultRow = first.Row - batch.FirstRow;
        }
    }
}
