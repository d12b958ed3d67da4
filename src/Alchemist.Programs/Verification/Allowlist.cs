using Microsoft.CodeAnalysis;

namespace Alchemist.Programs.Verification;

/// <summary>
/// What a labeling program may use from the base library. Anything not allowed here is rejected with a reason an LLM can
/// act on: the category reasons name what to do instead. Types are matched by namespace and metadata name
/// (e.g. "System.Collections.Generic" + "List`1").
/// </summary>
internal static class Allowlist
{
    public const string AllowedSummary =
        "strings, chars, Math, Convert, LINQ (System.Linq.Enumerable), collections (System.Collections.Generic, Frozen, Immutable), "
        + "Regex, StringBuilder, read-only globalization (CultureInfo, CompareInfo, TextInfo), tuples, spans, Uri, DateTime/TimeSpan arithmetic";

    private const string NoIo = "labeling programs cannot read or write files or directories; put the data you need (keywords, patterns) in static readonly fields of the program";
    private const string NoNetwork = "labeling programs cannot use the network; decide from the row's fields alone";
    private const string NoProcess = "labeling programs cannot start or inspect processes or read the environment; a label must depend only on the row";
    private const string NoConsole = "labeling programs cannot print or read the console; return the class index (or -1 to abstain) instead";
    private const string NoThreads = "labeling programs run one row at a time on one thread (Alchemist runs rows in parallel itself); remove threads, tasks, Parallel, PLINQ, locks and timers";
    private const string NoReflection = "reflection (System.Type, typeof, GetType(), System.Reflection, Activator, expression trees) is not allowed; call the methods you need directly";
    private const string NoInterop = "native interop, pointers and raw memory (Marshal, GC, Unsafe, IntPtr) are not allowed; use safe C# only";
    private const string NoNondeterminism = "labels must be reproducible: do not use randomness, GUIDs or the current time; decide from the row's fields alone";
    private const string NoGlobalWrites = "this changes a process-wide setting that other programs share; leave it alone and pass options (culture, comparison) to each call instead";
    private const string NoRuntime = "runtime services (GC, AppDomain, AppContext, compiler services, security) are not allowed in a labeling program";

    private static readonly (string Prefix, string Reason)[] DeniedNamespaces =
    [
        ("System.IO", NoIo),
        ("System.Net", NoNetwork),
        ("System.Diagnostics", NoProcess),
        ("System.Threading", NoThreads),
        ("System.Collections.Concurrent", NoThreads),
        ("System.Reflection", NoReflection),
        ("System.Linq.Expressions", NoReflection),
        ("System.Runtime.InteropServices", NoInterop),
        ("System.Runtime.Intrinsics", NoInterop),
        ("System.Runtime.Loader", NoReflection),
        ("System.Runtime", NoRuntime),
        ("System.Security", NoRuntime),
        ("System.Resources", NoIo),
        ("System.Buffers", NoInterop),
        ("Microsoft.Win32", NoProcess),
        ("System.ComponentModel", NoReflection),
        ("System.Timers", NoThreads),
        ("System.Web", NoNetwork),
    ];

    private static readonly HashSet<string> AllowedNamespaces =
    [
        "System.Collections",
        "System.Collections.Generic",
        "System.Collections.Frozen",
        "System.Collections.Immutable",
        "System.Collections.ObjectModel",
        "System.Collections.Specialized",
        "System.Globalization",
        "System.Numerics",
        "System.Text.RegularExpressions",
    ];

