// Attempts: increments an element of a static array through AsSpan().
// expect: verify "changes the contents of static field"

static readonly int[] Counts = new int[1];

public static int Label(string text)
{
    Counts.AsSpan()[0]++;
    return Counts[0] % 2;
}
