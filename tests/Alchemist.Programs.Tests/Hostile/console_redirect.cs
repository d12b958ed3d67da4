// Attempts: replaces Console.Out for the whole process.
// Must be rejected at verify time.
// expect: verify "cannot print"

public static int Label(string text)
{
    Console.SetOut(System.IO.TextWriter.Null);
    return -1;
}
