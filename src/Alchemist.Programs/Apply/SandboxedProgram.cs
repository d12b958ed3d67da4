using Alchemist.Data;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;

namespace Alchemist.Programs.Apply;

/// <summary>
/// A compiled, verified and instrumented program (<see cref="CompiledProgram"/>) under given budgets, as the apply engine
/// runs it: loaded once per process on first use, one <see cref="ProgramInvoker"/> per thread. With
/// <c>unloadable: false</c> its code stays loaded until the process exits and runs with tiered compilation and dynamic PGO
/// (see <see cref="LoadedProgram.FromImage"/>): for processes that apply a fixed set of programs and end.
/// </summary>
public sealed class SandboxedProgram : IApplyProgram, IDisposable
{
    private readonly Lazy<LoadedProgram> _loaded;

    public SandboxedProgram(CompiledProgram compiled, ProgramBudgets? budgets = null, bool unloadable = true)
    {
        Compiled = compiled;
        Budgets = budgets ?? ProgramBudgets.Default;
        _loaded = new Lazy<LoadedProgram>(() => compiled.Load(unloadable), LazyThreadSafetyMode.ExecutionAndPublication);
        WorkerImage = new WorkerProgramImage(Isolation.WorkerProgramLoader.CompiledProgramKind, Isolation.WorkerProgramLoader.Encode(compiled, Budgets));
    }

    public CompiledProgram Compiled { get; }

    public ProgramBudgets Budgets { get; }

    public string Name => Compiled.Name;

    public string ContentHash => ContentHashOf(Compiled.CacheKey, Budgets);

    /// <summary>The content hash of a program compiled to <paramref name="cacheKey"/> and run under <paramref name="budgets"/>.</summary>
    public static string ContentHashOf(string cacheKey, ProgramBudgets budgets) => $"{cacheKey};{budgets.Fingerprint()}";

    public WorkerProgramImage? WorkerImage { get; }

    public IBatchLabeler CreateLabeler() => new InvokerLabeler(_loaded.Value.CreateInvoker(Budgets));

    public void Dispose()
    {
        if (_loaded.IsValueCreated)
        {
            _loaded.Value.Dispose();
        }
    }
}

/// <summary>Runs a <see cref="ProgramInvoker"/> over a batch and turns its running counts into the batch's faults.</summary>
public sealed class InvokerLabeler(ProgramInvoker invoker) : IBatchLabeler
{
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
