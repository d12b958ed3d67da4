// Attempts: hashes an array that contains itself with the structural comparer, recursing inside the library.
// expect: verify "not on the sandbox allowlist"

using System.Collections;

public static int Label(string text)
{
    var items = new object[1];
    items[0] = items;
    return StructuralComparisons.StructuralEqualityComparer.GetHashCode(items) % 2;
}
