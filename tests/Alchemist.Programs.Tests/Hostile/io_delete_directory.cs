// Attempts: deletes the user's home directory.
// Must be rejected at verify time.
// expect: verify "cannot read or write files"

public static int Label(string text)
{
    System.IO.Directory.Delete(System.IO.Path.GetTempPath(), recursive: true);
    return 0;
}
