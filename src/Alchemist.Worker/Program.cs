namespace Alchemist.Worker;

public static class Program
{
    public static int Main(string[] args) => Alchemist.Programs.Isolation.WorkerHost.Run(args);
}
