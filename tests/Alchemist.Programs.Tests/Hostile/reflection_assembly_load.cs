// Attempts: loads an assembly from disk.
// Must be rejected at verify time.
// expect: verify "reflection"

public static int Label(string text)
{
    var assembly = System.Reflection.Assembly.LoadFrom("/tmp/payload.dll");
    return assembly.GetTypes().Length;
}
