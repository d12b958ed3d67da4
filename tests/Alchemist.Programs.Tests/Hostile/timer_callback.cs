// Attempts: starts a timer that fires forever.
// Must be rejected at verify time.
// expect: verify "one thread"

public static int Label(string text)
{
    var timer = new System.Threading.Timer(_ => { }, null, 0, 1);
    return 0;
}
