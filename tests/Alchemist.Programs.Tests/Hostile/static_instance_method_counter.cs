// Attempts: keeps a counter in an object held by a static readonly field and changed by its own method.
// expect: static

sealed class Counter
{
    private int _calls;

    public int Next() => ++_calls;
}

static readonly Counter Calls = new();

public static int Label(string text) => Calls.Next() % 2;
