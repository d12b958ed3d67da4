// Attempts: creates an arbitrary object by type name.
// Must be rejected at verify time.
// expect: verify "reflection"

public static int Label(string text)
{
    var handle = Activator.CreateInstance("System.Diagnostics.Process", "System.Diagnostics.Process");
    return handle is null ? 0 : 1;
}
