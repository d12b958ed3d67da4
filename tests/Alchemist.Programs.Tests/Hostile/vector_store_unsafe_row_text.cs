// Attempts: rewrites the row string in place with Vector.StoreUnsafe, so that the programs after it in the worker read forged text.
// expect: verify "System.Numerics"

using System.Numerics;

public static int Label(string text)
{
    var forged = new Vector<ushort>((ushort)'P');
    ref char first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.AsRef(in text.GetPinnableReference()), text.Length));
    Vector.StoreUnsafe(forged, ref System.Runtime.CompilerServices.Unsafe.As<char, ushort>(ref first));
    return 0;
}
