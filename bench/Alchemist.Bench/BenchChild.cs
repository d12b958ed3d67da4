using System.Diagnostics;

namespace Alchemist.Bench;

/// <summary>A fresh process of this benchmark program, as `alchemist` starts: JIT, Roslyn and ML.NET cold.</summary>
internal static class BenchChild
{
    /// <summary>How to start this program again with <paramref name="arguments"/>, its standard output read by the caller.</summary>
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Run as `dotnet alchemist-bench.dll`, the process path is the dotnet host and the program's path comes first.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
