using Alchemist.Programs.Compilation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Alchemist.Programs.Verification;

/// <summary>
/// Walks every node of a compiled program and checks what it declares (unsafe code, finalizers, mutable static state,
/// attributes) and every symbol it references (through the semantic model) against <see cref="Allowlist"/>. Produces one
/// diagnostic per reason per line, in words an LLM can act on.
/// </summary>
internal sealed class SandboxVerifier
{
    private const int MaxDiagnostics = 25;
    private const int MaxStackAllocElements = 1024;
    private const string ReservedPrefix = "__alchemist";

    private const string UnsafeReason = "unsafe code (pointers, fixed, address-of, stackalloc of a size that is not a small constant) is not allowed; use arrays, strings and spans";
    private const string StaticStateReason =
        "rows are labeled in parallel and in any order, so a program may not keep state between calls; use a local variable, or make lookup data static readonly and never change it after initialization";

    private static readonly HashSet<string> MutatingMethods =
    [
        "Add", "AddRange", "AddFirst", "AddLast", "Append", "AppendLine", "AppendFormat", "AppendJoin", "Clear", "Insert", "InsertRange",
        "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "RemoveWhere", "RemoveFirst", "RemoveLast", "Push", "Pop", "Enqueue", "Dequeue",
        "TryAdd", "TryPop", "TryDequeue", "TryRemove", "Sort", "Reverse", "Fill", "Resize", "Set", "SetAll", "UnionWith", "IntersectWith",
        "ExceptWith", "SymmetricExceptWith", "TrimExcess", "EnsureCapacity", "CopyTo", "Replace", "GetOrAdd", "AddOrUpdate",
        "EnqueueRange", "Shuffle",
    ];

    private readonly SemanticModel _model;
    private readonly List<ProgramDiagnostic> _diagnostics = [];
    private readonly HashSet<(int Line, string Reason)> _reported = [];

    private SandboxVerifier(SemanticModel model)
    {
        _model = model;
    }

    public static IReadOnlyList<ProgramDiagnostic> Verify(SemanticModel model)
    {
        var verifier = new SandboxVerifier(model);

        // Names the instrumentation declares; a program that uses them could collide with or impersonate it.
        foreach (var token in model.SyntaxTree.GetRoot().DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                verifier.Report(token.Parent!, $"identifiers starting with '{ReservedPrefix}' are reserved for the sandbox; rename '{token.ValueText}'");
            }
        }

        foreach (var node in model.SyntaxTree.GetRoot().DescendantNodes())
        {
            if (verifier._diagnostics.Count >= MaxDiagnostics)
            {
                break;
            }

            verifier.CheckDeclaration(node);
            verifier.CheckReference(node);
        }

