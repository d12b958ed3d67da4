// Attempts: keeps a counter in a closure made by a static initializer: the field is readonly, the captured variable is not.
// expect: static

static readonly System.Func<int> Next = MakeCounter();

static System.Func<int> MakeCounter()
{
    var n = 0;
    return () => ++n;
}

public static int Label(string text) => Next() % 2;
