// Attempts: writes raw memory with Marshal.
// Must be rejected at verify time.
// expect: verify "raw memory"

using System.Runtime.InteropServices;

public static int Label(string text)
{
    var block = Marshal.AllocHGlobal(1 << 30);
    Marshal.WriteByte(block, 1);
    return 1;
}
