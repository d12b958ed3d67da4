// Attempts: changes a static readonly array through a local variable that aliases it (the verifier only sees writes to the field itself).
// expect: static

static readonly int[] Counts = new int[1];

public static int Label(string text)
{
    var alias = Counts;
    alias[0]++;
    return alias[0] % 2;
}
