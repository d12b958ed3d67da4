// Attempts: synchronizes through a lock on shared state.
// Must be rejected at verify time.
// expect: verify "'lock' is not allowed"

private static readonly object Gate = new object();

public static int Label(string text)
{
    lock (Gate)
    {
        return text.Length > 5 ? 1 : 0;
    }
}
