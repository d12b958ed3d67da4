// Attempts: declares its own Alchemist.Programs.Runtime.Budget so that the injected budget calls bind to a no-op.
// Must be rejected at verify time.
// expect: verify "reserved for the library and the sandbox"

namespace Alchemist.Programs.Runtime
{
    public static class Budget
    {
        public static void Enter() { }
        public static void Steps(int count) { }
        public static bool MayCatch(System.Exception e) => true;
    }
}

public static class Spinner
{
    public static int Label(string text)
    {
        while (true) { }
    }
}
