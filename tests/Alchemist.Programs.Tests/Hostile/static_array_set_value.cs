// Attempts: writes a static array with Array.SetValue.
// expect: static

static readonly int[] Counts = new int[1];

public static int Label(string text)
{
    Counts.SetValue((int)Counts.GetValue(0)! + 1, 0);
    return (int)Counts.GetValue(0)! % 2;
}
