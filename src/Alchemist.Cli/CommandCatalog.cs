using System.CommandLine;

namespace Alchemist.Cli;

/// <summary>Every top-level command of the tool, one line each; each command lives in its own file under Commands/.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return Commands.InitCommand.Create();
        yield return Commands.RunCommand.Create();
        yield return Commands.PredictCommand.Create();
        yield return Commands.ApplyCommand.Create();
        yield return Commands.ExtractCommand.Create();
        yield return Commands.LabelModelCommand.Create();
        yield return Commands.SynthesizeCommand.Create();
        yield return Commands.CostCommand.Create();
        yield return Commands.StudioCommand.Create();
        yield return Commands.ClassesCommand.Create();
        yield return Commands.ClusterCommand.Create();
    }
}
