// Attempts: labels by its own stack trace, which differs between a worker and the main process.
// expect: verify "stack trace"

public static int Label(string text)
{
    try
    {
        throw new System.InvalidOperationException(text);
    }
    catch (System.InvalidOperationException e)
    {
        return e.StackTrace!.Contains("Worker") ? 1 : 0;
    }
}
