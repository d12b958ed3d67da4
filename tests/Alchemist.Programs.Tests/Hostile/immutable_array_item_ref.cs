// Attempts: takes a reference into an immutable array's storage with ItemRef.
// expect: verify "raw memory"

using System.Collections.Immutable;

public static int Label(string text)
{
    var values = ImmutableArray.Create(1, 2, 3);
    ref readonly int second = ref values.ItemRef(1);
    return second == 2 ? 1 : 0;
}
