using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Alchemist.Programs.Runtime;

/// <summary>
/// CPU time of the calling thread where the OS offers it cheaply (Linux), wall-clock time elsewhere. Budgets use it so
/// that a benign program on a crowded machine is not stopped for time it spent waiting for a core; the worker process's
/// wall-clock watchdog still bounds the whole run.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    private static readonly bool UseThreadCpuTime = OperatingSystem.IsLinux() && Probe();

    /// <summary>True when <see cref="NowNanoseconds"/> measures the thread's CPU time rather than wall-clock time.</summary>
    public static bool MeasuresCpuTime => UseThreadCpuTime;

    public static long NowNanoseconds()
    {
        if (UseThreadCpuTime && ClockGetTime(ClockThreadCpuTimeId, out var now) == 0)
        {
            return (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
        }

        return (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
