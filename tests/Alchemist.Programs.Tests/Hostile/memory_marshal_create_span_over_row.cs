// Attempts: makes a writable span of any length over the row string with MemoryMarshal.CreateSpan.
// expect: verify "raw memory"

using System.Runtime.InteropServices;

public static int Label(string text)
{
    var span = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(text.AsSpan()), 1 << 20);
    span[0] = 'X';
    return 1;
}
