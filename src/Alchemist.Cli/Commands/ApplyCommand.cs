using System.CommandLine;
using System.Globalization;
using Alchemist.Data;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Spectre.Console;

namespace Alchemist.Cli.Commands;

/// <summary><c>alchemist apply &lt;project&gt;</c>: runs the project's programs over its splits and writes the label matrices.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder (with alchemist.yaml and programs/)." };
        var isolation = new Option<string?>("--isolation")
        {
            Description = "process (default: programs run in killable worker processes, with a clean environment, no network and no writes outside their temp folder) "
                          + "or none (in this process, for trusted programs: refused for programs an LLM wrote unless --trust-programs).",
        };
        var trust = new Option<bool>("--trust-programs")
        {
            Description = "Vouch for every program, so that programs an LLM wrote may run in this process with --isolation none. This process holds your API keys: trust only programs you have read.",
        };
        isolation.AcceptOnlyFromAmong("process", "none");
        var checkOrder = new Option<bool>("--check-row-order")
        {
            Description = "Run every program a second time over the rows in reverse order, in fresh workers, and disable any whose votes differ (a vote may depend only on its row).",
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary (per program: coverage, errors, time, status) instead of a table." };
        var command = new Command("apply", "Apply the labeling programs to the train, valid and test splits and write their label matrices.")
        {
            project,
            isolation,
            trust,
            checkOrder,
            json,
        };
        command.SetAction(result => Run(result.GetValue(project)!, result.GetValue(isolation), result.GetValue(trust), result.GetValue(checkOrder), result.GetValue(json)));
        return command;
    }

    private static int Run(DirectoryInfo projectFolder, string? isolation, bool trustPrograms, bool checkRowOrder, bool json)
    {
        var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var spec = SpecReader.Load(projectFolder.FullName);
        // apply writes the project's vote matrices and column cache, which a run on the same project is reading.
        using var projectLock = ProjectLock.Acquire(spec.ProjectDirectory);
        var options = ProjectApply.OptionsFor(spec, ProjectApply.ParseIsolation(isolation), trustPrograms) with { CheckRowOrder = checkRowOrder };
        ProjectApplyResult result = null!;
        if (!StageDisplay.IsInteractive)
        {
            result = ProjectApply.Run(spec, options);
        }
        else
        {
            errors.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>();
                    var reporter = new SynchronousProgress(p =>
                    {
                        lock (tasks)
                        {
                            if (!tasks.TryGetValue(p.Split, out var task))
                            {
                                task = tasks[p.Split] = context.AddTask(p.Split).IsIndeterminate();
                            }

                            var disabled = p.ProgramsDisabled > 0 ? $", {p.ProgramsDisabled} disabled" : "";
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"{p.Split}: {p.Rows:N0} rows, {p.ProgramsRunning} programs{disabled}");
                        }
                    });
                    result = ProjectApply.Run(spec, options, reporter);
                    foreach (var task in tasks.Values)
                    {
                        task.StopTask();
                    }
                });
        }

        if (json)
        {
            Console.Out.WriteLine(result.ToJson());
        }
        else
        {
            PrintTable(result);
        }

        return 0;
    }

    private static void PrintTable(ProjectApplyResult result)
    {
        var output = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var table = new Table().AddColumns("split", "program", "status", "coverage", "errors", "over budget", "seconds", "cached");
        foreach (var split in result.Splits)
        {
            foreach (var p in split.Programs)
            {
                table.AddRow(
                    Markup.Escape(split.Split),
                    Markup.Escape(p.Name),
                    p.Status == ProgramStatus.Ok ? "ok" : "[red]disabled[/]",
                    p.Coverage.ToString("P1", CultureInfo.InvariantCulture),
                    p.Errors.ToString(CultureInfo.InvariantCulture),
                    p.BudgetExceeded.ToString(CultureInfo.InvariantCulture),
                    p.Time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture),
                    p.FromCache ? "yes" : "no");
            }
        }

        output.Write(table);
        if (result.Splits.Any(s => s.ProgramsOrderChecked > 0))
        {
            output.MarkupLineInterpolated($"row-order check: {string.Join(", ", result.Splits.Select(s => $"{s.Split} {s.ProgramsOrderChecked} programs"))} run again over reversed rows");
        }

        output.MarkupLine("sandbox walls:");
        foreach (var wall in result.DescribeWalls())
        {
            output.MarkupLineInterpolated($"  {wall}");
        }

        foreach (var rejected in result.Rejected)
        {
            output.MarkupLineInterpolated($"[red]rejected[/] {rejected.Name}: {rejected.Reason}");
        }

        // A program rejected when it had to be compiled late is also disabled on that split; its rejection already says why.
        var rejectedNames = result.Rejected.Select(r => r.Name).ToHashSet();
        foreach (var disabled in result.Splits.SelectMany(s => s.Programs.Where(p => p.Status != ProgramStatus.Ok && !rejectedNames.Contains(p.Name)).Select(p => (s.Split, p))))
        {
            output.MarkupLineInterpolated($"[red]disabled[/] {disabled.p.Name} on {disabled.Split}: {disabled.p.Reason}");
        }

        foreach (var warning in result.RowWarnings())
        {
            output.MarkupLineInterpolated($"[yellow]warning[/] {warning}");
        }

        output.MarkupLineInterpolated(
            $"{result.ProgramsInMatrix.Count} programs in the label matrices ({string.Join(", ", result.MatrixFiles)}), {result.ProgramsCompiled} compiled (the others' columns were cached), {result.Elapsed.TotalSeconds:0.0} s, isolation {result.Isolation.ToString().ToLowerInvariant()}");
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to a thread pool and could report after the end).</summary>
    private sealed class SynchronousProgress(Action<ApplyProgress> report) : IProgress<ApplyProgress>
    {
        public void Report(ApplyProgress value) => report(value);
    }
}
