// Attempts: labels by the current time (not reproducible).
// Must be rejected at verify time.
// expect: verify "reproducible"

public static int Label(string text)
{
    return DateTime.Now.Second % 2;
}
