// Attempts: copies into a static array with Array.Copy, whose destination is the second argument.
// expect: static

static readonly string[] Last = new string[1];

public static int Label(string text)
{
    var previous = Last[0];
    System.Array.Copy(new[] { text }, Last, 1);
    return previous is null ? 0 : 1;
}
