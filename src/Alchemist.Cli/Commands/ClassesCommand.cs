using System.CommandLine;
using Alchemist.Pipeline;
using Alchemist.Spec;

namespace Alchemist.Cli.Commands;

/// <summary>
/// <c>alchemist classes &lt;list|rename|add|remove|merge|split&gt; &lt;project&gt; ...</c>: changes a project's classes after
/// its data were labeled and its programs written (<see cref="ProjectClasses"/>), so a small schema change is not a rerun
/// from scratch.
/// </summary>
internal static class ClassesCommand
{
    public static Command Create()
    {
        var command = new Command("classes", "Show or change the task's classes: rename, add, remove, merge or split them. Programs are rewritten mechanically (old versions kept in .alchemist/history), and the data's gold labels keep their meaning (data.classes, data_labels).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Edit("rename", "Rename a class; its programs and gold rows stay its own, and its name changes in the programs' comments.",
            [Name("class", "The class to rename."), Name("new-name", "Its new name.")], null,
            (values, _) => new RenameClass(values[0], values[1])));
        var description = new Option<string?>("--description") { Description = "What belongs in the class, for prompts and reports." };
        command.Subcommands.Add(Edit("add", "Add a class (last in the order). No data row is gold for it yet; the next `alchemist run` asks the LLM, when one is configured, for programs for it.",
            [Name("class", "The new class's name.")], description,
            (values, text) => new AddClass(values[0], text)));
        command.Subcommands.Add(Edit("remove", "Remove a class: its gold rows lose their label, its programs' votes for it become abstentions, and programs that vote only it move to programs/disabled/.",
            [Name("class", "The class to remove.")], null,
            (values, _) => new RemoveClass(values[0])));
        var into = new Option<string>("--into") { Description = "The merged class's name (may be one of the merged names).", Required = true };
        var merged = new Argument<string[]>("classes") { Description = "The classes to merge (two or more).", Arity = new ArgumentArity(2, 127) };
        command.Subcommands.Add(Merge(merged, into, description));
        var parts = new Option<string[]>("--into") { Description = "The new classes' names (two or more); the first takes the split class's place.", Required = true, AllowMultipleArgumentsPerToken = true };
        command.Subcommands.Add(Split(parts));
        return command;
    }

    private static Argument<string> Name(string name, string description) => new(name) { Description = description };

    private static Argument<DirectoryInfo> ProjectArgument() => new("project") { Description = "The project folder (with alchemist.yaml)." };

    private static Command List()
    {
        var project = ProjectArgument();
        var command = new Command("list", "List the classes, with the data labels each one takes.") { project };
        command.SetAction(result =>
        {
            var spec = SpecReader.Load(result.GetValue(project)!.FullName);
            var mapping = ClassMapping.Of(spec);
            for (var k = 0; k < spec.Classes.Count; k++)
            {
                var gold = mapping is null ? spec.ClassNames[k]
                    : string.Join(", ", mapping.DataToSpec.Select((s, d) => (s, d)).Where(p => p.s == k).Select(p => mapping.DataClasses[p.d])) is { Length: > 0 } labels ? labels : "(no data label yet)";
                Console.Out.WriteLine($"{k,3}  {spec.Classes[k].Name,-24} gold: {gold}{(spec.Classes[k].Description is { } d ? $"  - {d}" : "")}");
            }

            return 0;
        });
        return command;
    }

    private static Command Edit(string verb, string description, Argument<string>[] names, Option<string?>? text, Func<string[], string?, ClassEdit> edit)
    {
        var project = ProjectArgument();
        var command = new Command(verb, description) { project };
        foreach (var name in names)
        {
            command.Arguments.Add(name);
        }

        if (text is not null)
        {
            command.Options.Add(text);
        }

        command.SetAction(result => Report(result.GetValue(project)!, edit([.. names.Select(n => result.GetValue(n)!)], text is null ? null : result.GetValue(text))));
        return command;
    }

    private static Command Merge(Argument<string[]> merged, Option<string> into, Option<string?> description)
    {
        var project = ProjectArgument();
        var command = new Command("merge", "Merge classes into one: their gold rows and their programs' votes all count for it.") { project, merged, into, description };
        command.SetAction(result => Report(result.GetValue(project)!, new MergeClasses(result.GetValue(merged)!, result.GetValue(into)!, result.GetValue(description))));
        return command;
    }

    private static Command Split(Option<string[]> parts)
    {
        var project = ProjectArgument();
        var name = Name("class", "The class to split.");
        var command = new Command("split", "Split a class into several: its gold rows lose their label and its programs' votes for it become abstentions until programs for the parts are written (the next `alchemist run` asks the LLM, when one is configured) and rows are labeled again.") { project, name, parts };
        command.SetAction(result => Report(result.GetValue(project)!, new SplitClass(result.GetValue(name)!, result.GetValue(parts)!)));
        return command;
    }

    private static int Report(DirectoryInfo project, ClassEdit edit)
    {
        var result = ProjectClasses.Change(project.FullName, edit);
        var output = Console.Out;
        output.WriteLine($"classes: {string.Join(", ", result.Before)} -> {string.Join(", ", result.After)}");
        foreach (var group in result.Programs.GroupBy(p => p.Kind).OrderBy(g => g.Key))
        {
            var label = group.Key switch
            {
                ProgramChangeKind.Mapped => "votes mapped",
                ProgramChangeKind.Disabled => "disabled",
                _ => "code unchanged",
            };
            output.WriteLine($"  {label}: {group.Count()} program(s)");
            if (group.Key != ProgramChangeKind.Kept || group.Any(p => p.Detail != "unchanged"))
            {
                foreach (var program in group.Where(p => p.Detail != "unchanged"))
                {
                    output.WriteLine($"    {program.Name}: {program.Detail}");
                }
            }
        }

        foreach (var label in result.UnlabeledGold)
        {
            Console.Error.WriteLine($"warning: rows the data label '{label}' is gold for have no gold label now; label them again with the new classes to measure on them");
        }

        var spec = SpecReader.Load(project.FullName);
        foreach (var cls in result.NeedPrograms)
        {
            Console.Error.WriteLine(spec.Llm.Provider == LlmProvider.Offline
                ? $"warning: no program votes {cls}; write one (alchemist studio), or label valid rows {cls} so the offline synthesizer can learn from them"
                : $"note: no program votes {cls}; the next `alchemist run` asks the LLM ({spec.Llm.Provider.ToString().ToLowerInvariant()}) for programs for it (at most synthesis.follow_up_calls = {spec.Synthesis.FollowUpCalls} call(s))");
        }

        output.WriteLine($"run `alchemist run {project}` to apply the changed programs and label with the new classes (unchanged programs' columns are reused)");
        return 0;
    }
}
