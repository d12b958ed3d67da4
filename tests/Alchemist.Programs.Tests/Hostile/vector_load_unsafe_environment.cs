// Attempts: reads the worker's stack (and the environment block above it, with any API key) through System.Numerics.Vector.LoadUnsafe with an element offset.
// expect: verify "System.Numerics"

using System.Numerics;

public static int Label(string text)
{
    ref readonly char start = ref text.AsSpan()[0];
    var found = 0;
    for (nuint offset = 0; offset < 1 << 20; offset += (nuint)Vector<ushort>.Count)
    {
        var chunk = Vector.LoadUnsafe(ref System.Runtime.CompilerServices.Unsafe.AsRef(in start), offset);
        found += chunk[0] == 's' ? 1 : 0;
    }
    return found > 0 ? 1 : 0;
}