    private static readonly Dictionary<string, string> DeniedTypes = new(StringComparer.Ordinal)
    {
        ["System.Console"] = NoConsole,
        ["System.Environment"] = NoProcess,
        ["System.GC"] = NoInterop,
        ["System.GCCollectionMode"] = NoInterop,
        ["System.AppDomain"] = NoRuntime,
        ["System.AppContext"] = NoGlobalWrites,
        ["System.Activator"] = NoReflection,
        ["System.Type"] = NoReflection,
        ["System.RuntimeTypeHandle"] = NoReflection,
        ["System.RuntimeMethodHandle"] = NoReflection,
        ["System.RuntimeFieldHandle"] = NoReflection,
        ["System.TypedReference"] = NoInterop,
        ["System.ArgIterator"] = NoInterop,
        ["System.IntPtr"] = NoInterop,
        ["System.UIntPtr"] = NoInterop,
        ["System.Buffer"] = NoInterop,
        ["System.Delegate"] = NoReflection,
        ["System.MulticastDelegate"] = NoReflection,
        ["System.Random"] = NoNondeterminism,
        ["System.TimeProvider"] = NoNondeterminism,
        ["System.Linq.ParallelEnumerable"] = NoThreads,
        ["System.Linq.ParallelQuery"] = NoThreads,
        ["System.Linq.ParallelQuery`1"] = NoThreads,
        ["System.Linq.OrderedParallelQuery`1"] = NoThreads,
        ["System.Linq.ParallelMergeOptions"] = NoThreads,
        ["System.Linq.ParallelExecutionMode"] = NoThreads,
        ["System.Linq.Queryable"] = NoReflection,
        ["System.Linq.IQueryable"] = NoReflection,
        ["System.Linq.IQueryable`1"] = NoReflection,
        ["System.Linq.EnumerableQuery`1"] = NoReflection,
        ["System.Linq.AsyncEnumerable"] = NoThreads,
        ["System.Text.RegularExpressions.RegexRunner"] = NoReflection,
        ["System.Text.RegularExpressions.RegexRunnerFactory"] = NoReflection,
        ["System.Text.RegularExpressions.RegexCompilationInfo"] = NoIo,
        ["System.Text.RegularExpressions.GeneratedRegexAttribute"] =
            "[GeneratedRegex] needs a source generator that does not run here; use a static readonly Regex field instead",
    };

    private static readonly HashSet<string> AllowedSystemTypes =
    [
        "Object", "String", "Char", "Boolean", "Byte", "SByte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Int128", "UInt128",
        "Single", "Double", "Decimal", "Half", "Void", "Math", "MathF", "Convert", "BitConverter", "Array", "ArraySegment`1", "Span`1", "ReadOnlySpan`1",
        "Memory`1", "ReadOnlyMemory`1", "MemoryExtensions", "StringComparison", "StringComparer", "StringSplitOptions",
        "StringNormalizationExtensions", "CharEnumerator", "Nullable", "Nullable`1", "Index", "Range", "Enum", "HashCode",
        "IComparable", "IComparable`1", "IEquatable`1", "IFormattable", "IFormatProvider", "ISpanFormattable", "IConvertible", "IDisposable",
        "IParsable`1", "ISpanParsable`1", "FormattableString", "DateTime", "DateTimeOffset", "TimeSpan", "DateOnly", "TimeOnly", "DayOfWeek",
        "DateTimeKind", "Guid", "Uri", "UriKind", "UriComponents", "UriFormat", "UriPartial", "UriHostNameType", "Version", "MidpointRounding",
        "Lazy`1", "Predicate`1", "Comparison`1", "Converter`2", "Base64FormattingOptions", "ValueType", "Tuple", "ValueTuple",
        "TupleExtensions", "Exception", "SystemException", "ArgumentException", "ArgumentNullException", "ArgumentOutOfRangeException",
        "InvalidOperationException", "FormatException", "NotSupportedException", "NotImplementedException", "IndexOutOfRangeException",
        "OverflowException", "DivideByZeroException", "NullReferenceException", "ArithmeticException", "InvalidCastException",
        "FlagsAttribute", "ObsoleteAttribute",
    ];

    private static readonly HashSet<string> AllowedTypes =
    [
        "System.Text.StringBuilder", "System.Text.StringBuilder.ChunkEnumerator", "System.Text.StringBuilder.AppendInterpolatedStringHandler",
        "System.Text.Rune", "System.Text.NormalizationForm", "System.Text.Encoding", "System.Text.UTF8Encoding", "System.Text.ASCIIEncoding",
        "System.Text.UnicodeEncoding", "System.Text.Ascii", "System.Text.SpanLineEnumerator", "System.Text.SpanRuneEnumerator",
        "System.Text.StringRuneEnumerator", "System.Text.CompositeFormat",
        "System.Linq.Enumerable", "System.Linq.IGrouping`2", "System.Linq.ILookup`2", "System.Linq.Lookup`2", "System.Linq.IOrderedEnumerable`1",
        "System.Buffers.SearchValues", "System.Buffers.SearchValues`1",
        "System.Runtime.CompilerServices.MethodImplAttribute", "System.Runtime.CompilerServices.MethodImplOptions",
        "System.Runtime.CompilerServices.ITuple",
        "System.Diagnostics.Debug",
        "System.Diagnostics.CodeAnalysis.NotNullWhenAttribute", "System.Diagnostics.CodeAnalysis.MaybeNullWhenAttribute",
        "System.Diagnostics.CodeAnalysis.NotNullAttribute", "System.Diagnostics.CodeAnalysis.StringSyntaxAttribute",
    ];

