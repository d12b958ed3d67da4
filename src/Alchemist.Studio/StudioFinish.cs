using System.Text;
using Alchemist.Pipeline;

namespace Alchemist.Studio;

/// <summary>One thing a background run said: a log line, a stage's progress, or its end (the summary, or the error).</summary>
/// <param name="Index">Its place among the run's events, from 0, so a page that reconnects asks for what it missed.</param>
/// <param name="Kind">"log", "progress", "done" or "failed".</param>
/// <param name="Text">The log line or the error.</param>
/// <param name="Stage">The stage a progress event is about.</param>
/// <param name="Done">Units done in that stage.</param>
/// <param name="Total">Units the stage has, when known.</param>
/// <param name="Summary">The run's summary, on "done".</param>
public sealed record FinishEvent(int Index, string Kind, string? Text = null, string? Stage = null, long? Done = null, long? Total = null, RunSummary? Summary = null);

/// <summary>
/// The end model, final-label choice, labels and report, run in the background on request (<see cref="RunPipeline"/>, as
/// <c>alchemist run</c> does), with what it says kept as events a page reads as they come. One run at a time.
/// </summary>
public sealed class StudioFinish
{
    private readonly Lock _gate = new();
    private readonly List<FinishEvent> _events = [];
    private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _run;

    /// <summary>True while a run is going on: the programs must not change under it.</summary>
    public bool Running
    {
        get
        {
            lock (_gate)
            {
                return _run is { IsCompleted: false };
            }
        }
    }

    /// <summary>
    /// Starts a run of <paramref name="projectDirectory"/> unless one is going on; <paramref name="finished"/> is called with
    /// the summary when it ends well (the studio then reopens the project as the run left it).
    /// </summary>
    public bool TryStart(string projectDirectory, Action<RunSummary> finished, CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (_run is { IsCompleted: false })
            {
                return false;
            }

            _events.Clear();
            var log = new EventWriter(this);
            var progress = new StageEvents(this);
            _run = Task.Run(async () =>
            {
                try
                {
                    var summary = await new RunPipeline(log) { Progress = progress }.RunAsync(projectDirectory, cancellation).ConfigureAwait(false);
                    log.Flush();
                    finished(summary);
                    Add(new FinishEvent(0, "done", Summary: summary));
                }
                catch (Exception e) when (e is UserError or IOException or OperationCanceledException)
                {
                    log.Flush();
                    Add(new FinishEvent(0, "failed", Text: e.Message));
                }
                catch (Exception e)
                {
                    log.Flush();
                    Add(new FinishEvent(0, "failed", Text: $"the run failed (a bug in Alchemist): {e.GetType().Name}: {e.Message}"));
                }
            }, CancellationToken.None);
            return true;
        }
    }

    /// <summary>The events from <paramref name="from"/> on, waiting for more until the run ends (or the caller leaves).</summary>
    public async IAsyncEnumerable<FinishEvent> Events(int from, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        var next = Math.Max(0, from);
        while (!cancellation.IsCancellationRequested)
        {
            FinishEvent[] fresh;
            Task more;
            lock (_gate)
            {
                fresh = [.. _events.Skip(next)];
                more = _more.Task;
            }

            foreach (var e in fresh)
            {
                yield return e;
                next++;
                if (e.Kind is "done" or "failed")
                {
                    yield break;
                }
            }

            if (fresh.Length == 0 && !Running && next >= Count())
            {
                yield break;
            }

            await more.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    private int Count()
    {
        lock (_gate)
        {
            return _events.Count;
        }
    }

    private void Add(FinishEvent e)
    {
        TaskCompletionSource wake;
        lock (_gate)
        {
            _events.Add(e with { Index = _events.Count });
            wake = _more;
            _more = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
    }

    /// <summary>The run's log, one event per line.</summary>
    private sealed class EventWriter(StudioFinish owner) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    owner.Add(new FinishEvent(0, "log", Text: _line.ToString().TrimEnd('\r')));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }

        public override void Flush()
        {
            lock (_line)
            {
                if (_line.Length > 0)
                {
                    owner.Add(new FinishEvent(0, "log", Text: _line.ToString()));
                    _line.Clear();
                }
            }
        }
    }

    /// <summary>Stage progress as events, at most one per stage every 200 ms, and always the last.</summary>
    private sealed class StageEvents(StudioFinish owner) : IProgress<StageProgress>
    {
        private string? _stage;
        private long _last;

        public void Report(StageProgress value)
        {
            var now = Environment.TickCount64;
            var finished = value.Total is { } total && value.Done >= total;
            if (value.Stage == _stage && now - _last < 200 && !finished)
            {
                return;
            }

            _stage = value.Stage;
            _last = now;
            owner.Add(new FinishEvent(0, "progress", Stage: value.Stage, Done: value.Done, Total: value.Total));
        }
    }
}
