using System.CommandLine;
using System.Globalization;
using Alchemist.Pipeline;
using Alchemist.Spec;

namespace Alchemist.Cli.Commands;

/// <summary><c>alchemist predict &lt;project&gt; &lt;file&gt;</c>: labels new rows with the project's saved end model or its whole final-label rule.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder, after `alchemist run`." };
        var file = new Argument<FileInfo>("file") { Description = "Rows to label: CSV, JSONL or a WRENCH split file with the project's input fields." };
        var format = new Option<string?>("--format") { Description = "The rows' format: wrench, csv, jsonl or parquet (default: from the file's extension)." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the labels here instead of standard output (written whole or not at all)." };
        var outputFormat = new Option<LabelFileFormat?>("--output-format") { Description = "csv, jsonl or parquet (default: from --output's extension, else jsonl)." };
        var rule = new Option<string>("--rule")
        {
            Description = "end-model: the saved end model alone (fastest); final: as `run` made its final labels, with the programs in the sandbox and the label model where they vote, the end model elsewhere.",
            DefaultValueFactory = _ => EndModelRule,
        };
        rule.AcceptOnlyFromAmong(EndModelRule, FinalRule);
        var command = new Command("predict", "Label the rows of a file of any size with the project's end model, or as `run` labels (--rule final): one line per row (id, label, each class's probability), as JSON lines or CSV.")
        {
            project,
            file,
            format,
            output,
            outputFormat,
            rule,
        };
        command.SetAction((result, cancellation) => Task.FromResult(Run(
            result.GetValue(project)!, result.GetValue(file)!, result.GetValue(format), result.GetValue(output), result.GetValue(outputFormat), result.GetValue(rule) == FinalRule, cancellation)));
        return command;
    }

    private const string EndModelRule = "end-model";
    private const string FinalRule = "final";

    /// <summary>A bar where standard error is a terminal, else a line every 2 s with the count and rate.</summary>
    private static IProgress<long> Progress(IProgress<StageProgress>? bars) =>
        bars is null ? new RowsProgress(Program.Progress, "predict", TimeSpan.FromSeconds(2)) : new RowsToStage(bars);

    private static int Run(DirectoryInfo project, FileInfo file, string? format, FileInfo? output, LabelFileFormat? outputFormat, bool finalRule, CancellationToken cancellation)
    {
        var spec = SpecReader.Load(project.FullName);
        // A run publishing a new out/ while this reads the end model from it would give labels of neither run.
        using var projectLock = ProjectLock.Acquire(spec.ProjectDirectory);
        void Warn(string line) => Console.Error.WriteLine("predict: warning: " + line);
        using var predictor = finalRule ? Predictor.OpenFinalRule(spec, warn: Warn) : Predictor.Open(spec);
        var source = Predictor.OpenRows(spec, file.FullName, format, Warn);
        var writeAs = outputFormat
            ?? (output?.Extension.ToLowerInvariant() switch
            {
                ".csv" => LabelFileFormat.Csv,
                ".parquet" => LabelFileFormat.Parquet,
                _ => LabelFileFormat.Jsonl,
            });
        if (output is null && writeAs == LabelFileFormat.Parquet)
        {
            // Parquet ends with its footer, which names where each column went: a file, not a stream to read as it comes.
            throw new UserError("Parquet labels are written to a file: name it with --output (for example --output labels.parquet)");
        }

        if (output is null)
        {
            // Console.Out is not ours to close: a caller in this process (a test, a script host) goes on writing to it.
            StageDisplay.Run((_, bars) => predictor.Write(source, new TextWriterStream(Console.Out), writeAs, Progress(bars), cancellation));
            return 0;
        }

        long rows = 0;
        StageDisplay.Run((_, bars) =>
        {
            AtomicFile.Write(output.FullName, stream => rows = predictor.Write(source, stream, writeAs, Progress(bars), cancellation), durable: false);
            return rows;
        });
        Program.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"labeled {rows:N0} rows into {output.FullName}"));
        return 0;
    }

    private sealed class RowsToStage(IProgress<StageProgress> bars) : IProgress<long>
    {
        public void Report(long value) => bars.Report(new StageProgress("predict", value, null, "rows"));
    }
}
