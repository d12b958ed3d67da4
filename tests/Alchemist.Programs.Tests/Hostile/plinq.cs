// Attempts: uses PLINQ.
// Must be rejected at verify time.
// expect: verify "one thread"

public static int Label(string text)
{
    return text.AsParallel().Count(c => c == '!') > 2 ? 1 : 0;
}
