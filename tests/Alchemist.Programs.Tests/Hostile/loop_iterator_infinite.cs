// Attempts: enumerates an endless iterator method.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    return Forever().Any(i => i < 0) ? 1 : 0;
}

static IEnumerable<int> Forever()
{
    var i = 0;
    while (true)
    {
        yield return i++ & 1;
    }
}
