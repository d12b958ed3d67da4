using System.CommandLine;

namespace Alchemist.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Alchemist: an LLM writes labeling programs once; they label any amount of data locally.");
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args).Invoke();
    }
}
