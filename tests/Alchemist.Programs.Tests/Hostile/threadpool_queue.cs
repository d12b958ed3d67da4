// Attempts: queues work items that keep running after the call.
// Must be rejected at verify time.
// expect: verify "one thread"

public static int Label(string text)
{
    System.Threading.ThreadPool.QueueUserWorkItem(_ => { while (true) { } });
    return 0;
}
