// Attempts: writes every row it sees to a file in /tmp (data exfiltration).
// Must be rejected at verify time.
// expect: verify "cannot read or write files"

using System.IO;

public static int Label(string text)
{
    File.AppendAllText("/tmp/stolen.txt", text + "\n");
    return -1;
}
