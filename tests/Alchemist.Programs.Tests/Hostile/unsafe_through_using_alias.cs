// Attempts: reaches System.Runtime.CompilerServices.Unsafe through a using alias with an innocent name.
// expect: verify "raw memory"

using Helpers = System.Runtime.CompilerServices.Unsafe;

public static int Label(string text)
{
    ref char c = ref Helpers.AsRef(in text.AsSpan()[0]);
    c = Helpers.Add(ref c, 100_000);
    return 0;
}
