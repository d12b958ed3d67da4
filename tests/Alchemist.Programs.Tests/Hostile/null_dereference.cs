// Attempts: dereferences null.
// Must be contained at run time.
// expect: run exception

public static int Label(string text)
{
    string missing = text.Length > 1000000 ? text : null;
    return missing.Length > 3 ? 1 : 0;
}
