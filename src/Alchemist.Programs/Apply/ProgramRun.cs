using System.Globalization;

namespace Alchemist.Programs.Apply;

/// <summary>The state of one program while a split is applied: its column so far, its faults, its time, and whether it still runs.</summary>
internal sealed class ProgramRun(int index, IApplyProgram program, int classes, int expectedRows = 0)
{
    private readonly Lock _gate = new();
    private RowFaults _faults = RowFaults.None;
    private readonly List<PoisonRow> _poisonRows = [];
    private long _rows;
    private long _ticks;
    private int _bisectionDeaths;
    private int _poisonRowsOfItsOwn;
    private volatile string? _disabledReason;

    public int Index { get; } = index;

    public IApplyProgram Program { get; } = program;

    public ColumnBuilder Column { get; } = new(expectedRows);

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

    /// <summary>Rows the program answered with votes of its own (every row reported, less the poison rows).</summary>
    public long AnsweredRows
    {
        get
        {
            lock (_gate)
            {
                return _rows - _poisonRows.Count;
            }
        }
    }

    /// <summary>
    /// Rows that killed the program's worker on their own (<see cref="RecordPoisonRow"/>): each abstains for this program,
    /// which stays active for the other rows. A column with such rows is not cached: whether a row kills a worker depends on
    /// the worker's limits, which the cache key does not hold.
    /// </summary>
    public IReadOnlyList<PoisonRow> PoisonRows
    {
        get
        {
            lock (_gate)
            {
                return [.. _poisonRows];
            }
        }
    }

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

    /// <summary>
    /// Records that <paramref name="row"/> alone killed the program's worker (<paramref name="why"/>): the row abstains for
    /// this program and counts as one error. Past <paramref name="maxRows"/> such rows of its own (<paramref name="ofItsOwn"/>:
    /// not a row that broke the worker before any program ran) the program is disabled, with a reason that names them;
    /// returns false then.
    /// </summary>
    public bool RecordPoisonRow(long row, string rowId, string why, int maxRows, bool ofItsOwn = true)
    {
        string? reason = null;
        lock (_gate)
        {
            if (_disabledReason is not null)
            {
                return false;
            }

            _poisonRows.Add(new PoisonRow(row, rowId, why));
            _rows++;
            _faults.RecordError(row, $"this row killed the program's worker, so it abstains: {why}");
            if (ofItsOwn && ++_poisonRowsOfItsOwn > maxRows)
            {
                reason = $"killed its worker on {_poisonRowsOfItsOwn} different rows ({DescribeRows(_poisonRows)}), more than the {maxRows} rows a program may lose that way, so it is disabled; the last time: {why}";
            }
        }

        if (reason is not null)
        {
            Disable(reason, killedWorker: true);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Counts one death of the program's worker on a batch of several rows, which the engine then splits to find the row
    /// (<paramref name="why"/>: how the worker ended, <paramref name="rows"/>: the batch). Past <paramref name="maxDeaths"/>
    /// the search is given up and the program disabled; returns false then.
    /// </summary>
    public bool ChargeBisectionDeath(string why, string rows, int maxDeaths)
    {
        string? reason = null;
        lock (_gate)
        {
            if (_disabledReason is not null)
            {
                return false;
            }

            if (++_bisectionDeaths > maxDeaths)
            {
                var found = _poisonRows.Count == 0 ? "no single row found yet" : $"rows found so far: {DescribeRows(_poisonRows)}";
                reason = $"killed its worker {_bisectionDeaths} times on batches of several rows while the engine narrowed them down to the rows that kill it ({found}), so it is disabled; the last time: {why} (while running on {rows})";
            }
        }

        if (reason is not null)
        {
            Disable(reason, killedWorker: true);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Whether the program's own speed on the rows it answered explains a watchdog kill on a batch of
    /// <paramref name="batchRows"/> rows: at its average time per row (over at least 64 rows) the batch would need half the
    /// <paramref name="limit"/> or more. Such a program is slow everywhere, not stuck on one row, and splitting its batches
    /// would only spend more limits.
    /// </summary>
    public bool SpeedExplains(int batchRows, TimeSpan limit)
    {
        lock (_gate)
        {
            var answered = _rows - _poisonRows.Count;
            return answered >= 64 && (double)_ticks / answered * batchRows >= limit.Ticks / 2.0;
        }
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

    private static string DescribeRows(IEnumerable<PoisonRow> rows) => string.Join(", ", rows.Select(r => r.Describe()));

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
