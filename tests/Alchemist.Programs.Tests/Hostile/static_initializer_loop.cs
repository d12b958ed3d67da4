// Attempts: loops forever in a static field initializer.
// Must be contained at run time.
// expect: run error

static class Tables
{
    public static readonly int Size = Compute();

    static int Compute()
    {
        var n = 0;
        while (n >= 0) { n = (n + 1) % 10; }
        return n;
    }
}

public static int Label(string text) => Tables.Size > 0 ? 1 : 0;
