// Attempts: writes a static readonly array through a span made by an implicit conversion.
// expect: static

static readonly int[] Counts = new int[1];

public static int Label(string text)
{
    System.Span<int> view = Counts;
    view[0]++;
    return view[0] % 2;
}
