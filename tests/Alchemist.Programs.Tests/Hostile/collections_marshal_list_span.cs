// Attempts: takes the backing array of a list with CollectionsMarshal and grows the list's count past it.
// expect: verify "raw memory"

using System.Collections.Generic;
using System.Runtime.InteropServices;

public static int Label(string text)
{
    var list = new List<char>(text);
    CollectionsMarshal.SetCount(list, 1 << 20);
    return CollectionsMarshal.AsSpan(list)[100_000] == 's' ? 1 : 0;
}
