using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Alchemist.Programs.Loading;

/// <summary>
/// Detects a program that changes its static state while labeling, whatever path it took past the verifier (a local alias
/// of a static array, a span over it, a closure created in a static initializer, a helper that changes its argument, an
/// enumerator kept in a static field). After the program's static initializers have run, every object graph reachable
/// from its static fields is fingerprinted; a later fingerprint that differs means a vote may depend on the rows labeled
/// before it, so the program is disabled. The walk follows arrays, the program's own objects, closures and the library's
/// collections and iterators field by field; library objects that keep harmless caches of their own (regexes and their
/// matches, cultures, encodings, comparers) count by their type alone, since a program cannot change them through the
/// members it is allowed.
/// </summary>
internal sealed class StaticStateGuard
{
    private static readonly ConditionalWeakTable<Type, FieldInfo[]> InstanceFields = [];

    private readonly FieldInfo[] _fields;
    private readonly long[] _baseline;
    private long _lastCheckTicks;

    private StaticStateGuard(FieldInfo[] fields)
    {
        _fields = fields;
        _baseline = new long[fields.Length];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < fields.Length; i++)
        {
            _baseline[i] = Fingerprint(fields[i].GetValue(null));
        }

        _lastCheckTicks = Stopwatch.GetTimestamp() - started;
    }

    /// <summary>Time the last fingerprint took, in <see cref="Stopwatch"/> ticks: callers space their checks by it.</summary>
    public long LastCheckTicks => _lastCheckTicks;

    /// <summary>Fingerprints the static fields of every type of <paramref name="assembly"/> (their initializers have run).</summary>
    public static StaticStateGuard Capture(Assembly assembly)
    {
        var fields = assembly.GetTypes()
            .Where(t => !t.Name.StartsWith("<PrivateImplementationDetails>", StringComparison.Ordinal) && !t.ContainsGenericParameters)
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => !f.IsLiteral && !IsCompilerCache(f))
            .ToArray();
        return new StaticStateGuard(fields);
    }

    /// <summary>The first static field whose contents changed since the initializers ran, or null when none did.</summary>
    public string? FindChange()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0; i < _fields.Length; i++)
            {
                if (Fingerprint(_fields[i].GetValue(null)) != _baseline[i])
                {
                    return $"{_fields[i].DeclaringType?.Name}.{_fields[i].Name}";
                }
            }

            return null;
        }
        finally
        {
            _lastCheckTicks = Stopwatch.GetTimestamp() - started;
        }
    }

    /// <summary>
    /// Static fields the compiler made (their names start with '&lt;', so no program can name them): caches of lambdas
    /// (&lt;&gt;9__…) and of method-group delegates (&lt;0&gt;__IsLetter), filled on first use with delegates without state.
    /// The rewriter's hoisted regexes (__alchemist…) are regexes, opaque anyway.
    /// </summary>
    private static bool IsCompilerCache(FieldInfo field) =>
        field.Name.StartsWith('<') || field.Name.StartsWith("__alchemist", StringComparison.Ordinal);

    private static long Fingerprint(object? root)
    {
        var hash = new HashCode();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object?>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            if (value is null)
            {
                hash.Add(0);
                continue;
            }

            var type = value.GetType();
            hash.Add(type.TypeHandle.Value);
            switch (value)
            {
                case string text:
                    hash.Add(text.Length);
                    hash.Add(text.GetHashCode(StringComparison.Ordinal));
                    continue;
                case Delegate function:
                    hash.Add(function.Method.MethodHandle.Value);
                    pending.Push(function.Target);
                    continue;
            }

            if (type.IsPrimitive || type.IsEnum)
            {
                hash.Add(value);
                continue;
            }

            if (!type.IsValueType && !visited.Add(value))
            {
                hash.Add(-1); // seen before: identity, not contents, matters for a second path to the same object
                continue;
            }

            if (IsOpaque(type))
            {
                continue;
            }

            if (value is Array array)
            {
                AddArray(ref hash, array, pending);
                continue;
            }

            foreach (var field in FieldsOf(type))
            {
                pending.Push(field.GetValue(value));
            }
        }

        return (uint)hash.ToHashCode() | ((long)visited.Count << 32);
    }

    private static void AddArray(ref HashCode hash, Array array, Stack<object?> pending)
    {
        hash.Add(array.Length);
        if (array.GetType().GetElementType()!.IsPrimitive)
        {
            // Primitive arrays are hashed as their bytes, without a boxed value per element.
            hash.AddBytes(MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(array), Buffer.ByteLength(array)));
            return;
        }

        foreach (var item in array)
        {
            pending.Push(item);
        }
    }

    /// <summary>
    /// The instance fields the fingerprint reads. A LINQ iterator's state and thread fields are left out: enumerating a
    /// query kept in a static field on the thread that built it reuses the query object as its own enumerator (the state
    /// goes from 0 to -1 and back to a copy later) without any change to what it yields; an enumerator that a program
    /// advances still shows in its current element.
    /// </summary>
    private static FieldInfo[] FieldsOf(Type type) => InstanceFields.GetValue(type, static t =>
    {
        var fields = new List<FieldInfo>();
        for (var current = t; current is not null && current != typeof(object); current = current.BaseType)
        {
            fields.AddRange(current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(f => !(current.Namespace == "System.Linq" && f.Name is "_state" or "_threadId")));
        }

        return [.. fields];
    });

    /// <summary>Library objects whose internals change on reads (lazy caches) and that a program cannot change otherwise.</summary>
    private static bool IsOpaque(Type type)
    {
        var ns = type.Namespace ?? string.Empty;
        if (ns.StartsWith("System.Text.RegularExpressions", StringComparison.Ordinal) || ns.StartsWith("System.Globalization", StringComparison.Ordinal)
            || ns.StartsWith("System.Reflection", StringComparison.Ordinal) || ns.StartsWith("System.Buffers", StringComparison.Ordinal))
        {
            return true;
        }

        return typeof(System.Text.Encoding).IsAssignableFrom(type) || typeof(StringComparer).IsAssignableFrom(type) || IsLibraryComparer(type);
    }

    private static bool IsLibraryComparer(Type type) =>
        type.Namespace is { } ns && ns.StartsWith("System", StringComparison.Ordinal)
        && type.GetInterfaces().Any(i => i == typeof(System.Collections.IComparer) || i == typeof(System.Collections.IEqualityComparer)
                                         || (i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(IComparer<>) || i.GetGenericTypeDefinition() == typeof(IEqualityComparer<>))));
}
