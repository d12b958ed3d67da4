// Attempts: walks the methods of a runtime type from an instance.
// Must be rejected at verify time.
// expect: verify "reflection"

public static int Label(string text)
{
    var methods = text.GetType().GetMethods();
    return methods.Length > 100 ? 1 : 0;
}
