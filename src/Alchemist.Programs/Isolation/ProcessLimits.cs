using System.Runtime.InteropServices;

namespace Alchemist.Programs.Isolation;

/// <summary>OS limits on a worker process that hold whatever the code inside it does.</summary>
internal static partial class ProcessLimits
{
    private const int RlimitData = 2;

    /// <summary>
    /// Caps the worker's writable private memory (RLIMIT_DATA, Linux): an allocation beyond it fails inside the worker instead
    /// of taking memory from the machine. Returns false where the OS offers no such limit.
    /// </summary>
    public static bool TryLimitData(int processId, long bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var limit = new RLimit { Current = (ulong)bytes, Maximum = (ulong)bytes };
        return prlimit(processId, RlimitData, ref limit, IntPtr.Zero) == 0;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prlimit(int pid, int resource, ref RLimit newLimit, IntPtr oldLimit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
