// Attempts: starts an endless loop in a finally block after the violation.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    try
    {
        while (true) { }
    }
    finally
    {
        var n = 0;
        while (true) { n++; }
    }
}
