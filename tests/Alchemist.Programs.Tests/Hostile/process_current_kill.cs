// Attempts: kills its own process.
// Must be rejected at verify time.
// expect: verify "cannot start or inspect processes"

public static int Label(string text)
{
    System.Diagnostics.Process.GetCurrentProcess().Kill();
    return 1;
}
