// Attempts: reads an API key from the environment.
// Must be rejected at verify time.
// expect: verify "read the environment"

public static int Label(string text)
{
    var key = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
    return key is null ? 0 : 1;
}
