// Attempts: prints rows to the console (corrupts the JSON output of the run).
// Must be rejected at verify time.
// expect: verify "cannot print"

public static int Label(string text)
{
    Console.WriteLine("{\"label\": 1}");
    return text.Contains("free") ? 1 : -1;
}
