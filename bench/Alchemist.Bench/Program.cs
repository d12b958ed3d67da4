namespace Alchemist.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: bench/run <benchmark> [options]");
        return 2;
    }
}
