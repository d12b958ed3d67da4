// Attempts: turns an ImmutableArray back into the array behind it (ImmutableCollectionsMarshal) and writes it.
// expect: verify "raw memory"

using System.Collections.Immutable;
using System.Runtime.InteropServices;

public static int Label(string text)
{
    var words = ImmutableArray.Create("a", "b");
    ImmutableCollectionsMarshal.AsArray(words)![0] = text;
    return words[0].Length > 3 ? 1 : 0;
}
