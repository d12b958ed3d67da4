using Alchemist.Data;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;

namespace Alchemist.Programs.Apply;

/// <summary>
/// A compiled, verified and instrumented program (<see cref="CompiledProgram"/>) under given budgets, as the apply engine
/// runs it: one loaded copy per thread that labels with it at the same time (see <see cref="CreateLabeler"/>). With
/// <c>unloadable: false</c> its code stays loaded until the process exits and runs with tiered compilation and dynamic PGO
/// (see <see cref="LoadedProgram.FromImage"/>); such copies are shared by the whole process (see <see cref="PermanentCopies"/>),
/// so applying the same program again, in a later run, reuses them instead of loading more code that is never freed.
/// </summary>
public sealed class SandboxedProgram : IApplyProgram, IDisposable
{
    private readonly bool _unloadable;
    private readonly string? _permanentKey;
    private readonly List<Copy> _copies = [];
    private readonly Stack<Copy> _idleCopies = new();
    private bool _disposed;

    /// <summary>The program <paramref name="compiled"/>, run under <paramref name="budgets"/>.</summary>
    /// <param name="compiled">The compiled program.</param>
    /// <param name="budgets">Per-row budgets; null takes <see cref="ProgramBudgets.Default"/>.</param>
    /// <param name="unloadable">
    /// False keeps its code loaded until the process exits (faster code, copies shared by the process); true frees it on
    /// <see cref="Dispose"/>.
    /// </param>
    public SandboxedProgram(CompiledProgram compiled, ProgramBudgets? budgets = null, bool unloadable = true)
    {
        Compiled = compiled;
        Budgets = budgets ?? ProgramBudgets.Default;
        _unloadable = unloadable;
        _permanentKey = unloadable ? null : PermanentCopies.KeyOf(compiled);
        WorkerImage = new WorkerProgramImage(Isolation.WorkerProgramLoader.CompiledProgramKind, Isolation.WorkerProgramLoader.Encode(compiled, Budgets));
    }

    /// <summary>The compiled program.</summary>
    public CompiledProgram Compiled { get; }

    /// <summary>The per-row budgets it runs under.</summary>
    public ProgramBudgets Budgets { get; }

    /// <inheritdoc/>
    public string Name => Compiled.Name;

    /// <inheritdoc/>
    public string ContentHash => ContentHashOf(Compiled.CacheKey, Budgets);

    /// <summary>The content hash of a program compiled to <paramref name="cacheKey"/> and run under <paramref name="budgets"/>.</summary>
    public static string ContentHashOf(string cacheKey, ProgramBudgets budgets) => $"{cacheKey};{budgets.Fingerprint()}";

    /// <inheritdoc/>
    public WorkerProgramImage? WorkerImage { get; }

    /// <summary>Loaded copies the program holds: at most the number of threads that ever labeled with it at once.</summary>
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
        Copy? copy;
        lock (_copies)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _idleCopies.TryPop(out copy);
        }

        if (copy is null)
        {
            copy = _permanentKey is { } key && PermanentCopies.Rent(key, Compiled) is { } shared
                ? new Copy(shared, Permanent: true)
                : new Copy(Compiled.Load(_unloadable), Permanent: false);
            lock (_copies)
            {
                if (_disposed)
                {
                    Release(copy);
                    throw new ObjectDisposedException(nameof(SandboxedProgram));
                }

                _copies.Add(copy);
            }
        }

        return new InvokerLabeler(copy.Loaded.CreateInvoker(Budgets), copy.Loaded, () =>
        {
            lock (_copies)
            {
                if (_disposed)
                {
                    Release(copy); // handed back after the program was disposed: nobody will take it here again
                }
                else
                {
                    _idleCopies.Push(copy);
                }
            }
        });
    }

    /// <summary>Releases the program's loaded copies; <see cref="CreateLabeler"/> throws afterwards.</summary>
    public void Dispose()
    {
        lock (_copies)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var copy in _copies)
            {
                // A permanent copy still labeling goes back to the process when its labeler is disposed, not before:
                // another program must never get a copy that a thread is still running.
                if (!copy.Permanent || _idleCopies.Contains(copy))
                {
                    Release(copy);
                }
            }

            _copies.Clear();
            _idleCopies.Clear();
        }
    }

    private void Release(Copy copy)
    {
        if (copy.Permanent)
        {
            PermanentCopies.Return(_permanentKey!, copy.Loaded);
        }
        else
        {
            copy.Loaded.Dispose();
        }
    }

    /// <summary>A loaded copy, and whether it belongs to the process (<see cref="PermanentCopies"/>) rather than to this program.</summary>
    private sealed record Copy(LoadedProgram Loaded, bool Permanent);
}

