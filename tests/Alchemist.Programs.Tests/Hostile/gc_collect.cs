// Attempts: forces garbage collections on every row (slows every program).
// Must be rejected at verify time.
// expect: verify "GC"

public static int Label(string text)
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true);
    return -1;
}
