namespace Alchemist.Programs.Runtime;

/// <summary>
/// The threads programs run on, in a worker and in process. Their stacks are large (virtual memory, committed only as it
/// is touched) because a program can make library code recurse where no budget check sits, for example through 200,000
/// nested LINQ iterators: the recursion must fit until the program's own code runs again, where the stack budget
/// (<see cref="ProgramBudgets.MaxStackBytes"/>, measured from the call's start) stops it. A default 8 MiB stack ends the
/// process there instead. Frames themselves are bounded by the verifier (no value over 64 KiB, no stackalloc in a loop).
/// </summary>
internal static class ProgramThread
{
    /// <summary>512 MiB: room for the deepest library recursion the per-row allocation budget lets a program build.</summary>
    public const int StackBytes = 512 << 20;

    public static Thread Create(ThreadStart body, string name) => new(body, StackBytes) { IsBackground = true, Name = name };

    /// <summary>Runs <paramref name="body"/> on a program thread and waits for it; what it throws comes out here.</summary>
    public static void Run(Action body, string name = "alchemist-program")
    {
        Exception? failure = null;
        var thread = Create(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, name);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
