// Attempts: declares a finalizer that runs on the GC thread outside any budget.
// Must be rejected at verify time.
// expect: verify "finalizers"

public class Sneaky
{
    ~Sneaky()
    {
        while (true) { }
    }
}

public static int Label(string text)
{
    _ = new Sneaky();
    return 0;
}
