// Attempts: allocates 2.4 GB in one array.
// Must be contained only by the worker process (in-process budgets cannot stop it).
// expect: worker

public static int Label(string text)
{
    var block = new long[300_000_000];
    return block.Length > 0 ? 1 : 0;
}
