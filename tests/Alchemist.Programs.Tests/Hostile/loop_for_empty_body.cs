// Attempts: spins forever in a for loop with an empty body.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    for (;;) ;
}
