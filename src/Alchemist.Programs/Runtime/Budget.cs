using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Alchemist.Programs.Runtime;

/// <summary>
/// The run-time half of the sandbox: the rewriter inserts <see cref="Enter"/> at method, local-function and lambda
/// entries, a local step counter in loop bodies and after labels that reports to <see cref="Steps"/> every
/// <see cref="LoopStepsPerReport"/> iterations (a register increment per iteration, not a thread-local access), and
/// <see cref="MayCatch"/> into every catch filter. State is thread-static, so programs run on many threads, one call at a
/// time per thread. Time, allocation, stack and total steps are looked at every <see cref="ProgramBudgets.CheckInterval"/> steps.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Budget
{
    [ThreadStatic]
    private static int t_countdown;

    [ThreadStatic]
    private static nuint t_stackLimit;

    [ThreadStatic]
    private static CallState? t_call;

    /// <summary>Loop iterations a function counts locally before reporting them with <see cref="Steps"/>.</summary>
    public const int LoopStepsPerReport = 256;

    /// <summary>Ticks a step (used where no local counter is available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tick()
    {
        if (--t_countdown < 0)
        {
            Check();
        }
    }

    /// <summary>Reports <paramref name="count"/> loop iterations counted locally by instrumented code.</summary>
    public static void Steps(int count)
    {
        if ((t_countdown -= count) < 0)
        {
            Check();
        }
    }

    /// <summary>Ticks a step and checks the stack (method, local function and lambda entries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Enter()
    {
        byte marker = 0;
        if (--t_countdown < 0 || (nuint)(&marker) < t_stackLimit)
        {
            Check();
        }
    }

    /// <summary>
    /// The filter of every catch clause in a program: false (the exception passes) for budget violations, regex timeouts
    /// (recorded as a violation) and anything thrown after a violation in the same call.
    /// </summary>
    public static bool MayCatch(Exception exception)
    {
        var call = t_call;
        if (call is null)
        {
            return exception is not BudgetExceededException;
        }

        if (exception is RegexMatchTimeoutException && call.Violation is null)
        {
            Record(call, BudgetKind.RegexTimeout, $"a regular expression ran past its {call.Budgets.RegexMatchTimeout.TotalMilliseconds:0} ms match timeout");
        }

        return call.Violation is null && exception is not BudgetExceededException and not InsufficientExecutionStackException;
    }

    /// <summary>The match timeout to use for a regex the program builds or calls (its own timeout only when shorter).</summary>
    public static TimeSpan RegexTimeout => t_call?.Budgets.RegexMatchTimeout ?? ProgramBudgets.Default.RegexMatchTimeout;

    /// <summary>
    /// The match timeout a regex gets when the program asks for <paramref name="requested"/>: that when positive and shorter
    /// than <see cref="RegexTimeout"/>, else <see cref="RegexTimeout"/>. The rewriter passes every timeout a program gives
    /// through here.
    /// </summary>
    public static TimeSpan ClampRegexTimeout(TimeSpan requested)
    {
        var limit = RegexTimeout;
        return requested > TimeSpan.Zero && requested < limit ? requested : limit;
    }

    /// <summary>The violation of the current call on this thread, if any: the host discards the row's result when set.</summary>
    public static BudgetExceededException? Violation => t_call?.Violation;

    /// <summary>
    /// Starts a call on this thread; <paramref name="state"/> (one per invoker) is reused across calls, and stays attached
    /// to the thread after the call, so that a run of calls costs only what changes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void BeginCall(CallState state)
    {
        byte marker = 0;
        state.Steps = 0;
        state.StartTimestamp = 0;
        state.Violation = null;
        state.StartAllocated = GC.GetAllocatedBytesForCurrentThread();
        if (t_call != state)
        {
            t_call = state;
        }

        t_countdown = state.CheckInterval;
        t_stackLimit = (nuint)(&marker) - state.MaxStackBytes;
    }

    /// <summary>Detaches the invoker's state from the thread (after a range of calls, or when the thread moves on).</summary>
    internal static void EndCalls()
    {
        t_call = null;
        t_countdown = int.MaxValue;
        t_stackLimit = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Check()
    {
        var call = t_call;
        if (call is null)
        {
            // Outside an invoker call (a static constructor run by the host, a test calling a program directly): no budget.
            t_countdown = int.MaxValue;
            return;
        }

        if (call.Violation is not null)
        {
            t_countdown = 0;
            throw call.Violation;
        }

        byte marker = 0;
        if ((nuint)(&marker) < t_stackLimit)
        {
            Trip(call, BudgetKind.Stack, $"recursion went deeper than the {call.Budgets.MaxStackBytes >> 10} KiB stack budget");
        }

        var interval = call.Budgets.CheckInterval;
        call.Steps += interval - Math.Max(t_countdown, 0);
        t_countdown = interval;
        if (call.Steps > call.Budgets.MaxStepsPerCall)
        {
            Trip(call, BudgetKind.Steps, $"ran more than {call.Budgets.MaxStepsPerCall:N0} steps (loop iterations and calls) on one row");
        }

        var now = ThreadCpuClock.NowNanoseconds();
        if (call.StartTimestamp == 0)
        {
            // The clock starts at the first check, so short calls never read it; the first interval is not timed.
            call.StartTimestamp = now;
        }
        else if (now - call.StartTimestamp > call.MaxNanosecondsPerCall)
        {
            Trip(call, BudgetKind.Time, $"ran longer than {call.Budgets.MaxTimePerCall.TotalMilliseconds:0} ms on one row");
        }

        if (GC.GetAllocatedBytesForCurrentThread() - call.StartAllocated > call.Budgets.MaxAllocatedBytesPerCall)
        {
            Trip(call, BudgetKind.Allocation, $"allocated more than {call.Budgets.MaxAllocatedBytesPerCall >> 20} MiB on one row");
        }
    }

    [DoesNotReturn]
    private static void Trip(CallState call, BudgetKind kind, string message) => throw Record(call, kind, message);

    /// <summary>Records a violation without throwing (filters must not throw); every later step of the call then throws it.</summary>
    internal static BudgetExceededException Record(CallState call, BudgetKind kind, string message)
    {
        call.Violation ??= new BudgetExceededException(kind, message);
        t_countdown = 0;
        return call.Violation;
    }

    /// <summary>Maps a class name returned by a program to its index: -1 for null or "abstain", <see cref="UnknownClassName"/> otherwise.</summary>
    public static int ClassIndex(string? name)
    {
        if (name is null)
        {
            return -1;
        }

        var call = t_call;
        if (call is null)
        {
            return UnknownClassName;
        }

        var names = call.ClassNames;
        var trimmed = name.AsSpan().Trim();
        for (var i = 0; i < names.Length; i++)
        {
            if (trimmed.Equals(names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        if (trimmed.Equals("abstain", StringComparison.OrdinalIgnoreCase) || trimmed.IsEmpty)
        {
            return -1;
        }

        call.UnknownName = name;
        return UnknownClassName;
    }

    /// <summary>Returned by <see cref="ClassIndex"/> for a string that names no class.</summary>
    public const int UnknownClassName = int.MinValue;

    /// <summary>Per-thread, per-invoker budget state, reused across calls so that a call allocates nothing.</summary>
    internal sealed class CallState(ProgramBudgets budgets, string[] classNames)
    {
        public ProgramBudgets Budgets { get; } = budgets;

        public int CheckInterval { get; } = budgets.CheckInterval;

        public nuint MaxStackBytes { get; } = (nuint)budgets.MaxStackBytes;

        public long MaxNanosecondsPerCall { get; } = (long)(budgets.MaxTimePerCall.Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond));

        public string[] ClassNames { get; } = classNames;

        public string? UnknownName { get; set; }

        public long Steps { get; set; }

        public long StartTimestamp { get; set; }

        public long StartAllocated { get; set; }

        public BudgetExceededException? Violation { get; set; }
    }
}
