using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary>
/// The red team's compile bombs through the command line, in a process of its own so that its memory can be read: a 50 MB
/// program file and one with 200,000 nested parentheses are each rejected with the reason, the benign program beside them
/// is applied, and the main process's peak resident memory stays under 1 GiB (it used to exit 134, or reach 6 GB).
/// </summary>
public sealed class CompileBombTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-bombs-" + Guid.NewGuid().ToString("N"));

    public CompileBombTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_50_MB_program_and_200000_nested_parentheses_are_rejected_and_the_main_process_stays_under_1_GiB()
    {
        var project = CopyExample();
        var programs = Path.Combine(project, "programs");
        Directory.CreateDirectory(programs);
        File.WriteAllText(Path.Combine(programs, "benign.cs"), "public static int Label(string text) => text.Contains(\"http\") ? 1 : -1;\n");
        File.WriteAllText(Path.Combine(programs, "parentheses.cs"),
            "public static int Label(string text) => " + new string('(', 200_000) + "1" + new string(')', 200_000) + ";\n");
        using (var huge = new StreamWriter(Path.Combine(programs, "huge.cs")))
        {
            huge.WriteLine("public static int Label(string text) => 0;");
            var line = "// " + new string('x', 1021);
            for (var i = 0; i < 50 << 10; i++)
            {
                huge.WriteLine(line);
            }
        }

        var clock = Stopwatch.StartNew();
        var (code, output, error, peakBytes) = RunCli("apply", project, "--json");
        var elapsed = clock.Elapsed;

        Assert.True(code == 0, $"exit {code}: {error}");
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["benign"], json.RootElement.GetProperty("programs_in_matrix").EnumerateArray().Select(e => e.GetString()));
        var rejected = json.RootElement.GetProperty("rejected").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("reason").GetString()!);
        Assert.Contains("nested more than 200 deep", rejected["parentheses"], StringComparison.Ordinal);
        Assert.Contains("it was not read", rejected["huge"], StringComparison.Ordinal);
        if (peakBytes is { } peak)
        {
            Assert.True(peak < 1L << 30, $"the main process peaked at {peak >> 20} MiB");
        }

        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"compile bombs: rejected in {elapsed.TotalSeconds:0.0} s (whole apply, with the process start), main process peak {peakBytes >> 20} MiB"));
    }

    /// <summary>Runs alchemist.dll (beside these tests) in a child process and follows its peak resident memory (VmHWM).</summary>
    private static (int Code, string Output, string Error, long? PeakBytes) RunCli(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "alchemist.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        long? peak = null;
        while (!process.WaitForExit(20))
        {
            peak = PeakResident(process.Id) ?? peak;
        }

        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult(), OperatingSystem.IsLinux() ? peak : null);
    }

    private static long? PeakResident(int processId)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string CopyExample() => ExampleProject.CopyTo(Path.Combine(_root, "project"));
}
