// Attempts: drives an endless LINQ pipeline whose lambdas do the looping.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    return Enumerable.Range(0, int.MaxValue).Select(i => i % 7).Where(i => i >= 0).Count() > 0 ? 1 : 0;
}
