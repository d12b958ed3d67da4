// Attempts: changes a static array through a helper that returns a reference to its element.
// expect: static

static readonly int[] Counts = new int[1];

static ref int Slot() => ref Counts[0];

public static int Label(string text)
{
    Slot()++;
    return Counts[0] % 2;
}
