using System.Diagnostics;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Isolation;

namespace Alchemist.Programs.Apply;

/// <summary>
/// Applies labeling programs to a data source and returns their votes as a <see cref="LabelMatrix"/>. Columns found in the
/// cache are read back; the other programs run together in one streaming pass over the data, in worker processes
/// (<see cref="IsolationMode.Process"/>) or on threads of this process. Memory holds the batches in flight and the
/// vote columns (one byte per row and program), whatever the size of the input.
/// </summary>
public sealed class ApplyEngine : IDisposable
{
    private readonly ApplyOptions _options;
    private IsolatedExecutor? _workers;
    private Isolation.SandboxWalls? _lastWalls;

    /// <summary>
    /// An engine that runs programs as <paramref name="options"/> say; no worker process starts before the first
    /// <see cref="Apply"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An option is out of its range (parallelism, batch size, fault share, limits).
    /// </exception>
    public ApplyEngine(ApplyOptions options)
    {
        options.Validate();
        _options = options;
        Cache = options.CacheDirectory is null ? null : new ColumnCache(options.CacheDirectory);
    }

    internal ColumnCache? Cache { get; }

    /// <summary>Time spent starting worker processes so far (isolated mode); workers are reused while the programs stay the same.</summary>
    public TimeSpan WorkerStartupTime => _workers?.StartupTime ?? TimeSpan.Zero;

    /// <summary>The walls around the worker processes, as they reported them; null in process or before any worker started.</summary>
    public Isolation.SandboxWalls? Walls => _workers?.Walls ?? _lastWalls;

    /// <summary>Peak resident memory of each live worker process (Linux VmHWM); empty in process or elsewhere.</summary>
    public IReadOnlyList<long> WorkerPeakResidentBytes() => _workers?.WorkerPeakResidentBytes() ?? [];

    /// <summary>Stops the worker processes the engine started.</summary>
    public void Dispose()
    {
        _workers?.Dispose();
        _workers = null;
    }

