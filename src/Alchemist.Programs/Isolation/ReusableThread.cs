using System.Collections.Concurrent;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// A named background thread that runs the actions given to it one after another, and waits between them. The isolated
/// executor keeps its sender, receiver and watchdog threads across runs this way: starting threads costs milliseconds on
/// a small virtual machine, which a short apply would otherwise pay every time.
/// </summary>
internal sealed class ReusableThread : IDisposable
{
    private readonly BlockingCollection<(Action Body, ManualResetEventSlim Done)> _work = new();

    public ReusableThread(string name)
    {
        new Thread(Loop) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Queues <paramref name="body"/> (which must not throw) and returns what is set once it has returned.</summary>
    public ManualResetEventSlim Run(Action body)
    {
        var done = new ManualResetEventSlim();
        _work.Add((body, done));
        return done;
    }

    /// <summary>Lets the thread end once the actions already queued have run.</summary>
    public void Dispose() => _work.CompleteAdding();

    private void Loop()
    {
        foreach (var (body, done) in _work.GetConsumingEnumerable())
        {
            try
            {
                body();
            }
            finally
            {
                done.Set();
            }
        }

        _work.Dispose();
    }
}
