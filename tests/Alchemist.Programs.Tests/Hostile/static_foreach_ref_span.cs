// Attempts: increments a static array's elements through foreach over a span of refs.
// expect: static

static readonly int[] Counts = new int[4];

public static int Label(string text)
{
    var view = Counts.AsSpan(0, 1);
    foreach (ref var count in view)
    {
        count++;
    }

    return Counts[0] % 2;
}
