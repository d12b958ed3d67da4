using System.Collections.Concurrent;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// A named background thread that runs the actions given to it one after another, and waits between them. The isolated
/// executor keeps its sender, receiver and watchdog threads across runs this way: starting threads costs milliseconds on
/// a small virtual machine, which a short apply would otherwise pay every time.
/// </summary>
internal sealed class ReusableThread : IDisposable
{
    private readonly BlockingCollection<(Action Body, TaskCompletionSource Done)> _work = new();
    private readonly string _name;
    private int _disposed;

    public ReusableThread(string name)
    {
        _name = name;
        new Thread(Loop) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>
    /// Queues <paramref name="body"/>; the task completes when it has returned, and carries what it threw (the thread
    /// itself stays, for the next action).
    /// </summary>
    public Task Run(Action body)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, _name);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add((body, done));
        return done.Task;
    }

    /// <summary>Lets the thread end once the actions already queued have run; a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _work.CompleteAdding();
        }
    }

    private void Loop()
    {
        foreach (var (body, done) in _work.GetConsumingEnumerable())
        {
            try
            {
                body();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }

        _work.Dispose();
    }
}
