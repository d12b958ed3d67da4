// Attempts: grows a list of strings without end.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    var hoard = new List<string>();
    while (true)
    {
        hoard.Add(new string('x', 4096));
    }
}
