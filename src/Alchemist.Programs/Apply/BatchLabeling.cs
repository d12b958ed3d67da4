using Alchemist.Data;

namespace Alchemist.Programs.Apply;

/// <summary>
/// Labels the rows of a batch with one program on the calling thread. Implementations never throw for faults of the
/// program itself: a row that throws or exceeds a budget gets an abstain and is counted in <see cref="RowFaults"/>.
/// An instance is used by one thread at a time.
/// </summary>
public interface IBatchLabeler
{
    /// <summary>
    /// Writes one vote per row of <paramref name="batch"/> into <paramref name="votes"/> (a class index or -1 to abstain) and
    /// adds the rows that failed to <paramref name="faults"/> (rows numbered within the batch).
    /// </summary>
    void Label(DataBatch batch, Span<sbyte> votes, ref RowFaults faults);

    /// <summary>
    /// After the last batch of a split: null when the program may keep its votes, otherwise why it must be disabled (it
    /// changed its static state, so its votes may depend on the order of the rows).
    /// </summary>
    string? FinishSplit() => null;
}

/// <summary>A labeling program as the apply engine sees it: compiled and verified, runnable here and loadable in a worker.</summary>
public interface IApplyProgram
{
    /// <summary>The program's name; it names the program's column in the label matrix.</summary>
    string Name { get; }

    /// <summary>Hash of everything that decides the program's votes (source, budgets, class names); part of the cache key.</summary>
    string ContentHash { get; }

    /// <summary>A fresh labeler for one thread of this process (<c>--isolation none</c>).</summary>
    IBatchLabeler CreateLabeler();

    /// <summary>
    /// What a worker process needs to load the program (see <see cref="Isolation.WorkerProgramLoader"/>), or null when the
    /// program can only run in this process (for example a test double built from a delegate).
    /// </summary>
    WorkerProgramImage? WorkerImage { get; }
}

/// <summary>
/// A program made ready to run (for example compiled) only when the engine has to run it, because a column of it could not
/// be read from the cache. The engine calls <see cref="Prepare"/> before it runs the program on a split; a program that
/// cannot be made ready is left out of that split's pass, disabled with the reason, while the other programs run.
/// </summary>
public interface IPreparedWhenRun
{
    /// <summary>Null when the program can run, else why it cannot. Never throws; after the first call it answers at once.</summary>
    string? Prepare();
}

/// <summary>A program in the form that crosses into a worker process: a loader kind and its opaque payload.</summary>
public sealed record WorkerProgramImage(string Kind, byte[] Payload);

/// <summary>Faults of one program over some rows: exceptions, budget violations, and the first message seen.</summary>
public struct RowFaults
{
    /// <summary>Rows on which the program threw or returned something that is not a label.</summary>
    public int Errors;

    /// <summary>Rows on which the program exceeded a step, time, allocation, stack or regex budget.</summary>
    public int BudgetExceeded;

    /// <summary>Row (within the batch, or absolute once merged) of the first fault; -1 when none.</summary>
    public long FirstFaultRow;

    /// <summary>The message of the first fault; null when none.</summary>
    public string? FirstFault;

    /// <summary>
    /// Set when the program must be disabled now: it changed its static state, or it failed on too many rows for the rest
    /// of the batch to be worth its time (the rows left unlabeled abstain).
    /// </summary>
    public string? DisableReason;

    /// <summary>No faults yet (<see cref="FirstFaultRow"/> is -1).</summary>
    public static RowFaults None => new() { FirstFaultRow = -1 };

    /// <summary>All faults: <see cref="Errors"/> plus <see cref="BudgetExceeded"/>.</summary>
    public readonly int Total => Errors + BudgetExceeded;

    /// <summary>Counts an error on <paramref name="row"/>; its message is kept when it is the first fault.</summary>
    public void RecordError(long row, string message)
    {
        Errors++;
        Remember(row, message);
    }

    /// <summary>Counts a budget violation on <paramref name="row"/>; its message is kept when it is the first fault.</summary>
    public void RecordBudget(long row, string message)
    {
        BudgetExceeded++;
        Remember(row, message);
    }

    /// <summary>Adds the faults of a batch whose first row is <paramref name="firstRow"/>.</summary>
    public void Add(in RowFaults batch, long firstRow)
    {
        Errors += batch.Errors;
        BudgetExceeded += batch.BudgetExceeded;
        DisableReason ??= batch.DisableReason;
        if (FirstFault is null && batch.FirstFault is not null)
        {
            FirstFault = batch.FirstFault;
            FirstFaultRow = batch.FirstFaultRow < 0 ? -1 : firstRow + batch.FirstFaultRow;
        }
    }

    private void Remember(long row, string message)
    {
        if (FirstFault is null)
        {
            FirstFault = message;
            FirstFaultRow = row;
        }
    }
}
