using System.Runtime.CompilerServices;
using Alchemist.Programs.Runtime;

namespace Alchemist.Programs.Loading;

/// <summary>
/// Calls one loaded program row by row on one thread, under its budgets. A row on which the program throws, exceeds a
/// budget or returns something that is not a label yields <see cref="Abstain"/> and is counted in <see cref="Stats"/>.
/// Nothing is allocated per row on the host side. Not thread-safe: create one per thread.
/// </summary>
public sealed class ProgramInvoker
{
    internal const sbyte Abstain = -1;

    private readonly Func<string?, int>? _text;
    private readonly LoadedProgram.ColumnsEntry? _columns;
    private readonly Budget.CallState _state;
    private readonly int _classes;

    internal ProgramInvoker(string name, ProgramSignature signature, ProgramBudgets budgets, Func<string?, int>? text, LoadedProgram.ColumnsEntry? columns)
    {
        Name = name;
        Signature = signature;
        Budgets = budgets;
        _text = text;
        _columns = columns;
        _classes = signature.Classes;
        _state = new Budget.CallState(budgets, [.. signature.ClassNames]);
    }

    internal string Name { get; }

    internal ProgramSignature Signature { get; }

    internal ProgramBudgets Budgets { get; }

    internal InvocationStats Stats { get; } = new();

    /// <summary>
    /// True once the program has failed on more than <see cref="ProgramBudgets.MaxErrorShare"/> of at least
    /// <see cref="ProgramBudgets.MinRowsBeforeDisabling"/> rows; <paramref name="reason"/> says why, for the run's report.
    /// </summary>
    public bool ShouldDisable(out string reason)
    {
        var stats = Stats;
        if (stats.Rows >= Budgets.MinRowsBeforeDisabling && stats.ErrorShare > Budgets.MaxErrorShare)
        {
            var first = stats.FirstErrors.Count > 0 ? $"; first: {stats.FirstErrors[0]}" : string.Empty;
            reason = $"failed on {stats.Errors} of {stats.Rows} rows ({stats.ErrorShare:P1}, more than the allowed {Budgets.MaxErrorShare:P1}){first}";
            return true;
        }

        reason = string.Empty;
        return false;
    }

    /// <summary>Labels one text (single-text programs). <paramref name="row"/> only names the row in error messages.</summary>
    public sbyte Label(string? text, long row)
    {
        var entry = _text ?? throw new InvalidOperationException($"program '{Name}' takes a {ProgramSignature.RowTypeName}, not one text");
        int result;
        Budget.BeginCall(_state);
        try
        {
            result = entry(text);
        }
        catch (Exception exception)
        {
            return Failed(row, exception);
        }

        return Finish(result, row);
    }

    /// <summary>Labels row <paramref name="index"/> of <paramref name="columns"/>; <paramref name="row"/> names it in messages.</summary>
    public sbyte Label(ProgramColumns columns, int index, long row)
    {
        if (_text is not null)
        {
            return Label(columns.Texts[0][index], row);
        }

        int result;
        Budget.BeginCall(_state);
        try
        {
            result = _columns!(columns.Texts, columns.Numbers, index);
        }
        catch (Exception exception)
        {
            return Failed(row, exception);
        }

        return Finish(result, row);
    }

    /// <summary>
    /// Labels rows [<paramref name="start"/>, start + destination.Length) of <paramref name="columns"/> into
    /// <paramref name="destination"/> (a slice of a label-matrix column). <paramref name="firstRow"/> is the dataset row of
    /// <paramref name="start"/>, for messages.
    /// </summary>
    public void LabelRange(ProgramColumns columns, int start, Span<sbyte> destination, long firstRow)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + destination.Length, columns.Count, nameof(destination));
        try
        {
            if (_text is not null)
            {
                var texts = columns.Texts[0];
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = Label(texts[start + i], firstRow + i);
                }

                return;
            }

            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = Label(columns, start + i, firstRow + i);
            }
        }
        finally
        {
            Budget.EndCalls();
        }
    }

    /// <summary>
    /// Runs the static initializers of every type of the program's <paramref name="assembly"/> now, under this invoker's
    /// budgets (a call of its own): one that throws or overruns is left failed, and every row that needs it fails.
    /// </summary>
    internal void RunStaticInitializers(System.Reflection.Assembly assembly)
    {
        Budget.BeginCall(_state);
        try
        {
            foreach (var type in assembly.GetTypes().Where(t => !t.ContainsGenericParameters))
            {
                try
                {
                    RuntimeHelpers.RunClassConstructor(type.TypeHandle);
                }
                catch (TypeInitializationException)
                {
                    // Thrown again, and counted, on every row that uses the type.
                }
            }
        }
        finally
        {
            Budget.EndCalls();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private sbyte Finish(int result, long row)
    {
        var violation = _state.Violation;
        if (violation is not null)
        {
            // The program caught the violation somehow and returned: its answer is not trusted.
            return Failed(row, violation);
        }

        Stats.Rows++;
        if ((uint)result < (uint)_classes)
        {
            Stats.Votes++;
            return (sbyte)result;
        }

        if (result == -1)
        {
            Stats.Abstentions++;
            return Abstain;
        }

        Stats.InvalidResults++;
        Stats.Keep(new ProgramError(row, ProgramErrorKind.InvalidResult, result == Budget.UnknownClassName
            ? $"returned \"{Bounded.Text(_state.UnknownName ?? "", 200)}\", which is not a class name; valid: {Signature.DescribeClasses()}, or -1 to abstain"
            : $"returned {result}, which is not a class index; valid: {Signature.DescribeClasses()}, or -1 to abstain"));
        return Abstain;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private sbyte Failed(long row, Exception exception)
    {
        Stats.Rows++;
        var violation = _state.Violation ?? exception as BudgetExceededException;
        if (violation is null && exception is System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            violation = new BudgetExceededException(BudgetKind.RegexTimeout, $"a regular expression ran past its {Budgets.RegexMatchTimeout.TotalMilliseconds:0} ms match timeout");
        }

        if (violation is null && exception is InsufficientExecutionStackException)
        {
            violation = new BudgetExceededException(BudgetKind.Stack, "recursion went too deep");
        }

        if (violation is not null)
        {
            Stats.BudgetViolations++;
            Stats.Keep(new ProgramError(row, ProgramErrorKind.Budget, Bounded.Text(violation.Message)));
        }
        else
        {
            Stats.Exceptions++;
            var inner = exception is TypeInitializationException { InnerException: { } cause } ? cause : exception;
            Stats.Keep(new ProgramError(row, ProgramErrorKind.Exception, $"threw {Bounded.Text(inner.GetType().Name, 200)}: {Bounded.Text(inner.Message)}"));
        }

        return Abstain;
    }
}
