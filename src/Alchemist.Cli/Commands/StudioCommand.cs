using System.CommandLine;
using Alchemist.Studio;

namespace Alchemist.Cli.Commands;

/// <summary><c>alchemist studio &lt;project&gt;</c>: serves the studio on 127.0.0.1 until Ctrl-C.</summary>
internal static class StudioCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder, after `alchemist run`." };
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1 (default: one the system picks)." };
        var command = new Command("studio", "Review the programs in the browser: each one's figures and the rows that are its evidence (a local web app on 127.0.0.1, opened with a one-time token).")
        {
            project,
            port,
        };
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(project)!, result.GetValue(port), cancellation));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo project, int port, CancellationToken cancellation)
    {
        using var studio = StudioProject.Load(project.FullName);
        // Roslyn starts while the person opens the page, so the first save is as quick as the next; a warm-up that fails
        // costs nothing but that head start, and the save that needs the compiler reports any real problem.
        _ = studio.WarmUpAsync().ContinueWith(warmUp => _ = warmUp.Exception, TaskScheduler.Default);
        await using var server = await StudioServer.StartAsync(studio, port, cancellation).ConfigureAwait(false);
        // The address carries the token: it goes to the person who started the studio, on standard output, and nowhere else.
        Console.Out.WriteLine($"studio for {studio.Spec.Name}: open {server.PageAddress}");
        Console.Out.WriteLine("stop it with Ctrl-C");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C is how the studio ends; nothing was being written.
        }

        return 0;
    }
}
