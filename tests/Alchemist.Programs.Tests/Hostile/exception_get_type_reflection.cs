// Attempts: takes a System.Type from an exception's GetType (Exception declares its own GetType) to reach reflection.
// expect: verify "reflection"

public static int Label(string text)
{
    try
    {
        throw new System.InvalidOperationException();
    }
    catch (System.InvalidOperationException e)
    {
        return e.GetType().Assembly.GetTypes().Length % 2;
    }
}
