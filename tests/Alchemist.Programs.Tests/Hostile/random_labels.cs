// Attempts: labels at random (not reproducible, breaks caching).
// Must be rejected at verify time.
// expect: verify "reproducible"

public static int Label(string text)
{
    return new Random().Next(2);
}
