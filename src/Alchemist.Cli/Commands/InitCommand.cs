using System.CommandLine;
using Alchemist.Pipeline;

namespace Alchemist.Cli.Commands;

/// <summary><c>alchemist init &lt;dir&gt; --data &lt;file&gt; ...</c>: creates a project folder with an alchemist.yaml that refers to the data.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder to create (it may exist, but must not hold an alchemist.yaml)." };
        var data = new Option<FileInfo>("--data") { Description = "The data: a WRENCH folder or its train.json (valid.json and test.json beside it are used too), or one CSV or JSONL file split by a seeded rule.", Required = true };
        var valid = new Option<FileInfo?>("--valid") { Description = "A separate valid file (CSV or JSONL); then --data is the train file." };
        var test = new Option<FileInfo?>("--test") { Description = "A separate test file (CSV or JSONL)." };
        var format = new Option<string?>("--format") { Description = "wrench, csv, jsonl or parquet (default: from the extension)." };
        var textField = new Option<string[]>("--text-field") { Description = "The text field(s) programs read (default: text).", AllowMultipleArgumentsPerToken = true };
        var numberField = new Option<string[]>("--number-field") { Description = "Numeric feature field(s) programs read.", AllowMultipleArgumentsPerToken = true };
        var labelField = new Option<string?>("--label-field") { Description = "The field with gold labels, if the data has them (class index or name)." };
        var idField = new Option<string?>("--id-field") { Description = "A field with a unique id per row, used in the labels written (default: the row's position)." };
        var classes = new Option<string?>("--classes") { Description = "Class names in class-index order, comma separated (default for WRENCH: label.json)." };
        var name = new Option<string?>("--name") { Description = "Project name (default: the folder's name)." };
        var description = new Option<string?>("--description") { Description = "What the task is, in a sentence or two; LLM prompts use it." };
        var command = new Command("init", "Create a project: an alchemist.yaml naming the data, its fields and classes (offline synthesis until an LLM is configured).")
        {
            project, data, valid, test, format, textField, numberField, labelField, idField, classes, name, description,
        };
        command.SetAction(result => Run(
            result.GetValue(project)!, result.GetValue(data)!, result.GetValue(valid), result.GetValue(test), result.GetValue(format),
            result.GetValue(textField) ?? [], result.GetValue(numberField) ?? [], result.GetValue(labelField), result.GetValue(idField), result.GetValue(classes),
            result.GetValue(name), result.GetValue(description)));
        return command;
    }

    private static int Run(DirectoryInfo project, FileInfo data, FileInfo? valid, FileInfo? test, string? format, string[] textFields, string[] numberFields, string? labelField, string? idField, string? classList, string? name, string? description)
    {
        var file = ProjectInit.Create(project.FullName, new NewProject
        {
            Data = data.FullName,
            Valid = valid?.FullName,
            Test = test?.FullName,
            Format = format,
            TextFields = textFields,
            NumberFields = numberFields,
            LabelField = labelField,
            IdField = idField,
            Classes = classList,
            Name = name,
            Description = description,
        });
        Console.Out.WriteLine($"created {file}; next: alchemist run {project.FullName}");
        return 0;
    }
}
