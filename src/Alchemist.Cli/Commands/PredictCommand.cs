using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Alchemist.Data;
using Alchemist.Pipeline;
using Alchemist.Spec;

namespace Alchemist.Cli.Commands;

/// <summary><c>alchemist predict &lt;project&gt; &lt;file&gt;</c>: labels new rows with the project's saved end model.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder, after `alchemist run`." };
        var file = new Argument<FileInfo>("file") { Description = "Rows to label: CSV, JSONL or a WRENCH split file with the project's input fields." };
        var format = new Option<string?>("--format") { Description = "wrench, csv or jsonl (default: from the file's extension)." };
        var output = new Option<FileInfo?>("--output") { Description = "Write JSON lines here instead of standard output." };
        var command = new Command("predict", "Label the rows of a file with the project's end model; prints one JSON line per row (id, label, probabilities).")
        {
            project,
            file,
            format,
            output,
        };
        command.SetAction(result => Run(result.GetValue(project)!, result.GetValue(file)!, result.GetValue(format), result.GetValue(output)));
        return command;
    }

    private static EndModel.EndModel LoadModel(string folder)
    {
        try
        {
            return EndModel.EndModel.Load(folder);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or FormatException or NotSupportedException
                                  || (e is IOException && e is not FileNotFoundException))
        {
            // `run` would reuse these outputs while nothing else changed, so only --force trains the model again.
            throw new UserError($"{folder}: the saved end model cannot be read ({e.Message}); run `alchemist run --force` to train it again", folder, inner: e);
        }
    }

    private static int Run(DirectoryInfo project, FileInfo file, string? format, FileInfo? output)
    {
        var spec = SpecReader.Load(project.FullName);
        // A run publishing a new out/ while this reads the end model from it would give labels of neither run.
        using var projectLock = ProjectLock.Acquire(spec.ProjectDirectory);
        var modelFolder = Path.Combine(spec.ProjectDirectory, RunPipeline.OutputFolder, "model");
        var model = LoadModel(modelFolder);
        if (model.Classes != spec.Classes.Count)
        {
            throw new UserError($"{modelFolder}: the end model predicts {model.Classes} classes, the spec lists {spec.Classes.Count}; run `alchemist run` again");
        }

        if (!file.Exists)
        {
            throw new FileNotFoundException($"file not found: {file.FullName}");
        }

        var fields = SpecData.FieldMap(spec) with { LabelField = null };
        format ??= Dataset.GuessFormat(file.FullName);

        // Labels are not read here, so a WRENCH file needs no label.json beside it: the project's classes stand in.
        var source = format == "wrench" && File.Exists(file.FullName)
            ? new WrenchSource(file.FullName, spec.ClassNames)
            : Dataset.OpenFile(file.FullName, format, fields);
        var rows = source.ReadAll();
        SpecData.RequireInputs(spec, source.Path, rows);
        var split = new DataSplit("predict", source, rows, spec.ClassNames);
        if (model.Info.Input != EndModelStage.InputOf(spec))
        {
            throw new UserError($"{modelFolder}: the end model reads {model.Info.Input}, the spec's inputs need {EndModelStage.InputOf(spec)}; run `alchemist run` again");
        }

        var probabilities = EndModelStage.Predict(model, RowText.Of(spec, split), () => EndModelStage.NumberFeatures(spec, split));
        var labels = Evaluation.ClassificationMetrics.ArgMax(probabilities, model.Classes);
        if (output is not null)
        {
            Directory.CreateDirectory(output.DirectoryName!);
        }

        // Console.Out is not ours to dispose: a caller in this process (a test, a script host) goes on writing to it.
        using var outputFile = output is null ? null : new StreamWriter(output.FullName);
        var writer = outputFile ?? Console.Out;
        for (var r = 0; r < rows.Count; r++)
        {
            var probabilitiesByClass = new Dictionary<string, double>();
            for (var c = 0; c < model.Classes; c++)
            {
                probabilitiesByClass[spec.ClassNames[c]] = Math.Round(probabilities[(r * model.Classes) + c], 5);
            }

            writer.WriteLine(JsonSerializer.Serialize(new { id = rows.RowIds[r], label = spec.ClassNames[labels[r]], probabilities = probabilitiesByClass }));
        }

        if (output is not null)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"labeled {rows.Count} rows into {output.FullName}"));
        }

        return 0;
    }
}
