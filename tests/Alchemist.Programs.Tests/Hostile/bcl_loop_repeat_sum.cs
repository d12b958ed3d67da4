// Attempts: loops inside a BCL call (Enumerable.Repeat(0, int.MaxValue).Sum()), where no budget check runs.
// Must be contained only by the worker process (in-process budgets cannot stop it).
// expect: worker

public static int Label(string text)
{
    return Enumerable.Repeat(0, int.MaxValue).Sum() > 0 ? 1 : 0;
}
