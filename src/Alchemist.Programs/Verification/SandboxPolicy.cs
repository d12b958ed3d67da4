using System.Collections.Frozen;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Alchemist.Programs.Verification;

/// <summary>
/// What a labeling program may use from the base library, by type and by member, default deny (docs/sandbox.md says
/// why). A program may name a type only if it is in <see cref="AllowedTypes"/>, and use a member (method, constructor,
/// operator, property accessor, field) only if its documentation id is in the reviewed member list
/// (<c>SandboxMembers.txt</c>). That list is what <see cref="DenyReason"/>'s rules let through from the allowed types of
/// the framework the project builds against; a test regenerates it and fails on any difference, so a new framework
/// version cannot add a member to a program's reach without a review. Anything denied gets a reason an LLM can act on.
/// </summary>
internal static class SandboxPolicy
{
    public const string AllowedSummary =
        "strings, chars, numbers, Math, Convert, LINQ (System.Linq.Enumerable), collections (List, Dictionary, HashSet, Frozen and Immutable collections), "
        + "Regex, StringBuilder, spans, read-only globalization (CultureInfo, CompareInfo, TextInfo), tuples, Uri, DateTime/TimeSpan arithmetic";

    private const string NoIo = "labeling programs cannot read or write files or directories; put the data you need (keywords, patterns) in static readonly fields of the program";
    private const string NoNetwork = "labeling programs cannot use the network; decide from the row's fields alone";
    private const string NoProcess = "labeling programs cannot start or inspect processes or read the environment; a label must depend only on the row";
    private const string NoConsole = "labeling programs cannot print or read the console; return the class index (or -1 to abstain) instead";
    private const string NoThreads = "labeling programs run one row at a time on one thread (Alchemist runs rows in parallel itself); remove threads, tasks, Parallel, PLINQ, locks and timers";
    private const string NoReflection = "reflection (System.Type, typeof, GetType(), System.Reflection, Activator, expression trees) is not allowed; call the methods you need directly";
    private const string NoRawMemory = "native interop, pointers and raw memory (Marshal, MemoryMarshal, Unsafe, IntPtr, refs into memory and the *Unsafe loads and stores of vector types) are not allowed; use safe C# on strings, arrays and spans";
    private const string NoNondeterminism = "labels must be reproducible: do not use randomness, GUIDs, hash codes or the current time; decide from the row's fields alone";
    private const string NoGlobalWrites = "this changes a process-wide setting that other programs share; leave it alone and pass options (culture, comparison) to each call instead";
    private const string NoRuntime = "runtime services (GC, AppDomain, AppContext, compiler services, security) are not allowed in a labeling program";
    private const string NoStackTrace = "a stack trace differs between a worker process and this process, so a label read from it is not reproducible; use the exception's Message";
    private const string NoLazy = "static readonly fields are initialized once already; compute the value in the field's initializer instead of a Lazy";
    private const string NoClock =
        "labels must be reproducible: parsing a date fills in today's date or year for what the text leaves out, and local time depends on the machine's time zone; take the numbers from the text with int.Parse or a Regex, and keep times in UTC";
    private const string NoVectors = "vector and big-number types (System.Numerics) are not available to labeling programs; use arrays, spans, Math and decimal";

    /// <summary>Why a type of these namespaces is denied (types of other namespaces not on the list get the generic reason).</summary>
    private static readonly (string Prefix, string Reason)[] DeniedNamespaces =
    [
        ("System.IO", NoIo),
        ("System.Net", NoNetwork),
        ("System.Diagnostics", NoProcess),
        ("System.Threading", NoThreads),
        ("System.Collections.Concurrent", NoThreads),
        ("System.Reflection", NoReflection),
        ("System.Linq.Expressions", NoReflection),
        ("System.Runtime.InteropServices", NoRawMemory),
        ("System.Runtime.Intrinsics", NoRawMemory),
        ("System.Runtime.CompilerServices", NoRawMemory),
        ("System.Runtime.Loader", NoReflection),
        ("System.Runtime", NoRuntime),
        ("System.Security", NoRuntime),
        ("System.Resources", NoIo),
        ("System.Buffers", NoRawMemory),
        ("System.Numerics", NoVectors),
        ("Microsoft.Win32", NoProcess),
        ("System.ComponentModel", NoReflection),
        ("System.Timers", NoThreads),
        ("System.Web", NoNetwork),
    ];

