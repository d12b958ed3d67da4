// Attempts: builds a 16 MiB value out of tuples of tuples with var, never naming a large type.
// expect: verify "bytes of stack"

public static int Label(string text)
{
    var a = (1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    var b = (a, a, a, a, a, a, a, a);
    var c = (b, b, b, b, b, b, b, b);
    var d = (c, c, c, c, c, c, c, c);
    var e = (d, d, d, d, d, d, d, d);
    var f = (e, e, e, e, e, e, e, e);
    var g = (f, f, f, f, f, f, f, f);
    return g.Item1.Item1.Item1.Item1.Item1.Item1.Item1 > text.Length ? 1 : 0;
}
