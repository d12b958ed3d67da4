using System.Globalization;

namespace Alchemist.Programs.Apply;

/// <summary>The state of one program while a split is applied: its column so far, its faults, its time, and whether it still runs.</summary>
internal sealed class ProgramRun(int index, IApplyProgram program, int classes)
{
    private readonly Lock _gate = new();
    private RowFaults _faults = RowFaults.None;
    private long _rows;
    private long _ticks;
    private volatile string? _disabledReason;

    public int Index { get; } = index;

    public IApplyProgram Program { get; } = program;

    public ColumnBuilder Column { get; } = new();

    public bool IsActive => _disabledReason is null;

    public string? DisabledReason => _disabledReason;

    /// <summary>True when the program was stopped by the watchdog or by its worker dying (its result is not cached).</summary>
    public bool KilledWorker { get; private set; }

    /// <summary>
    /// True when the program was disabled by its labeler (it changed its static state, or failed on too many rows to go
    /// on): its column is not cached, whatever it holds.
    /// </summary>
    public bool Uncached { get; private set; }

    public RowFaults Faults
    {
        get
        {
            lock (_gate)
            {
                return _faults;
            }
        }
    }

    public long Rows => Interlocked.Read(ref _rows);

    public TimeSpan Time => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Stores the votes of one batch and returns false when the program is (now) disabled.</summary>
    public bool Report(long firstRow, Span<sbyte> votes, in RowFaults faults, long elapsedTicks, ApplyOptions options)
    {
        if (!IsActive)
        {
            return false;
        }

        var outside = RemoveVotesOutsideClasses(votes, out var firstOutside);
        Column.Write(firstRow, votes);
        string? reason = null;
        lock (_gate)
        {
            if (outside > 0)
            {
                // The invoker maps return values to classes; a vote outside them is a fault, never a label.
                _faults.RecordError(firstRow + firstOutside, $"returned a vote outside the {classes} classes");
                _faults.Errors += outside - 1;
            }

            _faults.Add(faults, firstRow);
            _rows += votes.Length;
            _ticks += elapsedTicks;
            if (_rows >= options.MinRowsBeforeDisabling)
            {
                reason = FaultShareReason(_faults, _rows, options);
            }
        }

        if (faults.DisableReason is { } stopped)
        {
            DisableUncached(stopped);
            return false;
        }

        if (reason is not null)
        {
            Disable(reason, killedWorker: false);
            return false;
        }

        return true;
    }

    /// <summary>Judges the fault share over every row once the split is done, however few rows it had.</summary>
    public void JudgeAtEnd(ApplyOptions options)
    {
        string? reason;
        lock (_gate)
        {
            reason = _rows > 0 ? FaultShareReason(_faults, _rows, options) : null;
        }

        if (reason is not null)
        {
            Disable(reason, killedWorker: false);
        }
    }

    /// <summary>Disables a program its labeler stopped (<see cref="RowFaults.DisableReason"/>, <see cref="IBatchLabeler.FinishSplit"/>).</summary>
    public void DisableUncached(string reason)
    {
        lock (_gate)
        {
            Uncached = true;
        }

        Disable(reason, killedWorker: false);
    }

    public void Disable(string reason, bool killedWorker)
    {
        lock (_gate)
        {
            if (_disabledReason is not null)
            {
                return;
            }

            KilledWorker = killedWorker;
            _disabledReason = reason;
        }
    }

    private int RemoveVotesOutsideClasses(Span<sbyte> votes, out int first)
    {
        var last = (sbyte)(classes - 1);
        first = votes.IndexOfAnyExceptInRange(Labeling.LabelMatrix.Abstain, last);
        if (first < 0)
        {
            return 0;
        }

        var count = 0;
        for (var i = first; i < votes.Length; i++)
        {
            if (votes[i] < Labeling.LabelMatrix.Abstain || votes[i] > last)
            {
                votes[i] = Labeling.LabelMatrix.Abstain;
                count++;
            }
        }

        return count;
    }

    /// <summary>Why a program with these faults over these rows is disabled, or null when it stays.</summary>
    public static string? FaultShareReason(in RowFaults faults, long rows, ApplyOptions options)
    {
        var share = (double)faults.Total / rows;
        if (share <= options.MaxFaultShare)
        {
            return null;
        }

        var first = faults.FirstFault is null ? "" : $"; first at row {faults.FirstFaultRow}: {faults.FirstFault}";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"failed on {share:P1} of {rows} rows ({faults.Errors} errors, {faults.BudgetExceeded} over budget), above the allowed {options.MaxFaultShare:P1}{first}");
    }
}
