// Attempts: reads memory past the end of the row with Vector128.LoadUnsafe from System.Runtime.Intrinsics.
// expect: verify "raw memory"

using System.Runtime.Intrinsics;

public static int Label(string text)
{
    var values = new ushort[1];
    var beyond = Vector128.LoadUnsafe(ref values[0], 4096);
    return beyond.GetElement(0) > 0 ? 1 : 0;
}
