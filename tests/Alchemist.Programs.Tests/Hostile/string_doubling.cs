// Attempts: doubles a string until memory runs out, in fewer steps than a budget check.
// Must be contained only by the worker process (in-process budgets cannot stop it).
// expect: worker

public static int Label(string text)
{
    var s = text + "x";
    for (var i = 0; i < 40; i++)
    {
        s += s;
    }

    return s.Length > 0 ? 1 : 0;
}
