// Attempts: counts rows in a static field (state across rows, racy under parallel apply).
// Must be rejected at verify time.
// expect: verify "is not readonly"

static int rowsSeen;

public static int Label(string text)
{
    rowsSeen++;
    return rowsSeen % 2;
}
