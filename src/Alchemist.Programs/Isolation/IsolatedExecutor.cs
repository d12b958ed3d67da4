using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.ExceptionServices;
using Alchemist.Data;
using Alchemist.Programs.Apply;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// Runs programs in worker processes, one per slot (by default one per core). Each slot keeps up to two batches in flight
/// (one computing, one in the socket) with a sender and a receiver thread (kept, like the workers, across runs). A watchdog kills a worker whose current program
/// uses more CPU time on one batch than allowed. When a worker dies for any reason, a fresh worker is started and the
/// batches that were in flight are sent again, one at a time, for exactly the programs that had not answered yet, so no
/// vote is lost or counted twice. The program it was running is not disabled at once: a row can break a worker by itself
/// (a 200 MB text runs any worker out of memory), so the batch is split in halves, each sent alone to a fresh worker, until
/// the one row that kills it is found; that row abstains for the program (a <see cref="PoisonRow"/>), which keeps its votes
/// on every other row. A program that kills its worker on more than <see cref="MaxPoisonRows"/> rows, or that spends its
/// share of restarts on the search, or whose own speed explains a watchdog kill, is disabled with the reason.
/// </summary>
internal sealed class IsolatedExecutor : IDisposable
{
    /// <summary>
    /// Rows of one split that may kill a program's worker while the program stays active (each abstains for it). Data that
    /// breaks a sound program is a rare row (one huge value, one pathological string); a program that breaks its worker on a
    /// fourth distinct row is more likely broken than the data, its abstains would hide that, and each row costs about
    /// log2(batch size) worker restarts to find. So past 3 rows the program is disabled as before, the reason naming them.
    /// </summary>
    internal const int MaxPoisonRows = 3;

    /// <summary>
    /// A program seen to die on its batch before it answered any row is first tried on this many single rows of it: a
    /// program that kills its worker on every row is then disabled after this many deaths, whatever the batch size,
    /// instead of after a halving search per row.
    /// </summary>
    private const int ProbeRows = MaxPoisonRows + 1;

    private const int MaxInFlight = 2;
    private const int MaxRestartsWithoutProgress = 4;
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMilliseconds(20);

    private readonly ApplyOptions _options;
    private readonly List<Slot> _slots = [];
    private readonly ReusableThread _watchdog = new("apply-watchdog");
    private bool _disposed;

    // State of the current run (one split); the workers and what they have loaded outlive it.
    private ProgramRun[] _programs = [];
    private Action<int> _rowsDone = _ => { };
    private BlockingCollection<WorkItem> _queue = new();
    private CancellationTokenSource _stop = new();
    private Exception? _failure;
    private long _nextBatchId;
    private int _dataDeaths;

    /// <summary>Workers for one ordered list of programs (identified by <paramref name="programKeys"/>), reusable across splits.</summary>
    public IsolatedExecutor(ApplyOptions options, IReadOnlyList<string> programKeys)
    {
        _options = options;
        ProgramKeys = programKeys;
        for (var s = 0; s < options.Parallelism; s++)
        {
            _slots.Add(new Slot(this, s));
        }
    }

    public IReadOnlyList<string> ProgramKeys { get; }

    /// <summary>Time spent starting worker processes (and loading programs into them) so far.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The walls the last worker started reported around itself (every worker raises the same ones).</summary>
    public SandboxWalls? Walls { get; private set; }

