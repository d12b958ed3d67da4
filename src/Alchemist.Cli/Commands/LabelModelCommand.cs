using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Pipeline;
using Alchemist.Spec;
using Spectre.Console;

namespace Alchemist.Cli.Commands;

/// <summary>
/// <c>alchemist labelmodel eval</c>: fit label models on train votes (never train labels), score them on test;
/// <c>alchemist labelmodel analyze</c>: the per-program table of one split.
/// </summary>
internal static class LabelModelCommand
{
    private static readonly string[] ModelChoices = ["all", .. LabelModelCatalog.Names, LabelModelCatalog.Auto];

    public static Command Create()
    {
        var command = new Command("labelmodel", "Combine the votes of labeling programs with label models, and inspect the programs.");
        command.Subcommands.Add(CreateEval());
        command.Subcommands.Add(CreateAnalyze());
        return command;
    }

    /// <summary>
    /// What the models are fitted on: the project as the argument, as every command takes it, or (as before) --data. A
    /// WRENCH folder works either way.
    /// </summary>
    private sealed class DataInput
    {
        public Argument<string?> Argument { get; } = new("project")
        {
            Description = "A project folder whose data `alchemist apply` has labeled, or a WRENCH folder (train/valid/test.json + label.json).",
            Arity = ArgumentArity.ZeroOrOne,
        };

        public Option<string?> Option { get; } = new("--data") { Description = "The same as the project argument (kept for scripts that name it)." };

        public void AddTo(Command command)
        {
            command.Arguments.Add(Argument);
            command.Options.Add(Option);
            command.Validators.Add(result =>
            {
                var given = (result.GetValue(Argument) is null ? 0 : 1) + (result.GetValue(Option) is null ? 0 : 1);
                if (given != 1)
                {
                    result.AddError(given == 0 ? "name the project (or a WRENCH folder) to fit on" : "name the project once: as the argument or with --data, not both");
                }
            });
        }

        public string ValueIn(ParseResult result) => result.GetValue(Argument) ?? result.GetValue(Option)!;
    }

    private static Option<string> BalanceOption()
    {
        var option = new Option<string>("--balance")
        {
            Description = "Class balance the models assume: valid (the class shares of the valid split's gold labels, as `alchemist run` assumes; test labels are never used), " +
                          "estimated (from the train votes: the share of rows each class wins by majority vote, which follows how often each class's programs fire), uniform, " +
                          "or default: valid where the valid split has gold labels, else estimated.",
            DefaultValueFactory = _ => "default",
        };
        option.AcceptOnlyFromAmong("default", SplitName.Valid, "estimated", "uniform");
        return option;
    }

    private static Option<string> MetricOption()
    {
        var option = new Option<string>("--metric")
        {
            Description = $"What auto judges the models by on valid: accuracy, macro_f1, or default: the project's evaluation.metric ({EvaluationSpec.DefaultMetric.SpecName()} for a WRENCH folder).",
            DefaultValueFactory = _ => "default",
        };
        option.AcceptOnlyFromAmong(["default", .. Enum.GetValues<EvaluationMetric>().Select(m => m.SpecName())]);
        return option;
    }

    /// <summary>
    /// What auto ranks by on <paramref name="valid"/>: the option's metric, else the project's. Worst-group accuracy needs
    /// labeled valid rows in groups; without them it is accuracy, said on standard error, as run says it.
    /// </summary>
    private static EvaluationMetric Metric(string name, VotedDataset data, VotedSplit valid)
    {
        var metric = EvaluationMetrics.TryParse(name, out var chosen) ? chosen : data.Metric;
        if (metric == EvaluationMetric.WorstGroup && !valid.HasGroupedGold)
        {
            Console.Error.WriteLine($"warning: worst_group ranks by each group's accuracy, and no labeled valid row of '{data.Name}' has a group (a project's data.group_field; a WRENCH folder has none): auto ranks by accuracy instead");
            return EvaluationMetric.Accuracy;
        }

        return metric;
    }

