// Attempts: declares a class Alchemist in the global namespace with nested Programs.Runtime.Budget, so that the calls the rewriter injects (global::Alchemist.Programs.Runtime.Budget...) bind to the program's own do-nothing budget.
// expect: verify "would shadow the Alchemist namespace"

public static class Alchemist
{
    public static class Programs
    {
        public static class Runtime
        {
            public static class Budget
            {
                public static void Enter() { }
                public static void Tick() { }
                public static void Steps(int count) { }
                public static bool MayCatch(System.Exception e) => true;
                public static System.TimeSpan RegexTimeout => System.TimeSpan.FromDays(1);
            }
        }
    }
}

public static class Program
{
    public static int Label(string text)
    {
        var n = 0L;
        for (var i = 0L; i < 1L << 40; i++) { n += i; }
        return n > 0 ? 1 : 0;
    }
}