    /// <summary>
    /// Applies <paramref name="programs"/> to every row of <paramref name="source"/> and returns their votes, one column per
    /// program in the order given.
    /// </summary>
    /// <param name="split">The split's name, for the result, progress reports and messages.</param>
    /// <param name="source">The rows.</param>
    /// <param name="programs">The programs; their names become the matrix's column names.</param>
    /// <param name="classes">
    /// Number of classes; a vote outside -1..classes-1 is an invalid result and counts as a fault.
    /// </param>
    /// <param name="progress">Receives the rows labeled so far; null for none.</param>
    /// <param name="cancel">Stops the pass between batches.</param>
    /// <param name="expectedRows">The rows <paramref name="source"/> is known to hold (0 when unknown): each column is then made in one array of that length.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was triggered.</exception>
    public SplitApplyResult Apply(
        string split,
        IDataSource source,
        IReadOnlyList<IApplyProgram> programs,
        int classes,
        IProgress<ApplyProgress>? progress = null,
        CancellationToken cancel = default,
        int expectedRows = 0)
    {
        var started = Stopwatch.GetTimestamp();
        var dataHash = source.ContentHash();
        var cached = new CachedColumn?[programs.Count];
        var keys = new string[programs.Count];
        for (var j = 0; j < programs.Count; j++)
        {
            keys[j] = ColumnCache.Key(programs[j].ContentHash, dataHash);
            cached[j] = Cache?.TryLoad(keys[j]);
        }

        var cannotRun = new string?[programs.Count];
        for (var j = 0; j < programs.Count; j++)
        {
            if (cached[j] is null && programs[j] is IPreparedWhenRun prepared)
            {
                cannotRun[j] = prepared.Prepare();
            }
        }

        var toRun = Enumerable.Range(0, programs.Count).Where(j => cached[j] is null && cannotRun[j] is null).ToArray();
        var runs = toRun.Select((j, position) => new ProgramRun(position, programs[j], classes, expectedRows)).ToArray();
        int rows;
        var rejected = new List<int>();
        if (runs.Length > 0)
        {
            rows = Run(split, source, runs, rejected, progress, cancel);
        }
        else
        {
            rows = cached.FirstOrDefault(c => c is not null)?.Votes.Length ?? CountRows(source);
        }

        var columns = new sbyte[programs.Count][];
        var results = new ProgramApplyResult[programs.Count];
        foreach (var (j, column) in cached.Select((c, j) => (j, c)))
        {
            if (column is null)
            {
                continue;
            }

            if (column.Votes.Length != rows)
            {
                throw new InvalidDataException($"cached column of '{programs[j].Name}' has {column.Votes.Length} rows but the split has {rows}");
            }

            var faults = new RowFaults { Errors = column.Errors, BudgetExceeded = column.BudgetExceeded, FirstFault = column.FirstFault, FirstFaultRow = column.FirstFaultRow };
            var reason = rows == 0 ? null : ProgramRun.FaultShareReason(faults, rows, _options);
            if (reason is not null)
            {
                column.Votes.AsSpan().Fill(LabelMatrix.Abstain);
            }

            columns[j] = column.Votes;
            results[j] = new ProgramApplyResult(
                programs[j].Name,
                reason is null ? ProgramStatus.Ok : ProgramStatus.Disabled,
                reason,
                rows,
                CountVotes(column.Votes),
                column.Errors,
                column.BudgetExceeded,
                column.FirstFault,
                column.FirstFaultRow,
                column.Time,
                FromCache: true);
        }

        for (var j = 0; j < programs.Count; j++)
        {
            if (cannotRun[j] is { } reason)
            {
                columns[j] = new sbyte[rows];
                columns[j].AsSpan().Fill(LabelMatrix.Abstain);
                results[j] = new ProgramApplyResult(programs[j].Name, ProgramStatus.Disabled, reason, rows, 0, 0, 0, null, -1, TimeSpan.Zero, FromCache: false);
            }
        }

        foreach (var run in runs)
        {
            var j = toRun[run.Index];
            run.JudgeAtEnd(_options);
            var faults = run.Faults;
            var poison = run.PoisonRows;
            var complete = run.Rows == rows && !run.KilledWorker && !run.Uncached && poison.Count == 0;
            var column = run.Column.ToArray(rows);
            foreach (var row in rejected)
            {
                // A row refused for an oversized value (data.oversized_fields: reject): no program votes on it.
                column[row] = LabelMatrix.Abstain;
            }

            if (complete)
            {
                Cache?.Store(keys[j], new CachedColumn(column, faults.Errors, faults.BudgetExceeded, faults.FirstFaultRow, faults.FirstFault, run.Time));
            }

            if (!run.IsActive)
            {
                column.AsSpan().Fill(LabelMatrix.Abstain);
            }

            columns[j] = column;
            results[j] = new ProgramApplyResult(
                programs[j].Name,
                run.IsActive ? ProgramStatus.Ok : ProgramStatus.Disabled,
                run.DisabledReason,
                rows,
                CountVotes(column),
                faults.Errors,
                faults.BudgetExceeded,
                faults.FirstFault,
                faults.FirstFaultRow,
                run.Time,
                FromCache: false)
            {
                PoisonRows = poison,
            };
        }

        var orderChecked = _options.CheckRowOrder ? CheckRowOrder(split, source, programs, classes, keys, columns, results, cancel) : 0;
        var matrix = LabelMatrix.FromColumns(rows, classes, programs.Select(p => p.Name).ToArray(), columns);
        return new SplitApplyResult(split, dataHash, matrix, results, Stopwatch.GetElapsedTime(started)) { ProgramsOrderChecked = orderChecked };
    }

