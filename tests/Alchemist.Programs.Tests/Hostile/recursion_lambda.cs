// Attempts: recurses through a delegate that calls itself.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    Func<int, int> f = null;
    f = n => f(n + 1) + 1;
    return f(0);
}
