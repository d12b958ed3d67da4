// Attempts: writes into a static readonly array.
// Must be rejected at verify time.
// expect: verify "changes the contents of static field"

static readonly int[] Seen = new int[1];

public static int Label(string text)
{
    Seen[0] = Seen[0] + 1;
    return Seen[0] > 100 ? 1 : 0;
}
