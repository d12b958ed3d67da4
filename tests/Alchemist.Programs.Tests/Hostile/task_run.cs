// Attempts: runs work on the thread pool.
// Must be rejected at verify time.
// expect: verify "one thread"

using System.Threading.Tasks;

public static int Label(string text)
{
    return Task.Run(() => text.Length > 10 ? 1 : 0).Result;
}
