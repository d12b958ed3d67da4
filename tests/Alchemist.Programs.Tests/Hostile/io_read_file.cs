// Attempts: reads /etc/passwd and labels by its contents.
// Must be rejected at verify time.
// expect: verify "cannot read or write files"

public static int Label(string text)
{
    var secrets = System.IO.File.ReadAllText("/etc/passwd");
    return secrets.Contains(text) ? 1 : 0;
}
