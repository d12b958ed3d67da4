// Attempts: ends the whole run with Environment.Exit.
// Must be rejected at verify time.
// expect: verify "read the environment"

public static int Label(string text)
{
    if (text.Length > 0)
    {
        Environment.Exit(3);
    }

    return 0;
}
