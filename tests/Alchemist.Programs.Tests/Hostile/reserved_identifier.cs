// Attempts: declares a local with the name the instrumentation gives its loop counter, to reset the step budget.
// Must be rejected at verify time.
// expect: verify "reserved for the sandbox"

public static int Label(string text)
{
    var n = 0;
    for (var i = 0; i < 10; i++)
    {
        int __alchemistSteps0 = 0;
        n += __alchemistSteps0 + i;
    }

    return n > 0 ? 1 : 0;
}
