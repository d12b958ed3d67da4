// Attempts: starts a background thread that outlives the call.
// Must be rejected at verify time.
// expect: verify "one thread"

using System.Threading;

public static int Label(string text)
{
    var thread = new Thread(() => { while (true) { } });
    thread.IsBackground = true;
    thread.Start();
    return 1;
}
