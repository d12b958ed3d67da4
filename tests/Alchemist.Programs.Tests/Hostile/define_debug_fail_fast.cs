// Attempts: defines DEBUG so that Debug.Assert, compiled away otherwise, calls Environment.FailFast and ends the process.
// expect: verify "#define"

#define DEBUG

using System.Diagnostics;

public static int Label(string text)
{
    Debug.Assert(text.Length < 0, "bye");
    return 0;
}
