// Attempts: tries to swallow the budget violation with an exception filter and retries.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    for (var attempt = 0; attempt < 1000; attempt++)
    {
        try
        {
            while (true) { }
        }
        catch (Exception e) when (e.Message.Length >= 0)
        {
            continue;
        }
    }

    return 1;
}