    /// <summary>Reasons for types that a program is likely to reach for; they are not on the allowed list.</summary>
    private static readonly FrozenDictionary<string, string> DeniedTypeReasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Console"] = NoConsole,
        ["System.Environment"] = NoProcess,
        ["System.GC"] = NoRawMemory,
        ["System.AppDomain"] = NoRuntime,
        ["System.AppContext"] = NoGlobalWrites,
        ["System.Activator"] = NoReflection,
        ["System.Type"] = NoReflection,
        ["System.TypedReference"] = NoRawMemory,
        ["System.IntPtr"] = NoRawMemory,
        ["System.UIntPtr"] = NoRawMemory,
        ["System.Buffer"] = NoRawMemory,
        ["System.Delegate"] = NoReflection,
        ["System.MulticastDelegate"] = NoReflection,
        ["System.Random"] = NoNondeterminism,
        ["System.TimeProvider"] = NoNondeterminism,
        ["System.Lazy`1"] = NoLazy,
        ["System.Lazy`2"] = NoLazy,
        ["System.Linq.ParallelEnumerable"] = NoThreads,
        ["System.Linq.Queryable"] = NoReflection,
        ["System.Collections.Immutable.ImmutableInterlocked"] = NoThreads,
        ["System.Text.RegularExpressions.RegexRunner"] = NoReflection,
        ["System.Text.RegularExpressions.RegexRunnerFactory"] = NoReflection,
        ["System.Text.RegularExpressions.GeneratedRegexAttribute"] =
            "[GeneratedRegex] needs a source generator that does not run here; use a static readonly Regex field instead",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Every type a program may name, by CLR metadata name ('+' before a nested type's name). Nothing is allowed by
    /// namespace: a type added to a namespace by a new framework is denied until it is listed here.
    /// </summary>
    public static readonly FrozenSet<string> AllowedTypes = new[]
    {
        // Values and text.
        "System.Object", "System.ValueType", "System.Enum", "System.Void", "System.String", "System.Char", "System.Boolean",
        "System.Byte", "System.SByte", "System.Int16", "System.UInt16", "System.Int32", "System.UInt32", "System.Int64", "System.UInt64",
        "System.Int128", "System.UInt128", "System.Single", "System.Double", "System.Decimal", "System.Half",
        "System.Math", "System.MathF", "System.Convert", "System.BitConverter", "System.MidpointRounding", "System.TypeCode",
        "System.Base64FormattingOptions", "System.StringComparison", "System.StringComparer", "System.StringSplitOptions",
        "System.StringNormalizationExtensions", "System.CharEnumerator", "System.Nullable", "System.Nullable`1", "System.Index", "System.Range",
        "System.HashCode", "System.FormattableString", "System.Version", "System.Guid",
        "System.DateTime", "System.DateTimeOffset", "System.TimeSpan", "System.DateOnly", "System.TimeOnly", "System.DayOfWeek", "System.DateTimeKind",
        "System.Uri", "System.UriKind", "System.UriComponents", "System.UriFormat", "System.UriPartial", "System.UriHostNameType",

        // Arrays and spans: bounds-checked views of memory the program owns.
        "System.Array", "System.ArraySegment`1", "System.ArraySegment`1+Enumerator", "System.Span`1", "System.Span`1+Enumerator",
        "System.ReadOnlySpan`1", "System.ReadOnlySpan`1+Enumerator", "System.Memory`1", "System.ReadOnlyMemory`1", "System.MemoryExtensions",
        "System.MemoryExtensions+SpanSplitEnumerator`1", "System.MemoryExtensions+SpanSplitEnumeratorMode",
        "System.MemoryExtensions+TryWriteInterpolatedStringHandler",

        // Interfaces and delegates programs implement or pass.
        "System.IComparable", "System.IComparable`1", "System.IEquatable`1", "System.IFormattable", "System.IFormatProvider",
        "System.ISpanFormattable", "System.IDisposable", "System.Predicate`1", "System.Comparison`1", "System.Converter`2",
        "System.Action", "System.Func`1",

        // Tuples.
        "System.Tuple", "System.TupleExtensions", "System.ValueTuple",

        // Exceptions a program throws or catches.
        "System.Exception", "System.SystemException", "System.ArgumentException", "System.ArgumentNullException",
        "System.ArgumentOutOfRangeException", "System.InvalidOperationException", "System.FormatException", "System.NotSupportedException",
        "System.NotImplementedException", "System.IndexOutOfRangeException", "System.OverflowException", "System.DivideByZeroException",
        "System.NullReferenceException", "System.ArithmeticException", "System.InvalidCastException",
        "System.Collections.Generic.KeyNotFoundException",

        // Attributes with a use in a program.
        "System.FlagsAttribute", "System.ObsoleteAttribute", "System.Runtime.CompilerServices.MethodImplAttribute",
        "System.Runtime.CompilerServices.MethodImplOptions", "System.Diagnostics.CodeAnalysis.NotNullWhenAttribute",
        "System.Diagnostics.CodeAnalysis.MaybeNullWhenAttribute", "System.Diagnostics.CodeAnalysis.NotNullAttribute",
        "System.Diagnostics.CodeAnalysis.StringSyntaxAttribute",

        // What the compiler builds for interpolated strings and tuples.
        "System.Runtime.CompilerServices.DefaultInterpolatedStringHandler", "System.Runtime.CompilerServices.FormattableStringFactory",
        "System.Runtime.CompilerServices.ITuple",

        // Calls that compile to nothing (the program is compiled without DEBUG).
        "System.Diagnostics.Debug",

        // Text.
        "System.Text.StringBuilder", "System.Text.StringBuilder+ChunkEnumerator", "System.Text.StringBuilder+AppendInterpolatedStringHandler",
        "System.Text.Rune", "System.Text.NormalizationForm", "System.Text.Encoding", "System.Text.UTF8Encoding", "System.Text.ASCIIEncoding",
        "System.Text.UnicodeEncoding", "System.Text.Ascii", "System.Text.SpanLineEnumerator", "System.Text.SpanRuneEnumerator",
        "System.Text.StringRuneEnumerator", "System.Text.CompositeFormat",
        "System.Buffers.SearchValues", "System.Buffers.SearchValues`1",

        // Regular expressions (the rewriter forces a match timeout on each).
        "System.Text.RegularExpressions.Regex", "System.Text.RegularExpressions.Regex+ValueMatchEnumerator",
        "System.Text.RegularExpressions.Regex+ValueSplitEnumerator", "System.Text.RegularExpressions.RegexOptions",
        "System.Text.RegularExpressions.Match", "System.Text.RegularExpressions.MatchCollection", "System.Text.RegularExpressions.Group",
        "System.Text.RegularExpressions.GroupCollection", "System.Text.RegularExpressions.Capture", "System.Text.RegularExpressions.CaptureCollection",
        "System.Text.RegularExpressions.ValueMatch", "System.Text.RegularExpressions.MatchEvaluator",
        "System.Text.RegularExpressions.RegexMatchTimeoutException",

        // LINQ.
        "System.Linq.Enumerable", "System.Linq.IGrouping`2", "System.Linq.ILookup`2", "System.Linq.Lookup`2", "System.Linq.IOrderedEnumerable`1",
        "System.Linq.ImmutableArrayExtensions",

        // Collections.
        "System.Collections.IEnumerable", "System.Collections.IEnumerator", "System.Collections.ICollection", "System.Collections.IList",
        "System.Collections.IDictionary", "System.Collections.IDictionaryEnumerator", "System.Collections.DictionaryEntry",
        "System.Collections.IComparer", "System.Collections.IEqualityComparer", "System.Collections.IStructuralComparable",
        "System.Collections.IStructuralEquatable", "System.Collections.BitArray",
        "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.IEnumerator`1", "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IList`1", "System.Collections.Generic.IReadOnlyCollection`1", "System.Collections.Generic.IReadOnlyList`1",
        "System.Collections.Generic.IDictionary`2", "System.Collections.Generic.IReadOnlyDictionary`2", "System.Collections.Generic.ISet`1",
        "System.Collections.Generic.IReadOnlySet`1", "System.Collections.Generic.IComparer`1", "System.Collections.Generic.IEqualityComparer`1",
        "System.Collections.Generic.Comparer`1", "System.Collections.Generic.EqualityComparer`1", "System.Collections.Generic.ReferenceEqualityComparer",
        "System.Collections.Generic.KeyValuePair", "System.Collections.Generic.KeyValuePair`2", "System.Collections.Generic.CollectionExtensions",
        "System.Collections.Generic.List`1", "System.Collections.Generic.List`1+Enumerator",
        "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.Dictionary`2+Enumerator",
        "System.Collections.Generic.Dictionary`2+KeyCollection", "System.Collections.Generic.Dictionary`2+KeyCollection+Enumerator",
        "System.Collections.Generic.Dictionary`2+ValueCollection", "System.Collections.Generic.Dictionary`2+ValueCollection+Enumerator",
        "System.Collections.Generic.Dictionary`2+AlternateLookup`1",
        "System.Collections.Generic.HashSet`1", "System.Collections.Generic.HashSet`1+Enumerator", "System.Collections.Generic.HashSet`1+AlternateLookup`1",
        "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedDictionary`2+Enumerator",
        "System.Collections.Generic.SortedDictionary`2+KeyCollection", "System.Collections.Generic.SortedDictionary`2+KeyCollection+Enumerator",
        "System.Collections.Generic.SortedDictionary`2+ValueCollection", "System.Collections.Generic.SortedDictionary`2+ValueCollection+Enumerator",
        "System.Collections.Generic.SortedList`2", "System.Collections.Generic.SortedSet`1", "System.Collections.Generic.SortedSet`1+Enumerator",
        "System.Collections.Generic.Queue`1", "System.Collections.Generic.Queue`1+Enumerator", "System.Collections.Generic.Stack`1",
        "System.Collections.Generic.Stack`1+Enumerator", "System.Collections.Generic.LinkedList`1", "System.Collections.Generic.LinkedList`1+Enumerator",
        "System.Collections.Generic.LinkedListNode`1", "System.Collections.Generic.PriorityQueue`2",
        "System.Collections.Generic.PriorityQueue`2+UnorderedItemsCollection", "System.Collections.Generic.PriorityQueue`2+UnorderedItemsCollection+Enumerator",
        "System.Collections.Generic.OrderedDictionary`2", "System.Collections.Generic.OrderedDictionary`2+Enumerator",
        "System.Collections.Generic.OrderedDictionary`2+KeyCollection", "System.Collections.Generic.OrderedDictionary`2+KeyCollection+Enumerator",
        "System.Collections.Generic.OrderedDictionary`2+ValueCollection", "System.Collections.Generic.OrderedDictionary`2+ValueCollection+Enumerator",
        "System.Collections.ObjectModel.ReadOnlyCollection`1", "System.Collections.ObjectModel.Collection`1",
        "System.Collections.ObjectModel.ReadOnlyDictionary`2", "System.Collections.ObjectModel.ReadOnlyDictionary`2+KeyCollection",
        "System.Collections.ObjectModel.ReadOnlyDictionary`2+ValueCollection", "System.Collections.ObjectModel.ReadOnlySet`1",
        "System.Collections.Frozen.FrozenSet", "System.Collections.Frozen.FrozenSet`1", "System.Collections.Frozen.FrozenSet`1+Enumerator",
        "System.Collections.Frozen.FrozenSet`1+AlternateLookup`1", "System.Collections.Frozen.FrozenDictionary",
        "System.Collections.Frozen.FrozenDictionary`2", "System.Collections.Frozen.FrozenDictionary`2+Enumerator",
        "System.Collections.Frozen.FrozenDictionary`2+AlternateLookup`1",
        "System.Collections.Immutable.ImmutableArray", "System.Collections.Immutable.ImmutableArray`1",
        "System.Collections.Immutable.ImmutableArray`1+Builder", "System.Collections.Immutable.ImmutableArray`1+Enumerator",
        "System.Collections.Immutable.ImmutableList", "System.Collections.Immutable.ImmutableList`1",
        "System.Collections.Immutable.ImmutableList`1+Builder", "System.Collections.Immutable.ImmutableList`1+Enumerator",
        "System.Collections.Immutable.ImmutableHashSet", "System.Collections.Immutable.ImmutableHashSet`1",
        "System.Collections.Immutable.ImmutableHashSet`1+Builder", "System.Collections.Immutable.ImmutableHashSet`1+Enumerator",
        "System.Collections.Immutable.ImmutableDictionary", "System.Collections.Immutable.ImmutableDictionary`2",
        "System.Collections.Immutable.ImmutableDictionary`2+Builder", "System.Collections.Immutable.ImmutableDictionary`2+Enumerator",
        "System.Collections.Immutable.ImmutableSortedSet", "System.Collections.Immutable.ImmutableSortedSet`1",
        "System.Collections.Immutable.ImmutableSortedSet`1+Builder", "System.Collections.Immutable.ImmutableSortedSet`1+Enumerator",
        "System.Collections.Immutable.ImmutableSortedDictionary", "System.Collections.Immutable.ImmutableSortedDictionary`2",
        "System.Collections.Immutable.ImmutableSortedDictionary`2+Builder", "System.Collections.Immutable.ImmutableSortedDictionary`2+Enumerator",
        "System.Collections.Immutable.ImmutableStack", "System.Collections.Immutable.ImmutableStack`1",
        "System.Collections.Immutable.ImmutableStack`1+Enumerator", "System.Collections.Immutable.ImmutableQueue",
        "System.Collections.Immutable.ImmutableQueue`1", "System.Collections.Immutable.ImmutableQueue`1+Enumerator",
        "System.Collections.Immutable.IImmutableList`1", "System.Collections.Immutable.IImmutableSet`1",
        "System.Collections.Immutable.IImmutableDictionary`2", "System.Collections.Immutable.IImmutableStack`1",
        "System.Collections.Immutable.IImmutableQueue`1",

        // Read-only globalization (process-wide settings cannot be assigned; shared instances are read-only).
        "System.Globalization.CultureInfo", "System.Globalization.CompareInfo", "System.Globalization.CompareOptions",
        "System.Globalization.TextInfo", "System.Globalization.NumberStyles", "System.Globalization.DateTimeStyles",
        "System.Globalization.NumberFormatInfo", "System.Globalization.DateTimeFormatInfo", "System.Globalization.UnicodeCategory",
        "System.Globalization.CharUnicodeInfo", "System.Globalization.StringInfo", "System.Globalization.TextElementEnumerator",
        "System.Globalization.GlobalizationExtensions", "System.Globalization.SortKey",
    }.Concat(Enumerable.Range(1, 16).Select(n => $"System.Action`{n}"))
        .Concat(Enumerable.Range(2, 16).Select(n => $"System.Func`{n}"))
        .Concat(Enumerable.Range(1, 8).Select(n => $"System.Tuple`{n}"))
        .Concat(Enumerable.Range(1, 8).Select(n => $"System.ValueTuple`{n}"))
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Members of allowed types that are still denied, by "Namespace.Type.Member" (every overload).</summary>
    private static readonly FrozenDictionary<string, string> DeniedMembers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.Object.GetType"] = NoReflection,
        ["System.String.Intern"] = NoGlobalWrites,
        ["System.String.IsInterned"] = NoGlobalWrites,
        ["System.DateTime.Now"] = NoNondeterminism,
        ["System.DateTime.UtcNow"] = NoNondeterminism,
        ["System.DateTime.Today"] = NoNondeterminism,
        ["System.DateTimeOffset.Now"] = NoNondeterminism,
        ["System.DateTimeOffset.UtcNow"] = NoNondeterminism,
        ["System.DateTime.Parse"] = NoClock,
        ["System.DateTime.TryParse"] = NoClock,
        ["System.DateTime.ParseExact"] = NoClock,
        ["System.DateTime.TryParseExact"] = NoClock,
        ["System.DateTime.ToLocalTime"] = NoClock,
        ["System.DateTime.ToUniversalTime"] = NoClock,
        ["System.DateTime.ToFileTime"] = NoClock,
        ["System.DateTime.FromFileTime"] = NoClock,
        ["System.DateTime.IsDaylightSavingTime"] = NoClock,
        ["System.DateTimeOffset.Parse"] = NoClock,
        ["System.DateTimeOffset.TryParse"] = NoClock,
        ["System.DateTimeOffset.ParseExact"] = NoClock,
        ["System.DateTimeOffset.TryParseExact"] = NoClock,
        ["System.DateTimeOffset.ToLocalTime"] = NoClock,
        ["System.DateTimeOffset.LocalDateTime"] = NoClock,
        ["System.DateTimeOffset.FromFileTime"] = NoClock,
        ["System.DateOnly.Parse"] = NoClock,
        ["System.DateOnly.TryParse"] = NoClock,
        ["System.DateOnly.ParseExact"] = NoClock,
        ["System.DateOnly.TryParseExact"] = NoClock,
        ["System.Convert.ToDateTime"] = NoClock,
        ["System.Convert.ChangeType"] = NoClock,
        ["System.Guid.NewGuid"] = NoNondeterminism,
        ["System.Guid.CreateVersion7"] = NoNondeterminism,
        ["System.Linq.Enumerable.Shuffle"] = NoNondeterminism,
        ["System.Exception.StackTrace"] = NoStackTrace,
        ["System.Exception.ToString"] = NoStackTrace,
        ["System.Globalization.CultureInfo.ClearCachedData"] = NoGlobalWrites,
        ["System.Text.Encoding.RegisterProvider"] = NoGlobalWrites,
        ["System.Text.RegularExpressions.Regex.CompileToAssembly"] = NoIo,
        ["System.Text.RegularExpressions.Match.Synchronized"] = NoThreads,
        ["System.Text.RegularExpressions.Group.Synchronized"] = NoThreads,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Single overloads denied, by documentation id: a DateTime of unspecified kind takes the machine's time zone here.</summary>
    private static readonly FrozenDictionary<string, string> DeniedOverloads = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["M:System.DateTimeOffset.#ctor(System.DateTime)"] = NoClock,
        ["M:System.DateTimeOffset.op_Implicit(System.DateTime)~System.DateTimeOffset"] = NoClock,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Members of denied types that are harmless and common in LLM-written code.</summary>
    private static readonly FrozenSet<string> AllowedMembersOfDeniedTypes = new[] { "P:System.Environment.NewLine" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Members that return a reference and are still memory-safe: the bounds-checked element of a span, and the current
    /// element of a span's enumerator (what <c>foreach</c> over a span reads).
    /// </summary>
    private static readonly FrozenSet<string> SafeRefReturns = new[]
    {
        "M:System.Span`1.get_Item(System.Int32)",
        "M:System.ReadOnlySpan`1.get_Item(System.Int32)",
        "M:System.Span`1.Enumerator.get_Current",
        "M:System.ReadOnlySpan`1.Enumerator.get_Current",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Members that take a reference and are still memory-safe: they only replace the array the variable holds.</summary>
    private static readonly FrozenSet<string> SafeRefParameters = new[] { "M:System.Array.Resize``1(``0[]@,System.Int32)" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly Lazy<FrozenSet<string>> ReviewedMembers = new(LoadReviewedMembers);

    /// <summary>The name of the embedded list of allowed members (documentation ids), one per line.</summary>
    public const string MemberListResource = "Alchemist.Programs.Verification.SandboxMembers.txt";

    /// <summary>The reviewed list of allowed members, as embedded in this build.</summary>
    public static FrozenSet<string> Members => ReviewedMembers.Value;

    /// <summary>Null when a program may name the type, otherwise why not.</summary>
    public static string? CheckType(INamedTypeSymbol type)
    {
        var name = ClrName(type.OriginalDefinition);
        if (AllowedTypes.Contains(name))
        {
            return null;
        }

        if (DeniedTypeReasons.TryGetValue(name, out var reason))
        {
            return reason;
        }

        var ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        foreach (var (prefix, namespaceReason) in DeniedNamespaces)
        {
            if (ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal))
            {
                return namespaceReason;
            }
        }

        return $"it is not on the sandbox allowlist; allowed are {AllowedSummary}";
    }

    /// <summary>
    /// Null when a program may use this member of a library type, otherwise why not. Accessors, not properties, are
    /// checked: reading a property and assigning it are separate members.
    /// </summary>
    public static string? CheckMember(ISymbol member)
    {
        var id = DocumentationId(member);
        if (id is not null && Members.Contains(id))
        {
            return null;
        }

        if (IsAllowedMemberOfDeniedType(member))
        {
            return null;
        }

        return DenyReason(member) ?? "it is not on the sandbox's reviewed list of members (new in this framework version?); use another member or ask for it to be reviewed";
    }

    public static bool IsAllowedMemberOfDeniedType(ISymbol member) =>
        DocumentationId(member is IMethodSymbol { AssociatedSymbol: IPropertySymbol property } ? property : member) is { } id
        && AllowedMembersOfDeniedTypes.Contains(id);

    /// <summary>
    /// The rules the reviewed member list was made with: null when the member is public, on an allowed type, mentions only
    /// allowed types, takes and returns no reference into memory (except a span's bounds-checked element), has no pointer,
    /// is not an *Unsafe* member, assigns no process-wide setting and is not denied by name; otherwise the first reason.
    /// </summary>
    public static string? DenyReason(ISymbol member)
    {
        var containing = member.ContainingType;
        if (containing is null)
        {
            return NoReflection;
        }

        if (CheckType(containing) is { } typeReason)
        {
            return typeReason;
        }

        if (member.DeclaredAccessibility != Accessibility.Public && !IsObjectMemberwiseClone(member))
        {
            return "only public members of library types may be used; deriving from a library class to reach its protected internals (such as a Regex's internalMatchTimeout) is not allowed";
        }

        var named = ClrName(containing.OriginalDefinition).Replace('+', '.') + "." + NameForDenial(member);
        if (DeniedMembers.TryGetValue(named, out var deniedReason))
        {
            return deniedReason;
        }

        if (member.Name.Contains("Unsafe", StringComparison.OrdinalIgnoreCase) || member.Name.Contains("Pinnable", StringComparison.Ordinal))
        {
            return NoRawMemory;
        }

        var id = DocumentationId(member);
        if (id is not null && DeniedOverloads.TryGetValue(id, out var overloadReason))
        {
            return overloadReason;
        }

        switch (member)
        {
            case IMethodSymbol method:
                if ((method.ReturnsByRef || method.ReturnsByRefReadonly) && (id is null || !SafeRefReturns.Contains(id)))
                {
                    return NoRawMemory;
                }

                if (method.MethodKind == MethodKind.PropertySet && method.IsStatic)
                {
                    return NoGlobalWrites;
                }

                foreach (var parameter in method.Parameters)
                {
                    if (parameter.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter
                        && !IsInterpolatedStringHandler(parameter.Type) && (id is null || !SafeRefParameters.Contains(id)))
                    {
                        return NoRawMemory;
                    }

                    if (SignatureTypeReason(parameter.Type) is { } parameterReason)
                    {
                        return parameterReason;
                    }
                }

                return method.ReturnsVoid ? null : SignatureTypeReason(method.ReturnType);
            case IFieldSymbol field:
                return field.IsFixedSizeBuffer ? NoRawMemory : SignatureTypeReason(field.Type);
            case IPropertySymbol property:
                return property.ReturnsByRef || property.ReturnsByRefReadonly ? NoRawMemory : SignatureTypeReason(property.Type);
            case IEventSymbol:
                return "events of library types are not allowed in a labeling program";
            default:
                return $"it is not on the sandbox allowlist; allowed are {AllowedSummary}";
        }
    }

    /// <summary>Null when a type may appear in an allowed member's signature (type parameters may), otherwise why not.</summary>
    public static string? SignatureTypeReason(ITypeSymbol type)
    {
        switch (type)
        {
            case ITypeParameterSymbol:
                return null;
            case IArrayTypeSymbol array:
                return SignatureTypeReason(array.ElementType);
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return NoRawMemory;
            case INamedTypeSymbol named:
                if (CheckType(named) is { } reason)
                {
                    return reason;
                }

                foreach (var argument in named.TypeArguments)
                {
                    if (SignatureTypeReason(argument) is { } argumentReason)
                    {
                        return argumentReason;
                    }
                }

                return null;
            default:
                return $"it is not on the sandbox allowlist; allowed are {AllowedSummary}";
        }
    }

    /// <summary>
    /// Hash codes of strings and objects are randomized per process, so a label computed from one differs between runs and
    /// workers. They may be used only where they feed hashing: inside a program type's own GetHashCode override.
    /// </summary>
    public static bool IsHashCodeMember(ISymbol member) =>
        member.Name == "GetHashCode" || member.ContainingType is { Name: "HashCode", ContainingNamespace.Name: "System" };

    public const string HashCodeReason =
        "hash codes are randomized per process, so labels computed from them are not reproducible; use them only inside a GetHashCode override, or compare strings with StringComparer/Equals";

    /// <summary>The documentation id of the member's definition ("M:System.String.Contains(System.String)"), null if it has none.</summary>
    public static string? DocumentationId(ISymbol member)
    {
        var definition = member switch
        {
            IMethodSymbol method => (method.ReducedFrom ?? method).OriginalDefinition,
            _ => member.OriginalDefinition,
        };
        return definition.GetDocumentationCommentId();
    }

    /// <summary>The CLR metadata name of a type definition: namespace, then nested names joined by '+'.</summary>
    public static string ClrName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }

    /// <summary>
    /// Every member the rules allow on the allowed types of <paramref name="compilation"/>'s references, by documentation
    /// id, sorted: what <c>SandboxMembers.txt</c> must hold for this framework. Properties and events are represented by
    /// their accessors.
    /// </summary>
    public static IReadOnlyList<string> MembersAllowedByRules(Microsoft.CodeAnalysis.Compilation compilation, out IReadOnlyList<string> missingTypes)
    {
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var name in AllowedTypes)
        {
            if (compilation.GetTypeByMetadataName(name) is not { } type)
            {
                missing.Add(name);
                continue;
            }

            foreach (var member in type.GetMembers())
            {
                if (member is INamedTypeSymbol or IPropertySymbol or IEventSymbol || member.IsImplicitlyDeclared && member is not IMethodSymbol { MethodKind: MethodKind.Constructor })
                {
                    continue;
                }

                if (DenyReason(member) is null && DocumentationId(member) is { } id)
                {
                    allowed.Add(id);
                }
            }
        }

        missingTypes = missing;
        return [.. allowed];
    }

    /// <summary>The name a member is denied by: a property's name for its accessors ("Now" for get_Now).</summary>
    private static string NameForDenial(ISymbol member) =>
        member is IMethodSymbol { AssociatedSymbol: IPropertySymbol or IEventSymbol } accessor ? accessor.AssociatedSymbol!.Name : member.Name;

    private static bool IsObjectMemberwiseClone(ISymbol member) =>
        member is IMethodSymbol { Name: "MemberwiseClone", ContainingType.SpecialType: SpecialType.System_Object };

    private static bool IsInterpolatedStringHandler(ITypeSymbol type) =>
        type.GetAttributes().Any(a => a.AttributeClass is { Name: "InterpolatedStringHandlerAttribute" });

    private static FrozenSet<string> LoadReviewedMembers()
    {
        using var stream = typeof(SandboxPolicy).Assembly.GetManifestResourceStream(MemberListResource)
            ?? throw new InvalidOperationException($"the sandbox member list {MemberListResource} is missing from {typeof(SandboxPolicy).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var members = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                members.Add(line);
            }
        }

        return members.ToFrozenSet(StringComparer.Ordinal);
    }
}
