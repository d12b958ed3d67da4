using Alchemist.Data;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>What a new project is made of; the names follow <c>alchemist init</c>'s options, which error messages quote.</summary>
public sealed record NewProject
{
    /// <summary>A WRENCH folder or its train.json (valid.json and test.json beside it are used too), or one CSV or JSONL file.</summary>
    public required string Data { get; init; }

    /// <summary>A separate valid file (CSV or JSONL); then <see cref="Data"/> is the train file.</summary>
    public string? Valid { get; init; }

    /// <summary>A separate test file (CSV or JSONL).</summary>
    public string? Test { get; init; }

    /// <summary>wrench, csv, jsonl or parquet; null guesses it from the extension.</summary>
    public string? Format { get; init; }

    /// <summary>The text fields programs read; with no number fields either, "text".</summary>
    public IReadOnlyList<string> TextFields { get; init; } = [];

    /// <summary>Numeric feature fields programs read.</summary>
    public IReadOnlyList<string> NumberFields { get; init; } = [];

    /// <summary>The field with gold labels (class index or name), if the data has them.</summary>
    public string? LabelField { get; init; }

    /// <summary>A field with a unique id per row; null identifies rows by position.</summary>
    public string? IdField { get; init; }

    /// <summary>Class names in index order, comma separated; null reads a WRENCH folder's label.json.</summary>
    public string? Classes { get; init; }

    /// <summary>The project's name; null takes the folder's.</summary>
    public string? Name { get; init; }

    /// <summary>What the task is, in a sentence or two; LLM prompts use it.</summary>
    public string? Description { get; init; }
}

/// <summary>Creates a project folder with an alchemist.yaml that refers to the data, checked by reading the data once.</summary>
public static class ProjectInit
{
    /// <summary>
    /// Writes the project's spec and returns its path. On any error nothing is left behind (neither the spec nor a folder
    /// that this call made), so that the corrected call does not fail with "already exists".
    /// </summary>
    public static string Create(string projectDirectory, NewProject options)
    {
        projectDirectory = Path.GetFullPath(projectDirectory);
        var file = Path.Combine(projectDirectory, TaskSpec.FileName);
        var folderExisted = Directory.Exists(projectDirectory);
        var written = false;
        try
        {
            var spec = Build(projectDirectory, options);

            // Fields that programs could not read (two that would be one member of the row record) fail here, not at `run`.
            _ = ProjectApply.SignatureFor(spec);
            SpecWriter.Save(spec, file);
            written = true;
            SpecData.LoadDataset(SpecReader.Load(projectDirectory));
            return file;
        }
        catch
        {
            RemoveCreated(written ? file : null, projectDirectory, folderExisted);
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
            // The first error is the one to report, so this one must not replace it; a spec left behind makes the next init
            // say that it exists, which names the file to delete.
        }
    }

    /// <summary>The spec for a new project; data paths are written relative to the project folder.</summary>
    private static TaskSpec Build(string projectDirectory, NewProject options)
    {
        var (data, valid, test, format) = (Path.GetFullPath(options.Data), FullOrNull(options.Valid), FullOrNull(options.Test), options.Format);
        var (textFields, numberFields, labelField, idField) = (options.TextFields, options.NumberFields, options.LabelField, options.IdField);
        var (classList, name, description) = (options.Classes, options.Name, options.Description);
        projectDirectory = Path.GetFullPath(projectDirectory);
        if (File.Exists(projectDirectory))
        {
            throw new UserError($"{projectDirectory} is a file; name a folder for the project");
        }

        if (File.Exists(Path.Combine(projectDirectory, TaskSpec.FileName)))
        {
            throw new UserError($"{Path.Combine(projectDirectory, TaskSpec.FileName)} already exists; edit it, or init another folder");
        }

        // An image project needs its extractor's four model files and concepts, which init does not ask for: it is written by
        // hand, and said so here rather than as a WRENCH folder missing its train.json or a text project over file paths.
        if (format == "images")
        {
            throw new UserError($"--format images: init does not write image projects; copy examples/fruit-ripeness/{TaskSpec.FileName} and point its data and extractor at yours (docs/images.md: the extractor, its model files and concepts)");
        }

        if (Directory.Exists(data))
        {
            // A WRENCH folder stands for its train.json, as a folder does for `predict --format wrench`.
            data = File.Exists(Path.Combine(data, "train.json"))
                ? Path.Combine(data, "train.json")
                : throw new FileNotFoundException($"--data: {data} is a folder without a train.json; name a CSV or JSONL file, or a WRENCH folder or its train.json (a folder of images is an image project, which init does not write: see docs/images.md)");
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

    private static string? FullOrNull(string? path) => path is null ? null : Path.GetFullPath(path);

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
