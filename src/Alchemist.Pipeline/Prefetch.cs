using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Alchemist.Pipeline;

/// <summary>Runs an enumeration ahead of its consumer on a thread of its own, so that making the next item overlaps using this one.</summary>
internal static class Prefetch
{
    /// <summary>
    /// The items of <paramref name="items"/> in order, up to <paramref name="depth"/> of them made ahead. An exception the
    /// enumeration throws is rethrown to the consumer as it reaches that place; a consumer that stops early stops it.
    /// </summary>
    public static IEnumerable<T> Ahead<T>(IEnumerable<T> items, int depth, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var queue = new BlockingCollection<T>(depth);
        Exception? fault = null;
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var item in items)
                {
                    queue.Add(item, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                fault = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var item in queue.GetConsumingEnumerable(cancellation))
            {
                yield return item;
            }
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None);
        }

        if (fault is not null)
        {
            ExceptionDispatchInfo.Throw(fault);
        }
    }
}
