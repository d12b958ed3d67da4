using System.CommandLine;
using Alchemist.Data;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

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
        var format = new Option<string?>("--format") { Description = "wrench, csv or jsonl (default: from the extension)." };
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
        var file = Path.Combine(project.FullName, TaskSpec.FileName);
        var folderExisted = Directory.Exists(project.FullName);
        var written = false;
        try
        {
            var spec = Build(project.FullName, data.FullName, valid?.FullName, test?.FullName, format, textFields, numberFields, labelField, idField, classList, name, description);

            // Fields that programs could not read (two that would be one member of the row record) fail here, not at `run`.
            _ = ProjectApply.SignatureFor(spec);
            SpecWriter.Save(spec, file);
            written = true;
            SpecData.LoadDataset(SpecReader.Load(project.FullName));
            Console.Out.WriteLine($"created {file}; next: alchemist run {project.FullName}");
            return 0;
        }
        catch
        {
            // A spec or folder left behind would make the corrected `init` fail with "already exists"; the error itself is
            // reported where every command's is (Program).
            RemoveCreated(written ? file : null, project.FullName, folderExisted);
            throw;
        }
    }

    /// <summary>Removes the spec init wrote (when it got that far) and the project folder if init made it and it is empty.</summary>
    private static void RemoveCreated(string? file, string folder, bool folderExisted)
    {
        try
        {
            if (file is not null)
            {
                File.Delete(file);
            }

            if (!folderExisted && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"init: could not remove {file ?? folder} ({e.Message}); delete it before the next init");
        }
    }

    /// <summary>The spec for a new project; data paths are written relative to the project folder.</summary>
    internal static TaskSpec Build(string projectDirectory, string data, string? valid, string? test, string? format, IReadOnlyList<string> textFields, IReadOnlyList<string> numberFields, string? labelField, string? idField, string? classList, string? name, string? description)
    {
        if (File.Exists(projectDirectory))
        {
            throw new UserError($"{projectDirectory} is a file; name a folder for the project");
        }

        if (File.Exists(Path.Combine(projectDirectory, TaskSpec.FileName)))
        {
            throw new UserError($"{Path.Combine(projectDirectory, TaskSpec.FileName)} already exists; edit it, or init another folder");
        }

        if (Directory.Exists(data))
        {
            // A WRENCH folder stands for its train.json, as a folder does for `predict --format wrench`.
            data = File.Exists(Path.Combine(data, "train.json"))
                ? Path.Combine(data, "train.json")
                : throw new FileNotFoundException($"--data: {data} is a folder without a train.json; name a CSV or JSONL file, or a WRENCH folder or its train.json");
        }

        if (!File.Exists(data))
        {
            throw new FileNotFoundException($"data file not found: {data}");
        }

        var formatGiven = format is not null;
        format ??= Dataset.GuessFormat(data);
        if (!SpecReader.DataFormats.Contains(format))
        {
            throw new UserError($"--format: '{format}' is not one of {string.Join(", ", SpecReader.DataFormats)}");
        }

        foreach (var (option, path) in new[] { ("--valid", valid), ("--test", test) })
        {
            if (path is null)
            {
                continue;
            }

            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{option}: file not found: {path}");
            }

            // The spec has one format for all its files; a JSONL valid file read as CSV fails with a baffling CSV error.
            if (!formatGiven && FormatOf(path) is { } other && other != format)
            {
                throw new UserError($"{option}: {path} is {other} but --data {data} is {format}; a project's files share one format, so convert one of them");
            }
        }

        Directory.CreateDirectory(projectDirectory);
        string Relative(string path) => Path.GetRelativePath(projectDirectory, path).Replace('\\', '/');
        IReadOnlyList<string> classNames;
        DataSpec dataSpec;
        if (format == "wrench")
        {
            if (idField is not null)
            {
                throw new UserError("--id-field: WRENCH rows are identified by their keys in the split file; leave it out");
            }

            var folder = Path.GetDirectoryName(data)!;
            var labelJson = Path.Combine(folder, "label.json");
            classNames = classList is not null ? Split(classList)
                : File.Exists(labelJson) ? ClassLabels.ReadLabelJson(labelJson)
                : throw new UserError($"no --classes given and no label.json beside {data}");
            if (classList is not null && File.Exists(labelJson) && ClassLabels.ReadLabelJson(labelJson) is var known
                && !known.SequenceEqual(classNames, StringComparer.OrdinalIgnoreCase))
            {
                throw new UserError($"--classes: {string.Join(", ", classNames)} differ from {labelJson}, which has {string.Join(", ", known)} (in index order); leave --classes out to use them");
            }

            string? Beside(string split) => File.Exists(Path.Combine(folder, split + ".json")) ? Relative(Path.Combine(folder, split + ".json")) : null;
            dataSpec = new DataSpec { Format = "wrench", Train = Relative(data), Valid = valid is null ? Beside("valid") : Relative(valid), Test = test is null ? Beside("test") : Relative(test), LabelField = "label" };
            textFields = textFields.Count == 0 && numberFields.Count == 0 ? ["text"] : textFields;
        }
        else
        {
            classNames = classList is not null ? Split(classList) : throw new UserError("--classes is required for CSV and JSONL data (class names in index order)");
            dataSpec = valid is null && test is null
                ? new DataSpec { Format = format, File = Relative(data), Split = new SplitSpec(), LabelField = labelField, IdField = idField }
                : new DataSpec { Format = format, Train = Relative(data), Valid = valid is null ? null : Relative(valid), Test = test is null ? null : Relative(test), LabelField = labelField, IdField = idField };
            textFields = textFields.Count == 0 && numberFields.Count == 0 ? ["text"] : textFields;
        }

        if (classNames.Count < 2)
        {
            throw new UserError($"a task needs at least two classes; got {string.Join(", ", classNames)}");
        }

        if (classNames.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UserError($"--classes: {string.Join(" and ", twice.Select(c => $"'{c}'"))} name the same class (class names ignore case)");
        }

        if (textFields.Concat(numberFields).Concat(new[] { labelField, idField }.OfType<string>()).GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } field)
        {
            throw new UserError($"field '{field.Key}' is named twice among --text-field, --number-field, --label-field and --id-field");
        }

        var projectName = name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDirectory)));
        return new TaskSpec
        {
            Name = projectName,
            Description = description ?? $"Classify each row as one of: {string.Join(", ", classNames)}.",
            Inputs = [.. textFields.Select(f => new InputField(f, InputType.Text)), .. numberFields.Select(f => new InputField(f, InputType.Number))],
            Classes = [.. classNames.Select(c => new ClassSpec(c))],
            Data = dataSpec,
            ProjectDirectory = projectDirectory,
        };
    }

    private static string? FormatOf(string path)
    {
        try
        {
            return Dataset.GuessFormat(path);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