    public void Run(IEnumerable<DataBatch> batches, ProgramRun[] programs, Action<int> rowsDone, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (programs.Length != ProgramKeys.Count)
        {
            throw new ArgumentException($"these workers run {ProgramKeys.Count} programs, not {programs.Length}", nameof(programs));
        }

        _programs = programs;
        _rowsDone = rowsDone;
        _failure = null;
        _dataDeaths = 0;
        using var queue = new BlockingCollection<WorkItem>(Math.Max(2, _options.Parallelism * 2));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _queue = queue;
        _stop = stop;
        try
        {
            foreach (var slot in _slots)
            {
                slot.Prepare();
            }

            foreach (var slot in _slots)
            {
                slot.StartThreads();
            }

            using var killOnStop = _stop.Token.Register(() => _slots.ForEach(slot => slot.Kill("the apply was stopped")));
            var watchdog = _watchdog.Run(Watch);
            try
            {
                foreach (var batch in batches)
                {
                    _queue.Add(new WorkItem(batch, Interlocked.Increment(ref _nextBatchId)), _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                _queue.CompleteAdding();
                foreach (var slot in _slots)
                {
                    slot.Join();
                }

                // Stopping the watchdog must not kill the workers: they stay for the next run.
                killOnStop.Dispose();
                _stop.Cancel();
                watchdog.GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }

        if (_failure is not null || cancel.IsCancellationRequested)
        {
            // Workers may hold half a batch; the next run starts fresh ones.
            foreach (var slot in _slots)
            {
                slot.Kill("the apply failed or was stopped");
                slot.Dispose();
            }
        }

        cancel.ThrowIfCancellationRequested();
        if (_failure is not null)
        {
            ExceptionDispatchInfo.Capture(_failure).Throw();
        }
    }

    /// <summary>Peak resident memory of each live worker (Linux; empty elsewhere).</summary>
    public IReadOnlyList<long> WorkerPeakResidentBytes() => [.. _slots.Select(s => s.PeakResidentBytes).OfType<long>()];

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var slot in _slots)
        {
            slot.Quit();
            slot.Dispose();
            slot.EndThreads();
        }

        _watchdog.Dispose();
    }

    private void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _failure, e, null);
        _stop.Cancel();
    }

    private void Watch()
    {
        while (!_stop.Token.WaitHandle.WaitOne(WatchdogPeriod))
        {
            foreach (var slot in _slots)
            {
                slot.CheckLimits();
            }
        }
    }

    /// <summary>
    /// Worker deaths on batches of several rows that one program may cause in one split while the engine searches for the
    /// rows that kill it: enough to find <see cref="MaxPoisonRows"/> + 1 rows in separate batches by halving (log2 of the
    /// batch size plus one death each, plus slack), so the search ends on its own for any program, including one that is
    /// slow on every row or kills its worker at random.
    /// </summary>
    private int MaxBisectionDeaths => (MaxPoisonRows + 1) * (BitOperations.Log2((uint)Math.Max(1, _options.BatchSize - 1)) + 3);

    private void AddStartup(TimeSpan elapsed)
    {
        lock (_slots)
        {
            StartupTime += elapsed;
        }
    }

    private int[] ActivePrograms() => _programs.Where(p => p.IsActive).Select(p => p.Index).ToArray();

    private sealed class WorkItem(DataBatch batch, long id)
    {
        public DataBatch Batch { get; } = batch;

        public long Id { get; } = id;

        /// <summary>Programs still owed for this batch, in the order the worker runs them.</summary>
        public List<int>? Pending { get; set; }

        /// <summary>
        /// Sent only while nothing else is in flight on its slot: it was in flight when a worker died, or is part of a
        /// batch split to find the row that killed it, so a death while it runs can be laid on it and its current program.
        /// </summary>
        public bool Alone { get; set; }

        /// <summary>The worker it was last sent to has decoded it and begun its programs (<see cref="WorkerProtocol.Started"/>).</summary>
        public bool Started { get; set; }

        public string Rows => string.Create(CultureInfo.InvariantCulture, $"rows {Batch.FirstRow}..{Batch.FirstRow + Batch.Count - 1}");
    }

    private sealed class Slot(IsolatedExecutor owner, int number) : IDisposable
    {
        private readonly object _gate = new();
        private readonly Queue<WorkItem> _inFlight = new();
        private readonly LinkedList<WorkItem> _resend = new();
        private readonly FrameWriter _writer = new();
        private WorkerProcess? _worker;
        private HashSet<int> _loaded = [];
        private ReusableThread? _senderThread;
        private ReusableThread? _receiverThread;
        private Task? _sending;
        private Task? _receiving;
        private bool _senderDone;
        private int _restartsWithoutProgress;

        // The worker the watchdog killed last (a CPU or wall-clock overrun, laid on the program it was running).
        private WorkerProcess? _watchdogVictim;

        // Watchdog baseline: the worker's CPU time and the clock when its current program started (or last answered).
        private TimeSpan _cpuAtProgress;
        private long _clockAtProgress;

        /// <summary>Before a run: keeps a live worker that has every active program loaded, or starts a fresh one.</summary>
        public void Prepare()
        {
            lock (_gate)
            {
                _senderDone = false;
                _inFlight.Clear();
                _resend.Clear();
                _restartsWithoutProgress = 0;
                var usable = _worker is { HasExited: false, KillReason: null }
                    && owner._programs.Where(p => p.IsActive).All(p => _loaded.Contains(p.Index));
                if (!usable)
                {
                    _worker?.Quit(_writer);
                    _worker?.Dispose();
                    _worker = null;
                    StartWorker();
                }
            }
        }

        public void StartWorker()
        {
            lock (_gate)
            {
                var started = Stopwatch.GetTimestamp();
                var active = owner._programs.Where(p => p.IsActive).ToList();
                _worker = WorkerProcess.Start(owner._options, active, out var loadErrors);
                owner.Walls = _worker.Walls;
                _loaded = [.. active.Select(p => p.Index)];
                foreach (var (program, error) in loadErrors)
                {
                    program.Disable(error, killedWorker: false);
                    _loaded.Remove(program.Index);
                }

                MarkProgress(_worker.CpuTime ?? TimeSpan.Zero);
                owner.AddStartup(Stopwatch.GetElapsedTime(started));
            }
        }

        public long? PeakResidentBytes
        {
            get
            {
                lock (_gate)
                {
                    return _worker?.PeakResidentBytes;
                }
            }
        }

        public void Quit()
        {
            lock (_gate)
            {
                _worker?.Quit(_writer);
            }
        }

        public void StartThreads()
        {
            _senderThread ??= new ReusableThread($"apply-send-{number}");
            _receiverThread ??= new ReusableThread($"apply-receive-{number}");
            _sending = _senderThread.Run(() => Guard(Send));
            _receiving = _receiverThread.Run(() => Guard(Receive));
        }

        public void Join()
        {
            Task[] running = [.. new[] { _sending, _receiving }.OfType<Task>()];
            _sending = _receiving = null;
            Task.WaitAll(running); // both have ended before anything they threw comes out
        }

        public void Kill(string reason)
        {
            lock (_gate)
            {
                _worker?.Kill(reason);
            }
        }

        /// <summary>Disposes the worker; the slot stays usable (the next run starts a fresh worker).</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                _worker?.Dispose();
                _worker = null;
            }
        }

        /// <summary>Lets the slot's sender and receiver threads end (the executor is being disposed).</summary>
        public void EndThreads()
        {
            _senderThread?.Dispose();
            _receiverThread?.Dispose();
        }

        /// <summary>Called by the watchdog: kills the worker when its current program overran its CPU or wall-clock allowance.</summary>
        public void CheckLimits()
        {
            WorkerProcess? victim = null;
            string? reason = null;
            lock (_gate)
            {
                if (_worker is null || _inFlight.Count == 0 || _worker.KillReason is not null)
                {
                    return;
                }

                var head = _inFlight.Peek();
                if (head.Pending is not { Count: > 0 })
                {
                    return;
                }

                var limit = owner._options.CpuLimitPerBatch;
                var cpu = _worker.CpuTime;
                var wall = Stopwatch.GetElapsedTime(_clockAtProgress);
                var wallLimit = owner._options.EffectiveWallLimit;
                if (cpu is { } now && now - _cpuAtProgress > limit)
                {
                    reason = string.Create(
                        CultureInfo.InvariantCulture,
                        $"used more than {limit.TotalSeconds:0.###} s of CPU time on one batch of {head.Batch.Count} rows ({head.Rows}), so its worker was killed; an endless loop or a very slow call inside a library method does this");
                }
                else if (wall > wallLimit)
                {
                    reason = string.Create(
                        CultureInfo.InvariantCulture,
                        $"made no progress for {wall.TotalSeconds:0} s on one batch ({head.Rows}), so its worker was killed");
                }

                if (reason is not null)
                {
                    victim = _worker;
                    _watchdogVictim = victim;
                }
            }

            victim?.Kill(reason!);
        }

        private void Guard(Action body)
        {
            try
            {
                body();
            }
            catch (OperationCanceledException) when (owner._stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                owner.Fail(e);
                lock (_gate)
                {
                    _worker?.Kill("the engine stopped");
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private void Send()
        {
            var stop = owner._stop.Token;
            while (true)
            {
                WorkItem? item = null;
                lock (_gate)
                {
                    while (true)
                    {
                        stop.ThrowIfCancellationRequested();
                        var room = _inFlight.Count < MaxInFlight && !_inFlight.Any(i => i.Alone);
                        if (_resend.First is { } first)
                        {
                            if (_inFlight.Count == 0 || (room && !first.Value.Alone))
                            {
                                item = first.Value;
                                _resend.RemoveFirst();
                                break;
                            }
                        }
                        else if (room)
                        {
                            break;
                        }

                        Monitor.Wait(_gate, 50);
                    }
                }

                if (item is null && !owner._queue.TryTake(out item, 50, stop))
                {
                    if (owner._queue.IsCompleted && Drained())
                    {
                        return;
                    }

                    continue;
                }

                item.Pending ??= [.. owner.ActivePrograms()];
                Stream stream;
                lock (_gate)
                {
                    item.Pending.RemoveAll(p => !owner._programs[p].IsActive);
                    if (item.Pending.Count == 0)
                    {
                        owner._rowsDone(item.Batch.Count);
                        continue;
                    }

                    if (_inFlight.Count == 0 && _worker!.CpuTime is { } cpu)
                    {
                        MarkProgress(cpu);
                    }

                    _inFlight.Enqueue(item);
                    stream = _worker!.Stream;
                }

                Encode(item);
                try
                {
                    _writer.SendTo(stream);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    // The worker died; the receiver restarts it and sends this batch again.
                }
            }
        }

        /// <summary>True (and the worker told to quit) once nothing is in flight or waiting to be sent again.</summary>
        private bool Drained()
        {
            lock (_gate)
            {
                if (_inFlight.Count > 0 || _resend.Count > 0)
                {
                    return false;
                }

                _senderDone = true;
                _worker!.Drain(_writer);
                return true;
            }
        }

        private void Encode(WorkItem item)
        {
            var batch = item.Batch;
            _writer.Begin(WorkerProtocol.Batch);
            _writer.WriteLong(item.Id);
            _writer.WriteLong(batch.FirstRow);
            _writer.WriteInt(batch.Count);
            _writer.WriteInt(batch.Texts.Count);
            foreach (var (name, column) in batch.Texts)
            {
                _writer.WriteString(name);
                _writer.WriteTexts(column);
            }

            _writer.WriteInt(batch.Numbers.Count);
            foreach (var (name, column) in batch.Numbers)
            {
                _writer.WriteString(name);
                _writer.WriteDoubles(column);
            }

            lock (_gate)
            {
                _writer.WriteInt(item.Pending!.Count);
                foreach (var program in item.Pending)
                {
                    _writer.WriteInt(program);
                }
            }
        }

        private void Receive()
        {
            while (true)
            {
                WorkerProcess worker;
                lock (_gate)
                {
                    worker = _worker!;
                }

                byte? type;
                try
                {
                    type = worker.Reader.Next();
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
                {
                    type = null;
                }

                if (type is null)
                {
                    lock (_gate)
                    {
                        if (_senderDone && _inFlight.Count == 0 && _resend.Count == 0)
                        {
                            return;
                        }
                    }

                    owner._stop.Token.ThrowIfCancellationRequested();
                    Restart(worker);
                    continue;
                }

                if (type == WorkerProtocol.Drained)
                {
                    var changed = worker.Reader.ReadInt();
                    for (var i = 0; i < changed; i++)
                    {
                        var index = worker.Reader.ReadInt();
                        var reason = Bounded.Text(worker.Reader.ReadString() ?? "changed its static state");
                        if (index >= 0 && index < owner._programs.Length)
                        {
                            owner._programs[index].DisableUncached(reason);
                        }
                    }

                    lock (_gate)
                    {
                        if (_senderDone && _inFlight.Count == 0 && _resend.Count == 0)
                        {
                            return;
                        }
                    }

                    continue;
                }

                if (type == WorkerProtocol.Started)
                {
                    var started = worker.Reader.ReadLong();
                    lock (_gate)
                    {
                        if (_inFlight.Count > 0 && _inFlight.Peek() is { } head && head.Id == started)
                        {
                            head.Started = true;
                            continue;
                        }
                    }

                    worker.Kill($"the worker started a batch out of order (batch {started})");
                    continue;
                }

                if (type != WorkerProtocol.Votes)
                {
                    worker.Kill($"the worker sent an unexpected message ({type})");
                    continue;
                }

                Accept(worker);
            }
        }

        private void Accept(WorkerProcess worker)
        {
            var reader = worker.Reader;
            var batchId = reader.ReadLong();
            var program = reader.ReadInt();
            var rows = reader.ReadInt();
            var faults = new RowFaults
            {
                Errors = reader.ReadInt(),
                BudgetExceeded = reader.ReadInt(),
                FirstFaultRow = reader.ReadLong(),
                FirstFault = Bounded.TextOrNull(reader.ReadString()),
                DisableReason = Bounded.TextOrNull(reader.ReadString()),
            };
            var elapsed = reader.ReadLong();
            var workerCpu = TimeSpan.FromTicks(reader.ReadLong());
            var votes = reader.ReadVotes(rows);
            WorkItem? finished = null;
            lock (_gate)
            {
                var head = _inFlight.Count > 0 ? _inFlight.Peek() : null;
                if (head is null || head.Id != batchId || head.Pending is not { Count: > 0 } || head.Pending[0] != program || rows != head.Batch.Count)
                {
                    worker.Kill($"the worker answered out of order (batch {batchId}, program {program})");
                    return;
                }

                owner._programs[program].Report(head.Batch.FirstRow, votes, faults, elapsed, owner._options);
                head.Pending.RemoveAt(0);
                MarkProgress(workerCpu);
                _restartsWithoutProgress = 0;
                if (head.Pending.Count == 0)
                {
                    finished = _inFlight.Dequeue();
                    Monitor.PulseAll(_gate);
                }
            }

            if (finished is not null)
            {
                owner._rowsDone(finished.Batch.Count);
            }
        }

        /// <summary>
        /// The worker is gone: lay it on the program it was running where that is known, split that batch (or record the row
        /// that killed it), keep everything else, start a fresh worker, and send what was in flight again, one at a time.
        /// </summary>
        private void Restart(WorkerProcess dead)
        {
            lock (_gate)
            {
                var why = Bounded.Text(dead.DescribeEnd(), Bounded.MaxMessageChars / 2);
                var watchdog = ReferenceEquals(_watchdogVictim, dead);
                _watchdogVictim = null;
                var again = new List<WorkItem>();
                var counts = true;
                if (_inFlight.Count > 0 && _inFlight.Peek() is { Pending: { Count: > 0 } } head)
                {
                    // With two batches in the worker, a death outside the watchdog may be the second batch's (the worker
                    // decodes it while the first computes): neither is blamed, and both go again alone, which tells.
                    if (watchdog || _inFlight.Count == 1)
                    {
                        _inFlight.Dequeue();
                        counts = !Blame(head, why, watchdog, ownDeath: dead.KillReason is null, again);
                    }
                }

                // Each restart that counts disables a program or leaves the next death attributable; the searches for a
                // row, which do not count, are bounded per program and per split. So more counted restarts than programs
                // without progress is the worker's own fault.
                if (counts && ++_restartsWithoutProgress > MaxRestartsWithoutProgress + owner._programs.Length)
                {
                    throw new InvalidOperationException($"worker {number} keeps failing: {why}");
                }

                while (_inFlight.Count > 0)
                {
                    again.Add(_inFlight.Dequeue());
                }

                for (var i = again.Count - 1; i >= 0; i--)
                {
                    again[i].Alone = true;
                    again[i].Started = false;
                    _resend.AddFirst(again[i]);
                }

                dead.Dispose();
                _worker = null;
                StartWorker();
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>
        /// Lays a death on the program <paramref name="head"/> was running (<paramref name="ownDeath"/>: the worker died, rather
        /// than being killed by the engine): one row alone is a poison row for it, or for every program still owed when the
        /// worker died before it started any (decoding the row broke it); a batch of
        /// several is split into pieces (added to <paramref name="again"/>, each owed to the same programs), unless the
        /// program's search is spent or its own speed explains a watchdog kill, which disable it. Returns true when the
        /// restart was spent on the search (bounded per program, and per split for rows that break a worker before any
        /// program starts) rather than on disabling the program.
        /// </summary>
        private bool Blame(WorkItem head, string why, bool watchdog, bool ownDeath, List<WorkItem> again)
        {
            var pending = head.Pending!;
            var program = owner._programs[pending[0]];
            var batch = head.Batch;
            if (watchdog && program.SpeedExplains(batch.Count, owner._options.CpuLimitPerBatch))
            {
                program.Disable($"{why} (while running on {head.Rows}; at its own speed on the rows it answered, such a batch needs at least half that limit)", killedWorker: true);
                again.Add(head);
                return false;
            }

            if (!head.Started && ownDeath)
            {
                if (batch.Count == 1)
                {
                    // The row broke the worker before any program ran on it (decoding it overran the heap cap): it would do
                    // the same for every program still owed, so it is theirs all at once rather than one death each, and
                    // it is the data's fault, not theirs: it does not count towards any program's own rows.
                    foreach (var owed in pending)
                    {
                        owner._programs[owed].RecordPoisonRow(batch.FirstRow, batch.RowIds[0], $"the row broke the worker before any program ran on it: {why}", MaxPoisonRows, ofItsOwn: false);
                    }

                    pending.Clear();
                    owner._rowsDone(1);
                    return true;
                }

                // Rows that break a worker before any program runs are searched for on the split's own budget, as long
                // as it lasts (one program's share per row a program may lose), then on the next program's.
                if (Interlocked.Increment(ref owner._dataDeaths) <= owner.MaxBisectionDeaths * (MaxPoisonRows + 1))
                {
                    AddPieces(head, Pieces(batch.Count, probe: false), again);
                    return true;
                }
            }

            if (batch.Count == 1)
            {
                var kept = program.RecordPoisonRow(batch.FirstRow, batch.RowIds[0], why, MaxPoisonRows);
                pending.RemoveAt(0);
                if (pending.Count == 0)
                {
                    // Nothing else is owed on this row: it is done (its vote for the program is the abstain it has).
                    owner._rowsDone(1);
                }
                else
                {
                    again.Add(head);
                }

                return kept;
            }

            if (!program.ChargeBisectionDeath(why, head.Rows, owner.MaxBisectionDeaths))
            {
                again.Add(head);
                return false;
            }

            AddPieces(head, Pieces(batch.Count, program.AnsweredRows == 0), again);
            return true;
        }

        /// <summary>Replaces <paramref name="head"/> by pieces of its batch, each owed to the same programs and sent alone.</summary>
        private void AddPieces(WorkItem head, IEnumerable<(int Start, int Count)> pieces, List<WorkItem> again)
        {
            foreach (var (start, count) in pieces)
            {
                again.Add(new WorkItem(head.Batch.Slice(start, count), Interlocked.Increment(ref owner._nextBatchId)) { Pending = [.. head.Pending!], Alone = true });
            }
        }

        /// <summary>
        /// How a batch of <paramref name="rows"/> that killed a worker is split: in halves; for a program that has not
        /// answered a row yet, its first <see cref="ProbeRows"/> rows one by one and then the rest (a program that kills on
        /// every row is found out in as many deaths; one that does not answers them in a moment).
        /// </summary>
        private static IEnumerable<(int Start, int Count)> Pieces(int rows, bool probe)
        {
            if (probe)
            {
                var singles = Math.Min(ProbeRows, rows);
                for (var r = 0; r < singles; r++)
                {
                    yield return (r, 1);
                }

                if (rows > singles)
                {
                    yield return (singles, rows - singles);
                }

                yield break;
            }

            var half = rows / 2;
            yield return (0, half);
            yield return (half, rows - half);
        }

        private void MarkProgress(TimeSpan cpu)
        {
            _cpuAtProgress = cpu;
            _clockAtProgress = Stopwatch.GetTimestamp();
        }
    }
}