    private static AutoLabelModel Auto(VotedDataset data, VotedSplit valid, string metricName) =>
        LabelModelCatalog.CreateAuto(valid.Votes, valid.Gold, Metric(metricName, data, valid), classNames: data.ClassNames, validGroups: valid.Groups);

    private static Command CreateEval()
    {
        var data = new DataInput();
        var model = new Option<string>("--model")
        {
            Description = $"Which model: {string.Join(", ", ModelChoices)}. auto picks on the valid split only.",
            DefaultValueFactory = _ => "all",
        };
        model.AcceptOnlyFromAmong(ModelChoices);
        var balance = BalanceOption();
        var metric = MetricOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("eval", "Fit on the train split's votes (without its labels) and evaluate on the test split.")
        {
            model,
            balance,
            metric,
            json,
        };
        data.AddTo(command);
        command.SetAction(result => Eval(data.ValueIn(result), result.GetValue(model)!, result.GetValue(balance)!, result.GetValue(metric)!, result.GetValue(json)));
        return command;
    }

    private static Command CreateAnalyze()
    {
        var data = new DataInput();
        var split = new Option<string>("--split") { Description = "Which split to analyze.", DefaultValueFactory = _ => SplitName.Train };
        split.AcceptOnlyFromAmong([.. SplitName.All]);
        var model = new Option<string>("--model")
        {
            Description = "Label model (fitted on train votes) whose estimated program accuracies fill the 'est. acc' column; auto needs a valid split with gold.",
            DefaultValueFactory = _ => "metal",
        };
        model.AcceptOnlyFromAmong([.. LabelModelCatalog.Names, LabelModelCatalog.Auto]);
        var balance = BalanceOption();
        var metric = MetricOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("analyze", "Per program: polarity, coverage, overlaps, conflicts, and accuracy against gold and as a label model estimates it.")
        {
            split,
            model,
            balance,
            metric,
            json,
        };
        data.AddTo(command);
        command.SetAction(result => Analyze(data.ValueIn(result), result.GetValue(split)!, result.GetValue(model)!, result.GetValue(balance)!, result.GetValue(metric)!, result.GetValue(json)));
        return command;
    }


    /// <summary>The balance a name stands for; "default" resolves to valid where the valid split has gold, else estimated.</summary>
    private static string ResolveBalanceName(string name, VotedDataset data) =>
        name != "default" ? name : data.Splits.GetValueOrDefault(SplitName.Valid) is { HasGold: true } ? SplitName.Valid : "estimated";

    private static ClassBalance Balance(string name, VotedDataset data)
    {
        switch (ResolveBalanceName(name, data))
        {
            case "uniform":
                return ClassBalance.Uniform;
            case SplitName.Valid:
                return ClassBalance.FromGold(data.Require(SplitName.Valid, needGold: true).Gold, data.ClassNames.Count);
            default:
                return ClassBalance.Estimated;
        }
    }

    private static int Eval(string dataPath, string modelName, string balanceName, string metricName, bool json)
    {
        var data = VotedDataset.Load(dataPath);
        var train = data.Require(SplitName.Train, needGold: false);
        var test = data.Require(SplitName.Test, needGold: true);
        var valid = data.Splits.GetValueOrDefault(SplitName.Valid);
        var balance = Balance(balanceName, data);
        var classes = data.ClassNames.Count;

        var rows = new List<EvalRow>();
        foreach (var name in modelName == "all" ? LabelModelCatalog.Names : modelName == LabelModelCatalog.Auto ? [] : [modelName])
        {
            var model = LabelModelCatalog.Create(name);
            rows.Add(Score(model, train, test, balance, classes));
        }

        EvalRow? auto = null;
        string? chosen = null;
        string? autoSkipped = null;
        if (modelName is "all" or LabelModelCatalog.Auto)
        {
            if (valid is { HasGold: true })
            {
                var model = Auto(data, valid, metricName);
                auto = Score(model, train, test, balance, classes);
                chosen = model.Chosen;
                if (model.Warning is { } warning)
                {
                    Console.Error.WriteLine("warning: " + warning);
                }
            }
            else if (modelName == LabelModelCatalog.Auto)
            {
                throw new UserError($"auto chooses on the valid split's gold labels, and data set '{data.Name}' has {(valid is null ? "no valid split" : "no gold labels in its valid split")}");
            }
            else
            {
                autoSkipped = "auto skipped: it needs a valid split with gold labels";
            }
        }

        var coverage = ClassificationMetrics.Coverage(test.Votes);
        if (json)
        {
            WriteEvalJson(data.Name, rows, auto, chosen, classes);
        }
        else
        {
            PrintEvalTable(data, train, test, rows, auto, chosen, coverage, ResolveBalanceName(balanceName, data));
            if (autoSkipped is not null)
            {
                Console.Error.WriteLine(autoSkipped);
            }
        }

        return 0;
    }

