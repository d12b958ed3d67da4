// Attempts: wraps an endless loop in a catch-all and returns a label.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    try
    {
        while (true) { }
    }
    catch
    {
    }

    return 1;
}
