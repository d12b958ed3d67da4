using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Alchemist.Data;

namespace Alchemist.Programs.Apply;

/// <summary>
/// Runs programs on threads of this process (<c>--isolation none</c>): each thread takes whole batches and runs every active
/// program over them; with one thread, the caller's thread reads and labels the batches itself. Nothing can stop a program that hangs inside a library call here; that is what isolation is for.
/// </summary>
internal static class InProcessExecutor
{
    public static void Run(IEnumerable<DataBatch> batches, ProgramRun[] programs, ApplyOptions options, Action<int> rowsDone, CancellationToken cancel)
    {
        if (options.Parallelism == 1)
        {
            // One thread: it reads and labels the batches itself, with no reader thread beside it and no hand-over per batch.
            Runtime.ProgramThread.Run(() => Work(WithCancellation(batches, cancel), programs, options, rowsDone), "apply-0");
            cancel.ThrowIfCancellationRequested();
            return;
        }

        using var queue = new BlockingCollection<DataBatch>(Math.Max(2, options.Parallelism * 2));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Exception? failure = null;
        var threads = new Thread[options.Parallelism];
        for (var t = 0; t < threads.Length; t++)
        {
            threads[t] = Runtime.ProgramThread.Create(() =>
            {
                try
                {
                    Work(queue.GetConsumingEnumerable(failed.Token), programs, options, rowsDone);
                }
                catch (OperationCanceledException) when (failed.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    failed.Cancel();
                }
            }, $"apply-{t}");
            threads[t].Start();
        }

        try
        {
            foreach (var batch in batches)
            {
                queue.Add(batch, failed.Token);
            }
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
        }
        finally
        {
            queue.CompleteAdding();
            foreach (var thread in threads)
            {
                thread.Join();
            }
        }

        cancel.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private static IEnumerable<DataBatch> WithCancellation(IEnumerable<DataBatch> batches, CancellationToken cancel)
    {
        foreach (var batch in batches)
        {
            cancel.ThrowIfCancellationRequested();
            yield return batch;
        }
    }

    private static void Work(IEnumerable<DataBatch> batches, ProgramRun[] programs, ApplyOptions options, Action<int> rowsDone)
    {
        var labelers = new IBatchLabeler?[programs.Length];
        try
        {
            Label(batches, programs, options, rowsDone, labelers);
            for (var p = 0; p < programs.Length; p++)
            {
                if (labelers[p]?.FinishSplit() is { } reason)
                {
                    programs[p].DisableUncached(reason);
                }
            }
        }
        finally
        {
            foreach (var labeler in labelers)
            {
                (labeler as IDisposable)?.Dispose();
            }
        }
    }

    private static void Label(IEnumerable<DataBatch> batches, ProgramRun[] programs, ApplyOptions options, Action<int> rowsDone, IBatchLabeler?[] labelers)
    {
        var votes = new sbyte[options.BatchSize];
        foreach (var batch in batches)
        {
            if (votes.Length < batch.Count)
            {
                votes = new sbyte[batch.Count];
            }

            var span = votes.AsSpan(0, batch.Count);
            foreach (var run in programs)
            {
                if (!run.IsActive)
                {
                    continue;
                }

                var labeler = labelers[run.Index] ??= run.Program.CreateLabeler();
                var faults = RowFaults.None;
                span.Fill(Labeling.LabelMatrix.Abstain);
                var started = Stopwatch.GetTimestamp();
                labeler.Label(batch, span, ref faults);
                var elapsed = Stopwatch.GetElapsedTime(started);
                run.Report(batch.FirstRow, span, faults, elapsed.Ticks, options);
            }

            rowsDone(batch.Count);
        }
    }
}
