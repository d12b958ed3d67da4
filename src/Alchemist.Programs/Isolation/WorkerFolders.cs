using System.Diagnostics;
using System.Globalization;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// The temp folders of worker processes (their TMPDIR and socket): <c>alchemist-worker-&lt;engine pid&gt;-&lt;random&gt;</c>,
/// readable by the user alone, removed when the worker is disposed. Folders left by an engine that died (killed, power
/// cut) are removed by the next engine that starts a worker.
/// </summary>
internal static class WorkerFolders
{
    private const string Prefix = "alchemist-worker-";
    private static readonly Lazy<int> Swept = new(SweepStale);

    public static string Create()
    {
        _ = Swept.Value;
        var folder = Directory.CreateTempSubdirectory(Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return folder;
    }

    public static void Remove(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Removed by the next engine's sweep once this process has ended.
        }
    }

    /// <summary>Removes the folders of engines that are no longer running; returns how many.</summary>
    internal static int SweepStale()
    {
        var removed = 0;
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
            {
                var rest = Path.GetFileName(folder)[Prefix.Length..];
                var dash = rest.IndexOf('-');
                if (dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                    && owner != Environment.ProcessId && !IsRunning(owner))
                {
                    Remove(folder);
                    removed += Directory.Exists(folder) ? 0 : 1;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return removed;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