/// <summary>
/// Runs a <see cref="ProgramInvoker"/> over a batch and turns its running counts into the batch's faults, and watches the
/// program's static state (<see cref="StaticStateGuard"/>): after the first batch, then whenever the program has labeled
/// for <see cref="GuardSpacing"/> times as long as the last check took (so checking costs at most a few percent), and at
/// the end of the split. Disposing it runs <paramref name="release"/> once (a <see cref="SandboxedProgram"/> takes its
/// loaded copy back).
/// </summary>
internal sealed class InvokerLabeler(ProgramInvoker invoker, LoadedProgram? loaded = null, Action? release = null) : IBatchLabeler, IDisposable
{
    /// <summary>Labeling time between two checks of the static state, as a multiple of what the last check took.</summary>
    private const int GuardSpacing = 32;

    /// <summary>Rows between two looks at the program's fault share within a batch.</summary>
    private const int FaultCheckRows = 256;

    private Action? _release = release;
    private StaticStateGuard? _guard;
    private long _ticksSinceCheck;
    private bool _uncheckedBatches;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();

    public void Label(DataBatch batch, Span<sbyte> votes, ref RowFaults faults)
    {
        var firstBatch = _guard is null && loaded is not null;
        if (firstBatch)
        {
            _guard = loaded!.StaticState(invoker);
        }

        var stats = invoker.Stats;
        var errorsBefore = stats.Exceptions + stats.InvalidResults;
        var budgetBefore = stats.BudgetViolations;
        var keptBefore = stats.FirstErrors.Count;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var columns = ProgramColumns.From(batch, invoker.Signature);

        // In chunks, so that a program failing on nearly every row stops after its allowance (ProgramBudgets) instead of
        // spending its whole per-row budget on every row of a large batch: in process no watchdog would stop it.
        for (var start = 0; start < votes.Length; start += FaultCheckRows)
        {
            var count = Math.Min(FaultCheckRows, votes.Length - start);
            invoker.LabelRange(columns, start, votes.Slice(start, count), batch.FirstRow + start);
            if (start + count < votes.Length && invoker.ShouldDisable(out var tooManyFaults))
            {
                faults.DisableReason ??= tooManyFaults + "; the rest of the batch was not labeled";
                break;
            }
        }

        faults.Errors += (int)(stats.Exceptions + stats.InvalidResults - errorsBefore);
        faults.BudgetExceeded += (int)(stats.BudgetViolations - budgetBefore);
        if (faults.FirstFault is null && stats.FirstErrors.Count > keptBefore)
        {
            var first = stats.FirstErrors[keptBefore];
            faults.FirstFault = first.Message;
            faults.FirstFaultRow = first.Row - batch.FirstRow;
        }

        if (_guard is null)
        {
            return;
        }

        _uncheckedBatches = true;
        _ticksSinceCheck += System.Diagnostics.Stopwatch.GetTimestamp() - started;
        if (firstBatch || _ticksSinceCheck >= GuardSpacing * _guard.LastCheckTicks)
        {
            faults.DisableReason ??= CheckStaticState();
        }
    }

    public string? FinishSplit() => _guard is not null && _uncheckedBatches ? CheckStaticState() : null;

    private string? CheckStaticState()
    {
        _ticksSinceCheck = 0;
        _uncheckedBatches = false;
        return _guard!.FindChange() is { } field
            ? $"changed its static state (field {field}) while labeling rows, so its votes could depend on the order of the rows; "
              + "keep lookup data in static readonly fields that nothing changes after initialization, and per-row state in local variables"
            : null;
    }
}
