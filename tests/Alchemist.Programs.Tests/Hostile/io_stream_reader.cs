// Attempts: opens a FileStream through StreamReader.
// Must be rejected at verify time.
// expect: verify "cannot read or write files"

using System.IO;

public static int Label(string text)
{
    using var reader = new StreamReader(new FileStream("/proc/self/environ", FileMode.Open));
    return reader.ReadToEnd().Length > 0 ? 1 : 0;
}
