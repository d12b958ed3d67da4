using System.CommandLine;
using System.Text.Json;

namespace Alchemist.Cli;

/// <summary>
/// The entry point and the one place errors are reported. Exit codes: 0 done, 1 failed (a <see cref="UserError"/> or a file
/// that cannot be read or written: its message alone; anything else is a bug, reported as one, with its stack under
/// <c>--verbose</c>), 2 usage error, 130 cancelled (Ctrl-C). Under <c>--json</c> a failure is a JSON object on standard output.
/// </summary>
public static class Program
{
    public const int Failed = 1;
    public const int UsageError = 2;
    public const int Cancelled = 130;

    /// <summary>Where commands log their progress: standard error, or nowhere under --quiet.</summary>
    public static TextWriter Progress { get; private set; } = Console.Error;

    /// <summary>How long a cancelled command may take to stop before the command line exits 130 without it.</summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(1);

    public static int Main(string[] args)
    {
        var verbose = new Option<bool>("--verbose") { Description = "On a failure that is a bug, print its stack trace.", Recursive = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print no progress on standard error: only results, warnings and errors.", Recursive = true };
        var root = new RootCommand("Alchemist: an LLM writes labeling programs once; they label any amount of data locally.") { verbose, quiet };
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }

            Console.Error.WriteLine($"see '{CommandPath(parse)} --help'");
            return UsageError;
        }

        var name = parse.CommandResult.Command == root ? "alchemist" : parse.CommandResult.Command.Name;
        Progress = parse.GetValue(quiet) ? TextWriter.Null : Console.Error;
        var json = args.Contains("--json");
        try
        {
            var code = parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = CancelGrace })
                .GetAwaiter().GetResult();
            if (code == Cancelled)
            {
                Report(name, json, CancelledMessage, null, cancelled: true);
            }

            return code;
        }
        catch (OperationCanceledException)
        {
            Report(name, json, CancelledMessage, null, cancelled: true);
            return Cancelled;
        }
        catch (Exception e) when (e is UserError or IOException or UnauthorizedAccessException)
        {
            Report(name, json, e.Message, e as UserError);
            return Failed;
        }
        catch (Exception e)
        {
            var detail = parse.GetValue(verbose) ? "\n" + e : " (run again with --verbose for the stack trace)";
            Report(name, json, $"internal error, a bug in alchemist: {e.GetType().Name}: {e.Message}{detail}", null);
            return Failed;
        }
    }

    /// <summary>"alchemist labelmodel eval": the command as typed, from the root down.</summary>
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Parent is null ? "alchemist" : result.Command.Name);
        }

        return string.Join(' ', names);
    }

    private const string CancelledMessage = "the previous outputs are untouched and what finished is cached (LLM calls, program columns), so running again resumes";

    private static void Report(string command, bool json, string message, UserError? error, bool cancelled = false)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = message, command, cancelled, file = error?.File, line = error?.Line, key = error?.Key }));
        }

        Console.Error.WriteLine($"{command} {(cancelled ? "cancelled" : "failed")}: {message}");
    }
}
