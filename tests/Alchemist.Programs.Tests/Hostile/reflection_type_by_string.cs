// Attempts: finds System.IO.File by name and deletes a file through reflection.
// Must be rejected at verify time.
// expect: verify "reflection"

public static int Label(string text)
{
    var type = Type.GetType("System.IO.File");
    type.GetMethod("Delete").Invoke(null, new object[] { "/tmp/important" });
    return 1;
}
