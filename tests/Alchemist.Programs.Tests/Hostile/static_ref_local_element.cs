// Attempts: increments an element of a static array through a ref local.
// expect: static

static readonly int[] Counts = new int[1];

public static int Label(string text)
{
    ref var count = ref Counts[0];
    count++;
    return count % 2;
}
