// Attempts: spins forever in a while loop.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    var n = 0;
    while (true)
    {
        n++;
    }
}