    private static EvalRow Score(ILabelModel model, VotedSplit train, VotedSplit test, ClassBalance balance, int classes)
    {
        var clock = Stopwatch.StartNew();
        model.Fit(train.Votes, balance);
        var fitSeconds = clock.Elapsed.TotalSeconds;
        var predicted = LabelModelCatalog.PredictLabels(model, test.Votes);
        var metrics = ClassificationMetrics.Compute(test.Gold, predicted, classes);
        return new EvalRow(model.Name, metrics, fitSeconds, model.Notes);
    }

    private static void PrintEvalTable(VotedDataset data, VotedSplit train, VotedSplit test, List<EvalRow> rows, EvalRow? auto, string? chosen, double coverage, string balance)
    {
        var console = Output();
        var binary = data.ClassNames.Count == 2;
        console.MarkupLineInterpolated($"[bold]{data.Name}[/]: fit on {train.Votes.Rows:N0} train rows x {train.Votes.Programs} programs (no labels), scored on {test.Votes.Rows:N0} test rows");
        var table = new Table();
        table.AddColumn("model");
        table.AddColumn(new TableColumn("accuracy").RightAligned());
        table.AddColumn(new TableColumn("macro-F1").RightAligned());
        if (binary)
        {
            table.AddColumn(new TableColumn(Markup.Escape($"F1 ({data.ClassNames[1]})")).RightAligned());
        }

        table.AddColumn(new TableColumn("coverage").RightAligned());
        table.AddColumn(new TableColumn("fit s").RightAligned());
        var best = rows.Concat(auto is null ? [] : [auto]).Select(r => r.Metrics.Accuracy).DefaultIfEmpty(double.NaN).Max();
        foreach (var row in rows.Concat(auto is null ? [] : [auto]))
        {
            var name = row == auto ? $"auto -> {chosen}" : row.Name;
            var accuracy = Fixed(row.Metrics.Accuracy);
            var cells = new List<string>
            {
                Markup.Escape(name),
                row.Metrics.Accuracy == best ? $"[bold]{accuracy}[/]" : accuracy,
                Fixed(row.Metrics.MacroF1),
            };
            if (binary)
            {
                cells.Add(Fixed(row.Metrics.F1Class1));
            }

            cells.Add(Fixed(coverage));
            cells.Add(row.FitSeconds.ToString("0.000", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }

        console.Write(table);
        console.MarkupLineInterpolated($"[grey]coverage: share of test rows with at least one vote (rows without votes get the class prior). Class balance: {balance}.[/]");
        foreach (var row in rows)
        {
            foreach (var note in row.Notes)
            {
                console.MarkupLineInterpolated($"[grey]{row.Name}: {note}[/]");
            }
        }

        if (auto?.Notes.Count > 0)
        {
            // The rest of auto's notes are the chosen model's, printed above when it was run on its own.
            console.MarkupLineInterpolated($"[grey]auto: {auto.Notes[0]}[/]");
        }
    }

    private static void WriteEvalJson(string dataset, List<EvalRow> rows, EvalRow? auto, string? chosen, int classes)
    {
        using var stream = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("dataset", dataset);
            writer.WriteStartArray("models");
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                WriteScores(writer, row, classes);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (auto is null)
            {
                writer.WriteNull("auto");
            }
            else
            {
                writer.WriteStartObject("auto");
                writer.WriteString("chosen", chosen);
                writer.WriteNumber("accuracy", Round(auto.Metrics.Accuracy));
                writer.WriteNumber("macro_f1", Round(auto.Metrics.MacroF1));
                WriteNumberOrNull(writer, "f1_class1", classes == 2 ? auto.Metrics.F1Class1 : double.NaN);
                writer.WriteNumber("fit_seconds", Math.Round(auto.FitSeconds, 4));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        stream.Write("\n"u8);
    }

    private static void WriteScores(Utf8JsonWriter writer, EvalRow row, int classes)
    {
        writer.WriteString("name", row.Name);
        WriteNumberOrNull(writer, "accuracy", row.Metrics.Accuracy);
        WriteNumberOrNull(writer, "macro_f1", row.Metrics.MacroF1);
        WriteNumberOrNull(writer, "f1_class1", classes == 2 ? row.Metrics.F1Class1 : double.NaN);
        writer.WriteNumber("fit_seconds", Math.Round(row.FitSeconds, 4));
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, Round(value));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static double Round(double value) => Math.Round(value, 6);

    private static int Analyze(string dataPath, string splitName, string modelName, string balanceName, string metricName, bool json)
    {
        var data = VotedDataset.Load(dataPath);
        var split = data.Require(splitName, needGold: false);
        var train = data.Require(SplitName.Train, needGold: false);
        ILabelModel model;
        if (modelName == LabelModelCatalog.Auto)
        {
            var valid = data.Splits.GetValueOrDefault(SplitName.Valid);
            model = valid is { HasGold: true }
                ? Auto(data, valid, metricName)
                : throw new UserError($"auto chooses on the valid split's gold labels, and data set '{data.Name}' has none; pick a model with --model");
        }
        else
        {
            model = LabelModelCatalog.Create(modelName);
        }

        model.Fit(train.Votes, Balance(balanceName, data));
        var report = LabelAnalysis.Analyze(split.Votes, split.HasGold ? split.Gold : null, model.EstimatedAccuracies);
        if (json)
        {
            WriteAnalysisJson(data, split, report, model);
        }
        else
        {
            PrintAnalysisTable(data, split, report, model);
        }

        return 0;
    }

    private static void PrintAnalysisTable(VotedDataset data, VotedSplit split, LabelAnalysisReport report, ILabelModel model)
    {
        var console = Output();
        var modelName = model is AutoLabelModel auto ? $"auto -> {auto.Chosen}" : model.Name;
        console.MarkupLineInterpolated($"[bold]{data.Name}[/] {split.Name}: {report.Rows:N0} rows x {report.Programs.Count} programs");
        // At 80 columns the full headings leave a program's name a few letters a line; short headings (explained below the
        // table) and no borders keep one program a line.
        var compact = console.Profile.Width < WideTable;
        var table = compact ? new Table { Border = TableBorder.None } : new Table();
        TableColumn Column(string heading, bool right = true)
        {
            var column = new TableColumn(heading).NoWrap();
            column = right ? column.RightAligned() : column;
            return compact ? column.PadLeft(0).PadRight(1) : column;
        }

        table.AddColumn(Column("program", right: false));
        table.AddColumn(Column(compact ? "class" : "polarity", right: false));
        foreach (var heading in compact ? new[] { "cov", "ovl", "confl" } : ["coverage", "overlaps", "conflicts"])
        {
            table.AddColumn(Column(heading));
        }

        if (report.HasGold)
        {
            foreach (var heading in compact ? new[] { "right", "wrong", "acc" } : ["correct", "incorrect", "emp. acc"])
            {
                table.AddColumn(Column(heading));
            }
        }

        table.AddColumn(Column(compact ? "est" : Markup.Escape($"est. acc ({modelName})")));
        foreach (var p in report.Programs)
        {
            var cells = new List<string>
            {
                Markup.Escape(p.Name),
                Markup.Escape(string.Join(", ", p.Polarity.Select(k => data.ClassNames[k]))),
                Fixed(p.Coverage),
                Fixed(p.Overlaps),
                Fixed(p.Conflicts),
            };
            if (report.HasGold)
            {
                cells.Add(p.Correct!.Value.ToString(CultureInfo.InvariantCulture));
                cells.Add(p.Incorrect!.Value.ToString(CultureInfo.InvariantCulture));
                cells.Add(Fixed(p.EmpiricalAccuracy!.Value));
            }

            cells.Add(Fixed(p.EstimatedAccuracy ?? double.NaN));
            table.AddRow(cells.ToArray());
        }

        console.Write(table);
        console.MarkupLineInterpolated(
            $"all programs: coverage {Fixed(report.Coverage)}, overlaps {Fixed(report.Overlaps)}, conflicts {Fixed(report.Conflicts)}{(report.HasGold ? $"; {report.GoldRows:N0} rows with gold" : "; no gold labels in this split")}");
        if (compact)
        {
            console.MarkupLineInterpolated($"[grey]cov = coverage, ovl = overlaps, confl = conflicts (fractions of all rows); right / wrong = votes against gold; acc = right / (right + wrong); est = accuracy {modelName} estimates from train votes without labels.[/]");
        }
        else
        {
            console.MarkupLineInterpolated($"[grey]fractions are of all rows; emp. acc = correct / (correct + incorrect) on rows with gold; est. acc is fitted on train votes without labels.[/]");
        }
    }

    private static void WriteAnalysisJson(VotedDataset data, VotedSplit split, LabelAnalysisReport report, ILabelModel model)
    {
        using var stream = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("dataset", data.Name);
            writer.WriteString("split", split.Name);
            writer.WriteNumber("rows", report.Rows);
            writer.WriteString("estimated_by", model is AutoLabelModel auto ? auto.Chosen : model.Name);
            WriteNumberOrNull(writer, "coverage", report.Coverage);
            WriteNumberOrNull(writer, "overlaps", report.Overlaps);
            WriteNumberOrNull(writer, "conflicts", report.Conflicts);
            writer.WriteNumber("gold_rows", report.GoldRows);
            writer.WriteStartArray("programs");
            foreach (var p in report.Programs)
            {
                writer.WriteStartObject();
                writer.WriteString("name", p.Name);
                writer.WriteStartArray("polarity");
                foreach (var k in p.Polarity)
                {
                    writer.WriteStringValue(data.ClassNames[k]);
                }

                writer.WriteEndArray();
                WriteNumberOrNull(writer, "coverage", p.Coverage);
                WriteNumberOrNull(writer, "overlaps", p.Overlaps);
                WriteNumberOrNull(writer, "conflicts", p.Conflicts);
                if (p.Correct is { } correct)
                {
                    writer.WriteNumber("correct", correct);
                    writer.WriteNumber("incorrect", p.Incorrect!.Value);
                    WriteNumberOrNull(writer, "empirical_accuracy", p.EmpiricalAccuracy!.Value);
                }

                WriteNumberOrNull(writer, "estimated_accuracy", p.EstimatedAccuracy ?? double.NaN);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        stream.Write("\n"u8);
    }

    /// <summary>Width from which tables use their full headings and borders.</summary>
    private const int WideTable = 120;

    /// <summary>
    /// Standard output as Spectre writes it: as wide as the terminal, or $COLUMNS where set (as Unix tools read it), or 160
    /// when redirected to a file, so that a script's log keeps whole lines. NO_COLOR turns colors off (Spectre reads it).
    /// </summary>
    private static IAnsiConsole Output()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns >= 40)
        {
            console.Profile.Width = columns;
        }
        else if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        return console;
    }

    private static string Fixed(double value) => double.IsFinite(value) ? value.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private sealed record EvalRow(string Name, ClassificationMetrics Metrics, double FitSeconds, IReadOnlyList<string> Notes);
}