        return verifier._diagnostics;
    }

    private void CheckDeclaration(SyntaxNode node)
    {
        switch (node)
        {
            case UnsafeStatementSyntax or FixedStatementSyntax or PointerTypeSyntax or FunctionPointerTypeSyntax:
                Report(node, UnsafeReason);
                break;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.AddressOfExpression or (int)SyntaxKind.PointerIndirectionExpression }:
            case MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.PointerMemberAccessExpression }:
                Report(node, UnsafeReason);
                break;
            case StackAllocArrayCreationExpressionSyntax stackAlloc:
                CheckStackAlloc(stackAlloc, stackAlloc.Type);
                break;
            case ImplicitStackAllocArrayCreationExpressionSyntax implicitStackAlloc when implicitStackAlloc.Initializer.Expressions.Count > MaxStackAllocElements:
                Report(node, UnsafeReason);
                break;
            case MemberDeclarationSyntax member:
                CheckMemberDeclaration(member);
                break;
            case LocalFunctionStatementSyntax localFunction:
                CheckModifiers(localFunction, localFunction.Modifiers);
                break;
            case LockStatementSyntax:
                Report(node, "'lock' is not allowed: " + ThreadsReason());
                break;
            case AwaitExpressionSyntax:
                Report(node, "'await' is not allowed: " + ThreadsReason());
                break;
            case TypeOfExpressionSyntax:
                Report(node, "'typeof' is not allowed: " + ReflectionReason());
                break;
            case MakeRefExpressionSyntax or RefTypeExpressionSyntax or RefValueExpressionSyntax:
                Report(node, UnsafeReason);
                break;
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.ArgListExpression }:
                Report(node, UnsafeReason);
                break;
            case AttributeSyntax attribute:
                CheckAttribute(attribute);
                break;

            case AssignmentExpressionSyntax assignment:
                CheckStaticMutation(assignment.Left, node);
                break;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } prefix:
                CheckStaticMutation(prefix.Operand, node);
                break;
            case PostfixUnaryExpressionSyntax postfix:
                CheckStaticMutation(postfix.Operand, node);
                break;
            case InvocationExpressionSyntax invocation:
                CheckMutatingCall(invocation);
                break;
            case ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.RefKeyword or (int)SyntaxKind.OutKeyword } argument:
                CheckStaticMutation(argument.Expression, node);
                break;
        }
    }

    private void CheckStackAlloc(StackAllocArrayCreationExpressionSyntax node, TypeSyntax type)
    {
        if (type is ArrayTypeSyntax { RankSpecifiers: [{ Sizes: [var size] }] }
            && _model.GetConstantValue(size) is { HasValue: true, Value: int count } && count <= MaxStackAllocElements)
        {
            return;
        }

        Report(node, UnsafeReason);
    }

    private void CheckMemberDeclaration(MemberDeclarationSyntax member)
    {
        CheckModifiers(member, member.Modifiers);
        switch (member)
        {
            case BaseNamespaceDeclarationSyntax ns when IsReservedNamespace(ns.Name.ToString()):
                Report(member, $"namespace '{ns.Name}' is reserved for the library and the sandbox; put the program in its own namespace or none");
                break;
            case DestructorDeclarationSyntax:
                Report(member, "finalizers (~ClassName()) are not allowed: they run on the garbage collector's thread, outside the sandbox; remove it");
                break;
            case FieldDeclarationSyntax field when field.Modifiers.Any(SyntaxKind.StaticKeyword)
                                                   && !field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword)
                                                   && !field.Modifiers.Any(SyntaxKind.ConstKeyword):
                var names = string.Join(", ", field.Declaration.Variables.Select(v => v.Identifier.Text));
                Report(member, $"static field '{names}' is not readonly: {StaticStateReason}");
                break;
            case EventFieldDeclarationSyntax eventField when eventField.Modifiers.Any(SyntaxKind.StaticKeyword):
                Report(member, $"static event '{string.Join(", ", eventField.Declaration.Variables.Select(v => v.Identifier.Text))}': {StaticStateReason}");
                break;
            case PropertyDeclarationSyntax property when property.Modifiers.Any(SyntaxKind.StaticKeyword)
                                                         && property.AccessorList?.Accessors.Any(a => a.IsKind(SyntaxKind.SetAccessorDeclaration)) == true:
                Report(member, $"static property '{property.Identifier.Text}' has a setter: {StaticStateReason}");
                break;
        }
    }

    private void CheckModifiers(SyntaxNode node, SyntaxTokenList modifiers)
    {
        foreach (var modifier in modifiers)
        {
            switch (modifier.Kind())
            {
                case SyntaxKind.UnsafeKeyword:
                    Report(node, UnsafeReason);
                    break;
                case SyntaxKind.ExternKeyword:
                    Report(node, "'extern' methods call native code, which is not allowed; write the logic in C#");
                    break;
                case SyntaxKind.AsyncKeyword:
                    Report(node, "'async' is not allowed: " + ThreadsReason());
                    break;
                case SyntaxKind.VolatileKeyword:
                    Report(node, "'volatile' is not allowed: " + ThreadsReason());
                    break;
            }
        }
    }

    private void CheckAttribute(AttributeSyntax attribute)
    {
        if (_model.GetSymbolInfo(attribute).Symbol is not IMethodSymbol { ContainingType: var type })
        {
            return;
        }

        var name = Allowlist.FullMetadataName(type);
        if (name is "System.Runtime.CompilerServices.MethodImplAttribute" or "System.FlagsAttribute" or "System.ObsoleteAttribute"
            || name.StartsWith("System.Diagnostics.CodeAnalysis.", StringComparison.Ordinal))
        {
            return;
        }

        var reason = name switch
        {
            "System.Runtime.InteropServices.DllImportAttribute" or "System.Runtime.InteropServices.LibraryImportAttribute" =>
                "P/Invoke (DllImport, LibraryImport) calls native code, which is not allowed; write the logic in C#",
            "System.ThreadStaticAttribute" => $"[ThreadStatic] keeps state between calls: {StaticStateReason}",
            _ => Allowlist.CheckType(type) ?? "attributes other than [MethodImpl] and [Flags] have no use in a labeling program; remove it",
        };
        Report(attribute, $"attribute [{type.Name}] is not allowed: {reason}");
    }

    private void CheckStaticMutation(ExpressionSyntax target, SyntaxNode at)
    {
        // Writing into what a static field holds: s_words[0] = "x", s_counter.Count++, s_table.Inner[k] = v.
        var receiver = target switch
        {
            ElementAccessExpressionSyntax element => element.Expression,
            MemberAccessExpressionSyntax access when _model.GetSymbolInfo(access).Symbol is { IsStatic: false } => access.Expression,
            _ => null,
        };
        if (receiver is not null && RootStaticField(receiver) is { } field && !InInitializer(at, field))
        {
            Report(at, $"this changes the contents of static field '{field.Name}': {StaticStateReason}");
        }
    }

    private void CheckMutatingCall(InvocationExpressionSyntax invocation)
    {
        if (_model.GetSymbolInfo(invocation).Symbol is not IMethodSymbol method || !MutatingMethods.Contains(method.Name))
        {
            return;
        }

        ExpressionSyntax? receiver = invocation.Expression is MemberAccessExpressionSyntax access ? access.Expression : null;
        if (method.IsStatic && method.ReducedFrom is null)
        {
            // Array.Sort(s_words), Array.Fill(s_counts, 0): the first argument is what changes.
            receiver = invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression;
        }

        if (receiver is null || _model.GetTypeInfo(receiver).Type is not { } receiverType
            || receiverType.TypeKind == TypeKind.Delegate || IsImmutable(receiverType))
        {
            return;
        }

        if (RootStaticField(receiver) is { } field && !InInitializer(invocation, field))
        {
            Report(invocation, $"'{method.Name}' changes static field '{field.Name}': {StaticStateReason}");
        }
    }

    /// <summary>The static field an expression reads through (s_map, s_map[k], s_holder.Inner.List), if any.</summary>
    private IFieldSymbol? RootStaticField(ExpressionSyntax expression)
    {
        while (true)
        {
            if (StaticSourceField(expression) is { } field)
            {
                return field;
            }

            switch (expression)
            {
                case ElementAccessExpressionSyntax element:
                    expression = element.Expression;
                    break;
                case MemberAccessExpressionSyntax access when _model.GetSymbolInfo(access).Symbol is IFieldSymbol or IPropertySymbol { IsStatic: false }:
                    expression = access.Expression;
                    break;
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    break;
                default:
                    return null;
            }
        }
    }

    private IFieldSymbol? StaticSourceField(ExpressionSyntax expression) =>
        _model.GetSymbolInfo(expression).Symbol is IFieldSymbol { IsStatic: true, IsConst: false } field
        && field.Locations.Any(l => l.IsInSource)
            ? field
            : null;

    /// <summary>Static state may be filled in by static constructors and static field initializers, which run once.</summary>
    private static bool InInitializer(SyntaxNode node, IFieldSymbol field)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case ConstructorDeclarationSyntax constructor:
                    return constructor.Modifiers.Any(SyntaxKind.StaticKeyword);
                case FieldDeclarationSyntax declaration:
                    return declaration.Modifiers.Any(SyntaxKind.StaticKeyword);
                case PropertyDeclarationSyntax { Initializer: not null } property when property.Initializer.Span.Contains(node.Span):
                    return property.Modifiers.Any(SyntaxKind.StaticKeyword);
                case BaseMethodDeclarationSyntax or AccessorDeclarationSyntax:
                    return false;
            }
        }

        return field.IsStatic;
    }

    private static bool IsReservedNamespace(string name)
    {
        var first = name.Split('.')[0].Replace("global::", string.Empty, StringComparison.Ordinal);
        return first is "System" or "Microsoft" or "Alchemist";
    }

    private static bool IsImmutable(ITypeSymbol type)
    {
        var ns = type.ContainingNamespace?.ToDisplayString();
        return type.SpecialType == SpecialType.System_String
               || ns is "System.Collections.Frozen" or "System.Collections.Immutable"
               || type.Name is "Regex" or "ReadOnlyCollection" or "SearchValues" or "CultureInfo" or "CompareInfo" or "StringComparer";
    }

    private void CheckReference(SyntaxNode node)
    {
        if (node is not (ExpressionSyntax or TypeSyntax or ConstructorInitializerSyntax or PrimaryConstructorBaseTypeSyntax))
        {
            return;
        }

        if (node is TypeSyntax type && type.IsVar)
        {
            return;
        }

        var info = _model.GetSymbolInfo(node);
        var symbol = info.Symbol ?? (info.CandidateSymbols.Length > 0 ? info.CandidateSymbols[0] : null);
        if (symbol is not null)
        {
            CheckSymbol(node, symbol);
        }

        if (node is ExpressionSyntax && _model.GetTypeInfo(node).Type is { TypeKind: TypeKind.Dynamic })
        {
            Report(node, "'dynamic' is not allowed: use concrete types (string, int, List<string>, ...)");
        }
    }

    private void CheckSymbol(SyntaxNode node, ISymbol symbol)
    {
        switch (symbol)
        {
            case ITypeSymbol type:
                CheckType(node, type);
                break;
            case IMethodSymbol method:
                CheckMethod(node, method);
                break;
            case IPropertySymbol or IFieldSymbol or IEventSymbol:
                CheckMember(node, symbol);
                break;
        }
    }

    private void CheckType(SyntaxNode node, ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                CheckType(node, array.ElementType);
                return;
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                Report(node, UnsafeReason);
                return;
            case IDynamicTypeSymbol:
                Report(node, "'dynamic' is not allowed: use concrete types (string, int, List<string>, ...)");
                return;
            case INamedTypeSymbol named:
                if (named.IsTupleType || named.IsAnonymousType)
                {
                    foreach (var element in named.TupleElements)
                    {
                        CheckType(node, element.Type);
                    }

                    return;
                }

                if (IsFromSource(named))
                {
                    return;
                }

                if (Allowlist.CheckType(named) is { } reason)
                {
                    Report(node, $"'{Display(named)}' is not allowed: {reason}");
                }

                foreach (var argument in named.TypeArguments)
                {
                    CheckType(node, argument);
                }

                return;
        }
    }

    private void CheckMethod(SyntaxNode node, IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method;
        if (method.MethodKind is MethodKind.LambdaMethod or MethodKind.LocalFunction or MethodKind.AnonymousFunction || IsFromSource(method))
        {
            return;
        }

        CheckMember(node, method);
        foreach (var argument in method.TypeArguments)
        {
            CheckType(node, argument);
        }
    }

    private void CheckMember(SyntaxNode node, ISymbol member)
    {
        if (IsFromSource(member) || member.ContainingType is null)
        {
            return;
        }

        var containing = member.ContainingType;
        var memberName = member is IMethodSymbol { MethodKind: MethodKind.Constructor } ? $"new {Display(containing)}" : $"{Display(containing)}.{member.Name}";
        var typeReason = containing.IsTupleType || containing.IsAnonymousType ? null : Allowlist.CheckType(containing);
        if (typeReason is not null && !Allowlist.IsAllowedMemberOfDeniedType(member))
        {
            Report(node, $"'{memberName}' is not allowed: {typeReason}");
            return;
        }

        if (member.DeclaredAccessibility is Accessibility.Protected or Accessibility.ProtectedOrInternal or Accessibility.ProtectedAndInternal
            && (member is IFieldSymbol || Allowlist.FullMetadataName(containing.OriginalDefinition) == "System.Text.RegularExpressions.Regex"))
        {
            Report(node, $"'{memberName}' is not allowed: deriving from a library class to reach its protected internals (such as a Regex's internalMatchTimeout) is not allowed; use the class as it is");
            return;
        }

        if (Allowlist.CheckMember(member) is { } memberReason)
        {
            Report(node, $"'{memberName}' is not allowed: {memberReason}");
            return;
        }

        if (member is IPropertySymbol or IFieldSymbol && member.IsStatic && IsWriteTarget(node))
        {
            Report(node, $"assigning '{Display(containing)}.{member.Name}' is not allowed: {GlobalWritesReason()}");
        }
    }

    private static bool IsWriteTarget(SyntaxNode node)
    {
        var target = node.Parent is MemberAccessExpressionSyntax access && access.Name == node ? access : node;
        return target.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == target,
            PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => true,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
            _ => false,
        };
    }

    private bool IsFromSource(ISymbol symbol) =>
        SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _model.Compilation.Assembly);

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static string ThreadsReason() =>
        "labeling programs run one row at a time on one thread (Alchemist runs rows in parallel itself); remove threads, tasks, Parallel, PLINQ, locks and timers";

    private static string ReflectionReason() =>
        "reflection (System.Type, typeof, GetType(), System.Reflection, Activator, expression trees) is not allowed; call the methods you need directly";

    private static string GlobalWritesReason() =>
        "this changes a process-wide setting that other programs share; leave it alone and pass options (culture, comparison) to each call instead";

    private void Report(SyntaxNode node, string message)
    {
        var span = node.GetLocation().GetMappedLineSpan();
        var line = span.StartLinePosition.Line + 1;

        // One diagnostic per reason per line: "File.ReadAllText" and its "File" say the same thing.
        var separator = message.IndexOf(" is not allowed: ", StringComparison.Ordinal);
        var reason = separator < 0 ? message : message[separator..];
        if (_reported.Add((line, reason)))
        {
            _diagnostics.Add(new ProgramDiagnostic(DiagnosticStage.Verify, line, span.StartLinePosition.Character + 1, message));
        }
    }
}
