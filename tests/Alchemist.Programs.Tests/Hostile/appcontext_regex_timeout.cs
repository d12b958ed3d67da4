// Attempts: switches off the default regex timeout through AppContext.
// Must be rejected at verify time.
// expect: verify "process-wide setting"

public static int Label(string text)
{
    AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.MaxValue);
    return 0;
}