    /// <summary>Members of allowed types that are still not allowed, by "Namespace.Type.Member".</summary>
    private static readonly Dictionary<string, string> DeniedMembers = new(StringComparer.Ordinal)
    {
        ["System.Object.GetType"] = NoReflection,
        ["System.String.Intern"] = NoGlobalWrites,
        ["System.DateTime.Now"] = NoNondeterminism,
        ["System.DateTime.UtcNow"] = NoNondeterminism,
        ["System.DateTime.Today"] = NoNondeterminism,
        ["System.DateTimeOffset.Now"] = NoNondeterminism,
        ["System.DateTimeOffset.UtcNow"] = NoNondeterminism,
        ["System.Guid.NewGuid"] = NoNondeterminism,
        ["System.Guid.CreateVersion7"] = NoNondeterminism,
        ["System.Text.Encoding.RegisterProvider"] = NoGlobalWrites,
        ["System.Text.RegularExpressions.Regex.CompileToAssembly"] = NoIo,
        ["System.Diagnostics.Debug.SetProvider"] = NoGlobalWrites,
        ["System.Array.CreateInstance"] = NoReflection,
        ["System.Array.CreateInstanceFromArrayType"] = NoReflection,
        ["System.Enum.GetUnderlyingType"] = NoReflection,
        ["System.Exception.TargetSite"] = NoReflection,
    };

    /// <summary>Members of denied types that are harmless and common in LLM-written code.</summary>
    private static readonly HashSet<string> AllowedMembersOfDeniedTypes =
    [
        "System.Environment.NewLine",
    ];

    /// <summary>Returns null when the type may be used, otherwise why not.</summary>
    public static string? CheckType(INamedTypeSymbol type)
    {
        var definition = type.OriginalDefinition;
        var full = FullMetadataName(definition);
        if (DeniedTypes.TryGetValue(full, out var deniedReason))
        {
            return deniedReason;
        }

        var ns = definition.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (AllowedTypes.Contains(full))
        {
            return null;
        }

        if (ns == "System")
        {
            var name = MetadataNameWithinNamespace(definition);
            if (AllowedSystemTypes.Contains(name) || IsFuncOrAction(definition) || name.StartsWith("ValueTuple`", StringComparison.Ordinal)
                || name.StartsWith("Tuple`", StringComparison.Ordinal))
            {
                return null;
            }
        }

        if (AllowedNamespaces.Contains(ns))
        {
            return null;
        }

        foreach (var (prefix, reason) in DeniedNamespaces)
        {
            if (ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal))
            {
                return reason;
            }
        }

        return $"it is not on the sandbox allowlist; allowed are {AllowedSummary}";
    }

    /// <summary>Returns null when the member may be used (its containing type is checked separately), otherwise why not.</summary>
    public static string? CheckMember(ISymbol member)
    {
        var key = FullMetadataName(member.ContainingType.OriginalDefinition) + "." + member.Name;
        return DeniedMembers.GetValueOrDefault(key);
    }

    public static bool IsAllowedMemberOfDeniedType(ISymbol member) =>
        AllowedMembersOfDeniedTypes.Contains(FullMetadataName(member.ContainingType.OriginalDefinition) + "." + member.Name);

    public static string FullMetadataName(INamedTypeSymbol type)
    {
        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : string.Empty;
        return ns + MetadataNameWithinNamespace(type);
    }

    private static string MetadataNameWithinNamespace(INamedTypeSymbol type) =>
        type.ContainingType is null ? type.MetadataName : MetadataNameWithinNamespace(type.ContainingType) + "." + type.MetadataName;

    private static bool IsFuncOrAction(INamedTypeSymbol type) =>
        type.Name is "Func" or "Action" && type.ContainingNamespace?.ToDisplayString() == "System";
}
