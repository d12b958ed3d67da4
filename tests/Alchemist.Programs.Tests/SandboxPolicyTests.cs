using Alchemist.Programs.Compilation;
using Alchemist.Programs.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>
/// The member allowlist against the framework the project builds against: the reviewed list is exactly what the rules
/// allow (so a new framework version that adds a member to an allowed type fails here until the list is regenerated and
/// the change reviewed), and every member on it passes an independent memory-safety check written here, not in the
/// product. Regenerate after a review with <c>ALCHEMIST_WRITE_SANDBOX_MEMBERS=1 dotnet test --filter SandboxPolicyTests</c>.
/// </summary>
public sealed class SandboxPolicyTests
{
    private static readonly Lazy<CSharpCompilation> Framework = new(() => CSharpCompilation.Create("policy", [], References.ForSandbox));

    [Fact]
    public void The_reviewed_member_list_is_exactly_what_the_rules_allow_on_this_framework()
    {
        var generated = SandboxPolicy.MembersAllowedByRules(Framework.Value, out var missingTypes);
        Assert.True(missingTypes.Count == 0, "allowed types missing from the framework: " + string.Join(", ", missingTypes));

        var listPath = Path.Combine(Alchemist.Tests.SharedFolder.RepositoryRoot, "src", "Alchemist.Programs", "Verification", "SandboxMembers.txt");
        if (Environment.GetEnvironmentVariable("ALCHEMIST_WRITE_SANDBOX_MEMBERS") == "1")
        {
            File.WriteAllLines(listPath, [.. Header(), .. generated]);
            return;
        }

        var reviewed = SandboxPolicy.Members;
        var added = generated.Where(m => !reviewed.Contains(m)).ToList();
        var removed = reviewed.Where(m => !generated.Contains(m)).Order(StringComparer.Ordinal).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0,
            $"the framework's members differ from {listPath}: {added.Count} allowed by the rules but not listed "
            + $"(denied until reviewed): {string.Join(", ", added.Take(30))}; {removed.Count} listed but gone or now denied: "
            + $"{string.Join(", ", removed.Take(30))}. Review them, then regenerate with ALCHEMIST_WRITE_SANDBOX_MEMBERS=1.");
    }

    [Fact]
    public void Every_public_member_reachable_through_the_allowlist_is_memory_safe_or_denied()
    {
        var compilation = Framework.Value;
        var reviewed = SandboxPolicy.Members;
        var checkedMembers = 0;
        var problems = new List<string>();
        foreach (var typeName in SandboxPolicy.AllowedTypes)
        {
            var type = compilation.GetTypeByMetadataName(typeName)!;
            foreach (var member in type.GetMembers().Where(m => m is IMethodSymbol or IFieldSymbol && m.DeclaredAccessibility == Accessibility.Public))
            {
                checkedMembers++;
                var id = member.GetDocumentationCommentId();
                if (id is null || !reviewed.Contains(id))
                {
                    continue;
                }

                if (UnsafeShape(member) is { } problem)
                {
                    problems.Add($"{id}: {problem}");
                }
            }
        }

        Assert.True(checkedMembers > 3000, $"only {checkedMembers} public members enumerated: the walk is broken");
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // Every member on the list belongs to an allowed type: nothing outside the allowlist is reachable by name.
        var types = SandboxPolicy.AllowedTypes.Select(t => t.Replace('+', '.')).ToHashSet(StringComparer.Ordinal);
        var strays = reviewed.Where(id => !types.Contains(ContainingTypeOf(id))).ToList();
        Assert.True(strays.Count == 0, "members of types not on the allowlist: " + string.Join(", ", strays.Take(20)));
    }

    [Theory]
    [InlineData("System.Numerics.Vector", "LoadUnsafe", "System.Numerics")]
    [InlineData("System.Numerics.Vector", "StoreUnsafe", "System.Numerics")]
    [InlineData("System.Runtime.Intrinsics.Vector128", "LoadUnsafe", "raw memory")]
    [InlineData("System.Runtime.InteropServices.MemoryMarshal", "CreateSpan", "raw memory")]
    [InlineData("System.Runtime.InteropServices.CollectionsMarshal", "AsSpan", "raw memory")]
    [InlineData("System.Runtime.InteropServices.ImmutableCollectionsMarshal", "AsArray", "raw memory")]
    [InlineData("System.Runtime.CompilerServices.Unsafe", "Add", "raw memory")]
    [InlineData("System.Span`1", "GetPinnableReference", "raw memory")]
    [InlineData("System.String", "GetPinnableReference", "raw memory")]
    [InlineData("System.Collections.Immutable.ImmutableArray`1", "ItemRef", "raw memory")]
    [InlineData("System.Nullable", "GetValueRefOrDefaultRef", "raw memory")]
    [InlineData("System.Memory`1", "Pin", "raw memory")]
    [InlineData("System.Linq.Enumerable", "Shuffle", "reproducible")]
    [InlineData("System.Globalization.CultureInfo", "ClearCachedData", "process-wide")]
    [InlineData("System.Text.RegularExpressions.Regex", "set_CacheSize", "process-wide")]
    [InlineData("System.Globalization.CultureInfo", "set_DefaultThreadCurrentCulture", "process-wide")]
    [InlineData("System.Exception", "get_StackTrace", "stack trace")]
    [InlineData("System.Object", "GetType", "reflection")]
    [InlineData("System.Lazy`1", "get_Value", "Lazy")]
    [InlineData("System.Numerics.BigInteger", "Pow", "System.Numerics")]
    public void Dangerous_members_are_denied_with_their_reason(string typeName, string memberName, string reasonFragment)
    {
        var type = Framework.Value.GetTypeByMetadataName(typeName);
        Assert.NotNull(type);
        var members = type.GetMembers(memberName);
        Assert.NotEmpty(members);
        foreach (var member in members)
        {
            Assert.False(SandboxPolicy.Members.Contains(member.GetDocumentationCommentId()!), $"{member} is on the list");
            var reason = SandboxPolicy.CheckMember(member);
            Assert.True(reason?.Contains(reasonFragment, StringComparison.Ordinal) == true, $"{member}: {reason}");
        }
    }

    [Fact]
    public void Span_constructors_from_a_reference_or_a_pointer_are_denied_and_from_an_array_allowed()
    {
        var span = Framework.Value.GetTypeByMetadataName("System.Span`1")!;
        foreach (var constructor in span.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared))
        {
            var fromArray = constructor.Parameters is [{ Type: IArrayTypeSymbol }] or [{ Type: IArrayTypeSymbol }, _, _];
            Assert.Equal(fromArray, SandboxPolicy.CheckMember(constructor) is null);
        }
    }

    [Theory]
    [InlineData("M:System.Array.Resize``1(``0[]@,System.Int32)")]
    [InlineData("M:System.Text.StringBuilder.Append(System.Text.StringBuilder.AppendInterpolatedStringHandler@)")]
    [InlineData("M:System.Span`1.get_Item(System.Int32)")]
    [InlineData("M:System.String.Contains(System.String,System.StringComparison)")]
    [InlineData("M:System.Linq.Enumerable.Select``2(System.Collections.Generic.IEnumerable{``0},System.Func{``0,``1})")]
    [InlineData("M:System.Text.RegularExpressions.Regex.IsMatch(System.String,System.String,System.Text.RegularExpressions.RegexOptions,System.TimeSpan)")]
    [InlineData("M:System.Collections.Generic.Dictionary`2.TryGetValue(`0,`1@)")]
    [InlineData("M:System.MemoryExtensions.AsSpan(System.String)")]
    public void Members_programs_need_are_on_the_list(string id) => Assert.True(SandboxPolicy.Members.Contains(id), id);

    /// <summary>The memory-safety invariants, stated independently of the product's rules.</summary>
    private static string? UnsafeShape(ISymbol member)
    {
        IEnumerable<ITypeSymbol> signature = member switch
        {
            IMethodSymbol method => [method.ReturnType, .. method.Parameters.Select(p => p.Type)],
            IFieldSymbol field => [field.Type],
            _ => [],
        };
        if (signature.Any(MentionsPointerOrAddress))
        {
            return "mentions a pointer or a native-sized address";
        }

        if (member.Name.Contains("Unsafe", StringComparison.OrdinalIgnoreCase))
        {
            return "is an *Unsafe* member";
        }

        if (member is IMethodSymbol m)
        {
            var id = m.GetDocumentationCommentId();
            if ((m.ReturnsByRef || m.ReturnsByRefReadonly) && !(id!.Contains("Span`1.get_Item", StringComparison.Ordinal) || id.Contains("Span`1.Enumerator.get_Current", StringComparison.Ordinal)))
            {
                return "returns a reference";
            }

            foreach (var parameter in m.Parameters)
            {
                var handler = parameter.Type.Name.EndsWith("InterpolatedStringHandler", StringComparison.Ordinal);
                if (parameter.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter && !handler && id != "M:System.Array.Resize``1(``0[]@,System.Int32)")
                {
                    return $"takes parameter '{parameter.Name}' by reference";
                }
            }

            if (m.MethodKind == MethodKind.PropertySet && m.IsStatic)
            {
                return "assigns a process-wide setting";
            }
        }

        return null;
    }

    private static bool MentionsPointerOrAddress(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => true,
        IArrayTypeSymbol array => MentionsPointerOrAddress(array.ElementType),
        INamedTypeSymbol named => named.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr
                                  || named.Name is "TypedReference" or "RuntimeArgumentHandle" or "MemoryHandle"
                                  || named.TypeArguments.Any(MentionsPointerOrAddress),
        _ => false,
    };

    private static string ContainingTypeOf(string id)
    {
        var body = id[2..];
        var parenthesis = body.IndexOf('(');
        if (parenthesis >= 0)
        {
            body = body[..parenthesis];
        }

        var lastDot = body.LastIndexOf('.');
        var owner = body[..lastDot];
        return owner.EndsWith(".#ctor", StringComparison.Ordinal) ? owner[..^6] : owner;
    }

    private static IEnumerable<string> Header() =>
    [
        "# The library members labeling programs may use, by documentation id: what SandboxPolicy's rules allow on the allowed",
        "# types of the framework the project builds against (docs/sandbox.md). Generated by SandboxPolicyTests with",
        "# ALCHEMIST_WRITE_SANDBOX_MEMBERS=1 after a review; the test fails when the framework and this list differ.",
    ];
}
