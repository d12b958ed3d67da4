// Attempts: loops forever through goto.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    var i = 0;
again:
    i++;
    goto again;
}
