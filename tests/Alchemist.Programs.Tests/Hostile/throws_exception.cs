// Attempts: throws on every row.
// Must be contained at run time.
// expect: run exception

public static int Label(string text)
{
    throw new InvalidOperationException("this program always fails");
}
