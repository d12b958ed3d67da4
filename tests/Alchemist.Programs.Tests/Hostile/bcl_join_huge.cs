// Attempts: builds a gigantic string inside one BCL call.
// Must be contained only by the worker process (in-process budgets cannot stop it).
// expect: worker

public static int Label(string text)
{
    return string.Join(",", Enumerable.Repeat(text, int.MaxValue)).Length > 0 ? 1 : 0;
}
