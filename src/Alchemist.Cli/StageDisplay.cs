using System.Globalization;
using System.Text;
using Alchemist.Pipeline;
using Spectre.Console;

namespace Alchemist.Cli;

/// <summary>
/// Shows how far a command's long stages have got, on standard error. Where standard error is a terminal: Spectre.Console
/// progress bars, one a stage, with the command's log lines printed above them (colors off under NO_COLOR, which Spectre
/// reads). Where it is a file or a pipe, or under --quiet: nothing but the command's own log lines, so logs stay plain text.
/// </summary>
internal static class StageDisplay
{
    /// <summary>True when bars can be drawn: progress is wanted, standard error is a terminal, and the terminal can move the cursor.</summary>
    public static bool IsInteractive =>
        !ReferenceEquals(Program.Progress, TextWriter.Null) && !Console.IsErrorRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>Runs <paramref name="work"/> with a log and, where bars are drawn, the progress they show.</summary>
    public static T Run<T>(Func<TextWriter, IProgress<StageProgress>?, T> work)
    {
        if (!IsInteractive)
        {
            return work(Program.Progress, null);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                using var log = new ConsoleLineWriter(console);
                return work(log, new Bars(context));
            });
    }

    /// <inheritdoc cref="Run"/>
    public static async Task<T> RunAsync<T>(Func<TextWriter, IProgress<StageProgress>?, Task<T>> work)
    {
        if (!IsInteractive)
        {
            return await work(Program.Progress, null).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                using var log = new ConsoleLineWriter(console);
                return await work(log, new Bars(context)).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>One bar a stage, made when the stage first reports; a stage whose total is not known spins.</summary>
    private sealed class Bars(ProgressContext context) : IProgress<StageProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(StageProgress progress)
        {
            // Apply's workers and predict's writer report from their own threads.
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(progress.Stage, out var task))
                {
                    task = _tasks[progress.Stage] = context.AddTask(Markup.Escape(progress.Stage));
                }

                var counted = progress.Total is { } total
                    ? string.Create(CultureInfo.InvariantCulture, $"{progress.Done:N0}/{total:N0} {progress.Unit}")
                    : string.Create(CultureInfo.InvariantCulture, $"{progress.Done:N0} {progress.Unit}");
                task.Description = Markup.Escape($"{progress.Stage}: {counted}");
                task.IsIndeterminate = progress.Total is null;
                if (progress.Total is { } known)
                {
                    task.MaxValue = Math.Max(1, known);
                    task.Value = Math.Min(progress.Done, task.MaxValue);
                    if (progress.Done >= known)
                    {
                        task.StopTask();
                    }
                }
            }
        }
    }

    /// <summary>The command's log, a line at a time, through the console that draws the bars, so lines land above them.</summary>
    private sealed class ConsoleLineWriter(IAnsiConsole console) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    console.WriteLine(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }

        public override void WriteLine(string? value) => Write((value ?? "") + "\n");

        protected override void Dispose(bool disposing)
        {
            if (disposing && _line.Length > 0)
            {
                Write('\n');
            }

            base.Dispose(disposing);
        }
    }
}
