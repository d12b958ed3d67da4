// Attempts: crashes the process with Environment.FailFast.
// Must be rejected at verify time.
// expect: verify "read the environment"

public static int Label(string text)
{
    Environment.FailFast("bye");
    return 0;
}
