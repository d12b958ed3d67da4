// Attempts: uses typeof and reflection to read a private field.
// Must be rejected at verify time.
// expect: verify "reflection"

using System.Reflection;

public static int Label(string text)
{
    var field = typeof(string).GetField("_stringLength", BindingFlags.NonPublic | BindingFlags.Instance);
    return (int)field.GetValue(text) > 10 ? 1 : 0;
}