    /// <summary>
    /// The row-order check (<see cref="ApplyOptions.CheckRowOrder"/>): every program still enabled runs again over the rows
    /// in reverse order, in a fresh engine (fresh worker processes and copies, so no state carries over), and one whose
    /// vote on some row differs between the two orders is disabled and its cached column removed. Returns how many
    /// programs were checked.
    /// </summary>
    private int CheckRowOrder(
        string split, IDataSource source, IReadOnlyList<IApplyProgram> programs, int classes, string[] keys, sbyte[][] columns,
        ProgramApplyResult[] results, CancellationToken cancel)
    {
        var enabled = Enumerable.Range(0, programs.Count).Where(j => results[j].Status == ProgramStatus.Ok).ToArray();
        if (enabled.Length == 0)
        {
            return 0;
        }

        var reversed = new ReversedSource(source);
        using var again = new ApplyEngine(_options with { CacheDirectory = null, CheckRowOrder = false });
        var second = again.Apply(split, reversed, [.. enabled.Select(j => programs[j])], classes, cancel: cancel);
        var rows = reversed.Count;
        for (var position = 0; position < enabled.Length; position++)
        {
            var j = enabled[position];
            string? reason = second.Programs[position] is { Status: not ProgramStatus.Ok } disabled
                ? $"with the rows in reverse order it was disabled: {disabled.Reason}"
                : null;
            var column = second.Matrix.Column(position);
            for (var row = 0; reason is null && row < rows; row++)
            {
                var forward = columns[j][row];
                var backward = column[rows - 1 - row];
                if (forward != backward)
                {
                    reason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"its votes depend on the order of the rows: row {row} got {Describe(forward)} in the file's order and {Describe(backward)} with the rows in reverse order; a vote may depend only on its row");
                }
            }

            if (reason is not null)
            {
                results[j] = results[j] with { Status = ProgramStatus.Disabled, Reason = reason };
                columns[j].AsSpan().Fill(LabelMatrix.Abstain);
                Cache?.Remove(keys[j]);
            }
        }

        return enabled.Length;
    }

    private static string Describe(sbyte vote) => vote == LabelMatrix.Abstain ? "an abstain" : $"class {vote}";

    /// <summary>Runs <paramref name="runs"/> over every row and returns how many there were; adds the rows the source refused (<see cref="DataBatch.RejectedRows"/>) to <paramref name="rejected"/>.</summary>
    private int Run(string split, IDataSource source, ProgramRun[] runs, List<int> rejected, IProgress<ApplyProgress>? progress, CancellationToken cancel)
    {
        long rowsRead = 0;
        long rowsDone = 0;
        IEnumerable<DataBatch> Batches()
        {
            foreach (var batch in source.ReadBatches(_options.BatchSize))
            {
                if (batch.FirstRow != rowsRead)
                {
                    throw new InvalidDataException($"{source.Path}: batch starts at row {batch.FirstRow}, expected {rowsRead}");
                }

                rowsRead += batch.Count;
                if (rowsRead > Array.MaxLength)
                {
                    throw new InvalidDataException($"{source.Path}: more than {Array.MaxLength} rows; split the data");
                }

                foreach (var row in batch.RejectedRows ?? [])
                {
                    rejected.Add((int)batch.FirstRow + row);
                }

                yield return batch;
            }
        }

        void Done(int count)
        {
            var total = Interlocked.Add(ref rowsDone, count);
            if (progress is not null)
            {
                var disabled = runs.Count(r => !r.IsActive);
                progress.Report(new ApplyProgress(split, total, runs.Length - disabled, disabled));
            }
        }

        if (_options.Isolation == IsolationMode.Process)
        {
            var keys = runs.Select(r => r.Program.ContentHash).ToArray();
            if (_workers is null || !_workers.ProgramKeys.SequenceEqual(keys))
            {
                _lastWalls = _workers?.Walls ?? _lastWalls;
                _workers?.Dispose();
                _workers = new IsolatedExecutor(_options, keys);
            }

            _workers.Run(Batches(), runs, Done, cancel);
        }
        else
        {
            InProcessExecutor.Run(Batches(), runs, _options, Done, cancel);
        }

        return (int)rowsRead;
    }

    private int CountRows(IDataSource source)
    {
        long rows = 0;
        foreach (var batch in source.ReadBatches(_options.BatchSize))
        {
            rows += batch.Count;
        }

        return checked((int)rows);
    }

    private static int CountVotes(sbyte[] column) => column.Length - column.AsSpan().Count(LabelMatrix.Abstain);
}
