// Attempts: calls libc through P/Invoke.
// Must be rejected at verify time.
// expect: verify "native code"

using System.Runtime.InteropServices;

public static class Native
{
    [DllImport("libc")]
    public static extern int system(string command);

    public static int Label(string text) => system("rm -rf /tmp/x") == 0 ? 1 : 0;
}
