using Alchemist.Programs.Compilation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Alchemist.Programs.Verification;

/// <summary>
/// Checks a compiled program against <see cref="SandboxPolicy"/>: what it declares (unsafe code, finalizers, mutable
/// static state, attributes, base types), every type it names, and every library member it uses. Members are found on
/// Roslyn's operation tree, which also holds what the source does not spell out: implicit conversions, the enumerator
/// a <c>foreach</c> calls, deconstruction, implicit indexers, collection expressions and interpolated-string handlers.
/// Produces one diagnostic per reason per line, in words an LLM can act on.
/// </summary>
internal sealed class SandboxVerifier
{
    private const int MaxDiagnostics = 25;
    private const int MaxStackAllocElements = 1024;
    private const string ReservedPrefix = "__alchemist";

    private const string UnsafeReason = "unsafe code (pointers, fixed, address-of, stackalloc of a size that is not a small constant) is not allowed; use arrays, strings and spans";
    private const string StaticStateReason =
        "rows are labeled in parallel and in any order, so a program may not keep state between calls; use a local variable, or make lookup data static readonly and never change it after initialization";
    private const string ThreadsReason =
        "labeling programs run one row at a time on one thread (Alchemist runs rows in parallel itself); remove threads, tasks, Parallel, PLINQ, locks and timers";
    private const string ReflectionReason =
        "reflection (System.Type, typeof, GetType(), System.Reflection, Activator, expression trees) is not allowed; call the methods you need directly";
    private const string GlobalWritesReason =
        "this changes a process-wide setting that other programs share; leave it alone and pass options (culture, comparison) to each call instead";
    private const string BaseTypeReason =
        "a program's types may derive only from object or the program's own types (deriving from a library class, such as Regex to reach its internalMatchTimeout, or an exception whose Message the sandbox would read, is not allowed); throw the library's exceptions";
    private const string RegexMethodGroupReason =
        "a static Regex method taking a pattern must be called directly, not passed as a method group, so that its match timeout can be set; write a lambda that calls it";

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
    private readonly HashSet<SyntaxNode> _membersChecked = [];
    private readonly HashSet<ITypeSymbol> _checkedSizes = new(SymbolEqualityComparer.Default);
    private readonly StackSizes _sizes = new();

    private SandboxVerifier(SemanticModel model)
    {
        _model = model;
    }

    public static IReadOnlyList<ProgramDiagnostic> Verify(SemanticModel model)
    {
        var verifier = new SandboxVerifier(model);
        var root = model.SyntaxTree.GetRoot();

        // Names the instrumentation declares; a program that uses them could collide with or impersonate it.
        foreach (var token in root.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                verifier.Report(token.Parent!, $"identifiers starting with '{ReservedPrefix}' are reserved for the sandbox; rename '{token.ValueText}'");
            }
        }

        foreach (var trivia in root.DescendantTrivia(descendIntoTrivia: true))
        {
            if (trivia.GetStructure() is DefineDirectiveTriviaSyntax or UndefDirectiveTriviaSyntax or LineDirectiveTriviaSyntax
                or LineSpanDirectiveTriviaSyntax or LoadDirectiveTriviaSyntax or ReferenceDirectiveTriviaSyntax or PragmaChecksumDirectiveTriviaSyntax)
            {
                verifier.Report(trivia.GetStructure()!, "#define, #undef, #line and #r are not allowed: they change what the compiler sees (#define DEBUG brings back Debug.Assert, which ends the process); remove the directive");
            }
        }

        // Members first: where a member and its type are denied for one reason, the member says more ("File.Delete").
        verifier.CheckOperations(root);
        verifier.CheckMembersOutsideOperations(root);
        foreach (var node in root.DescendantNodes())
        {
            if (verifier.Full)
            {
                break;
            }

            verifier.CheckDeclaration(node);
            verifier.CheckTypeReference(node);
        }

        return [.. verifier._diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column)];
    }

    private bool Full => _diagnostics.Count >= MaxDiagnostics;

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
                CheckStackAlloc(stackAlloc, stackAlloc.Type is ArrayTypeSyntax { RankSpecifiers: [{ Sizes: [var size] }] } ? size : null);
                break;
            case ImplicitStackAllocArrayCreationExpressionSyntax implicitStackAlloc:
                CheckStackAlloc(implicitStackAlloc, null, implicitStackAlloc.Initializer.Expressions.Count);
                break;
            case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                CheckMemberDeclaration((MemberDeclarationSyntax)node);
                CheckBaseTypes((MemberDeclarationSyntax)node);
                break;
            case MemberDeclarationSyntax member:
                CheckMemberDeclaration(member);
                break;
            case LocalFunctionStatementSyntax localFunction:
                CheckModifiers(localFunction, localFunction.Modifiers);
                break;
            case LockStatementSyntax:
                Report(node, "'lock' is not allowed: " + ThreadsReason);
                break;
            case AwaitExpressionSyntax:
                Report(node, "'await' is not allowed: " + ThreadsReason);
                break;
            case TypeOfExpressionSyntax:
                Report(node, "'typeof' is not allowed: " + ReflectionReason);
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

    /// <summary>
    /// A stackalloc must have a constant size of at most <see cref="MaxStackAllocElements"/> elements and
    /// <see cref="StackSizes.MaxValueBytes"/> bytes, and stand outside every loop: its memory is freed only when the
    /// method returns, so one in a loop grows the stack on every iteration, faster than the budget checks it.
    /// </summary>
    private void CheckStackAlloc(ExpressionSyntax node, ExpressionSyntax? size, int? initializerCount = null)
    {
        var count = initializerCount ?? (size is not null && _model.GetConstantValue(size) is { HasValue: true, Value: int constant } ? constant : (int?)null);
        var element = (_model.GetTypeInfo(node).Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault()
                      ?? (_model.GetTypeInfo(node).Type as IPointerTypeSymbol)?.PointedAtType;
        if (count is not { } elements || elements > MaxStackAllocElements
            || element is not null && _sizes.Of(element) * elements > StackSizes.MaxValueBytes)
        {
            Report(node, UnsafeReason);
            return;
        }

        foreach (var ancestor in node.Ancestors())
        {
            if (ancestor is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax)
            {
                return;
            }

            if (ancestor is ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax or LabeledStatementSyntax)
            {
                Report(node, "stackalloc inside a loop grows the stack on every iteration (its memory is freed only when the method returns); allocate the buffer once before the loop");
                return;
            }
        }
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
            case EventDeclarationSyntax eventDeclaration when eventDeclaration.Modifiers.Any(SyntaxKind.StaticKeyword):
                Report(member, $"static event '{eventDeclaration.Identifier.Text}': {StaticStateReason}");
                break;
            case PropertyDeclarationSyntax property when property.Modifiers.Any(SyntaxKind.StaticKeyword)
                                                         && property.AccessorList?.Accessors.Any(a => a.IsKind(SyntaxKind.SetAccessorDeclaration) || a.IsKind(SyntaxKind.InitAccessorDeclaration)) == true:
                Report(member, $"static property '{property.Identifier.Text}' has a setter: {StaticStateReason}");
                break;
        }
    }

    /// <summary>A program's classes derive from object or its own classes; interfaces must be allowed types.</summary>
    private void CheckBaseTypes(MemberDeclarationSyntax declaration)
    {
        if (_model.GetDeclaredSymbol(declaration) is not INamedTypeSymbol type)
        {
            return;
        }

        // A class Alchemist in the global namespace would capture the calls the rewriter injects (global::Alchemist.Programs.
        // Runtime.Budget...), which C# binds to a source type before an imported namespace: every budget switched off.
        if (type.ContainingType is null && type.ContainingNamespace.IsGlobalNamespace && IsReservedNamespace(type.Name))
        {
            Report(declaration, $"a type named '{type.Name}' outside any namespace would shadow the {type.Name} namespace, which the library and the sandbox use; rename it");
        }

        if (type.IsValueType && !type.IsGenericType)
        {
            CheckStackSize(declaration, type);
        }

        if (type.TypeKind == TypeKind.Class && type.BaseType is { } baseType && !IsFromSource(baseType)
            && baseType.SpecialType != SpecialType.System_Object)
        {
            Report(declaration, $"'{type.Name}' derives from '{Display(baseType)}': {BaseTypeReason}");
        }

        foreach (var implemented in type.Interfaces)
        {
            if (!IsFromSource(implemented) && SandboxPolicy.SignatureTypeReason(implemented) is { } reason)
            {
                Report(declaration, $"'{type.Name}' implements '{Display(implemented)}', which is not allowed: {reason}");
            }
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
                    Report(node, "'async' is not allowed: " + ThreadsReason);
                    break;
                case SyntaxKind.VolatileKeyword:
                    Report(node, "'volatile' is not allowed: " + ThreadsReason);
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

        var name = SandboxPolicy.ClrName(type);
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
            _ => SandboxPolicy.CheckType(type) ?? "attributes other than [MethodImpl] and [Flags] have no use in a labeling program; remove it",
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

    /// <summary>The static field an expression reads through (s_map, s_map[k], s_holder.Inner.List, s_arr.AsSpan()), if any.</summary>
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
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax viewAccess }
                    when _model.GetSymbolInfo(viewAccess).Symbol is IMethodSymbol { Name: "AsSpan" or "AsMemory" or "Slice" }:
                    expression = viewAccess.Expression;
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

    /// <summary>A type named in the source (declarations, casts, generic arguments, using aliases) must be allowed.</summary>
    private void CheckTypeReference(SyntaxNode node)
    {
        if (node is not TypeSyntax type || type.IsVar || IsReceiverOfAllowedMemberOfDeniedType(node))
        {
            return;
        }

        var info = _model.GetSymbolInfo(node);
        var symbol = info.Symbol ?? (info.CandidateSymbols.Length > 0 ? info.CandidateSymbols[0] : null);
        switch (symbol)
        {
            case ITypeSymbol typeSymbol:
                CheckType(node, typeSymbol);
                break;
            case IAliasSymbol { Target: ITypeSymbol aliased }:
                CheckType(node, aliased);
                break;
        }
    }

    /// <summary><c>Environment</c> in <c>Environment.NewLine</c>: the member is allowed, so naming its type for it is too.</summary>
    private bool IsReceiverOfAllowedMemberOfDeniedType(SyntaxNode node) =>
        node.Parent is MemberAccessExpressionSyntax access && access.Expression == node
        && _model.GetSymbolInfo(access).Symbol is { } member && SandboxPolicy.IsAllowedMemberOfDeniedType(member);

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
                    foreach (var element in named.IsTupleType ? named.TupleElements.Select(e => e.Type) : named.GetMembers().OfType<IPropertySymbol>().Select(p => p.Type))
                    {
                        CheckType(node, element);
                    }

                    return;
                }

                if (!IsFromSource(named) && SandboxPolicy.CheckType(named) is { } reason)
                {
                    Report(node, $"'{Display(named)}' is not allowed: {reason}");
                }

                foreach (var argument in named.TypeArguments)
                {
                    CheckType(node, argument);
                    CheckStackSize(node, argument);
                }

                return;
        }
    }

    /// <summary>
    /// A value that would take more than <see cref="StackSizes.MaxValueBytes"/> of stack (a struct of structs, a tuple of
    /// tuples, a generic instantiated with such a type): the JIT allocates a method's frame before its first statement,
    /// so no budget check could stop the stack overflow.
    /// </summary>
    private void CheckStackSize(SyntaxNode node, ITypeSymbol type)
    {
        if (type.IsValueType && _checkedSizes.Add(type) && _sizes.Of(type) is var bytes && bytes > StackSizes.MaxValueBytes)
        {
            Report(node, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"a value of type '{Display(type)}' takes about {bytes:N0} bytes of stack, more than the {StackSizes.MaxValueBytes:N0} allowed; use a class or an array for large data"));
        }
    }

    /// <summary>Walks the operation tree of every body, initializer and argument list in the program.</summary>
    private void CheckOperations(SyntaxNode root)
    {
        var walker = new OperationChecker(this);
        foreach (var node in root.DescendantNodes(descendIntoChildren: n => !IsOperationRoot(n)))
        {
            if (Full)
            {
                return;
            }

            if (IsOperationRoot(node) && _model.GetOperation(node) is { } operation)
            {
                walker.Visit(operation);
            }
        }
    }

    /// <summary>Syntax whose operation is a root: method and accessor bodies, initializers, constructor and base-type arguments.</summary>
    private static bool IsOperationRoot(SyntaxNode node) =>
        node is BlockSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax }
            or ArrowExpressionClauseSyntax
            or EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax } or PropertyDeclarationSyntax or ParameterSyntax or EnumMemberDeclarationSyntax }
            or ConstructorInitializerSyntax
            or PrimaryConstructorBaseTypeSyntax;

    /// <summary>
    /// A library member the source names that no operation accounted for (an expression the operation tree does not model)
    /// is still checked, as a read: the operation walk is the main check, this is its safety net.
    /// </summary>
    private void CheckMembersOutsideOperations(SyntaxNode root)
    {
        foreach (var node in root.DescendantNodes())
        {
            if (Full)
            {
                return;
            }

            if (node is not ExpressionSyntax || _membersChecked.Contains(node) || node.Ancestors().Any(a => a is AttributeSyntax)
                || IsInNameOf(node))
            {
                continue;
            }

            var symbol = _model.GetSymbolInfo(node).Symbol;
            switch (symbol)
            {
                case IMethodSymbol method when method.MethodKind is not (MethodKind.LambdaMethod or MethodKind.LocalFunction or MethodKind.AnonymousFunction):
                    CheckMemberUse(node, method, isWrite: false);
                    break;
                case IPropertySymbol property:
                    CheckMemberUse(node, property.GetMethod ?? (ISymbol)property, isWrite: false);
                    break;
                case IFieldSymbol or IEventSymbol:
                    CheckMemberUse(node, symbol, isWrite: false);
                    break;
            }
        }
    }

    private bool IsInNameOf(SyntaxNode node) =>
        node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" }
                                                                        && _model.GetOperation(i) is INameOfOperation);

    /// <summary>Checks one use of a library member (an accessor for properties) at <paramref name="node"/>.</summary>
    private void CheckMemberUse(SyntaxNode node, ISymbol member, bool isWrite)
    {
        _membersChecked.Add(node);
        if (member is IMethodSymbol { MethodKind: MethodKind.LambdaMethod or MethodKind.LocalFunction or MethodKind.AnonymousFunction or MethodKind.BuiltinOperator })
        {
            return;
        }

        if (SandboxPolicy.IsHashCodeMember(member) && !InGetHashCodeOverride(node))
        {
            Report(node, $"'{Describe(member)}' is not allowed: {SandboxPolicy.HashCodeReason}");
            return;
        }

        if (IsFromSource(member) || member.ContainingType is null || member.ContainingType.IsTupleType && member is IFieldSymbol { IsStatic: false }
            || member.ContainingType.IsAnonymousType)
        {
            return;
        }

        if (member.IsStatic && isWrite && member is IFieldSymbol or IMethodSymbol { MethodKind: MethodKind.PropertySet })
        {
            Report(node, $"assigning '{Describe(member)}' is not allowed: {GlobalWritesReason}");
            return;
        }

        if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsImplicitlyDeclared: true, ContainingType.IsValueType: true } implicitConstructor)
        {
            // new S() for a struct without a declared parameterless constructor: zeroed memory of an allowed type.
            if (SandboxPolicy.CheckType(implicitConstructor.ContainingType) is { } typeReason)
            {
                Report(node, $"'{Describe(member)}' is not allowed: {typeReason}");
            }

            return;
        }

        if (SandboxPolicy.CheckMember(member) is { } reason)
        {
            Report(node, $"'{Describe(member)}' is not allowed: {reason}");
        }
    }

    private bool InGetHashCodeOverride(SyntaxNode node)
    {
        var declaration = node.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax);
        return declaration is MethodDeclarationSyntax && _model.GetDeclaredSymbol(declaration) is IMethodSymbol
        {
            Name: "GetHashCode", IsOverride: true, Parameters.Length: 0,
        };
    }

    private bool IsFromSource(ISymbol symbol) =>
        SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _model.Compilation.Assembly);

    /// <summary>
    /// A type's name for a message, at most about 120 characters: the full name of a tuple of tuples is exponential in
    /// its nesting (eight tuples of eight ... run to megabytes), so it is never built whole.
    /// </summary>
    private static string Display(ITypeSymbol type)
    {
        var text = new System.Text.StringBuilder();
        AppendBounded(text, type, 120);
        return text.Length > 120 ? text.ToString(0, 117) + "..." : text.ToString();
    }

    private static void AppendBounded(System.Text.StringBuilder text, ITypeSymbol type, int limit)
    {
        if (text.Length > limit)
        {
            return;
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                AppendBounded(text, array.ElementType, limit);
                text.Append("[]");
                return;
            case INamedTypeSymbol { IsTupleType: true } tuple:
                text.Append('(');
                AppendList(text, tuple.TupleElements.Select(e => e.Type), limit);
                text.Append(')');
                return;
            case INamedTypeSymbol { IsGenericType: true } generic:
                text.Append(generic.Name).Append('<');
                AppendList(text, generic.TypeArguments, limit);
                text.Append('>');
                return;
            default:
                text.Append(type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
                return;
        }
    }

    private static void AppendList(System.Text.StringBuilder text, IEnumerable<ITypeSymbol> types, int limit)
    {
        var first = true;
        foreach (var item in types)
        {
            if (text.Length > limit)
            {
                return;
            }

            if (!first)
            {
                text.Append(", ");
            }

            first = false;
            AppendBounded(text, item, limit);
        }
    }

    private static string Describe(ISymbol member)
    {
        var containing = member.ContainingType is { } type ? Display(type) : "?";
        return member switch
        {
            IMethodSymbol { MethodKind: MethodKind.Constructor } => $"new {containing}",
            IMethodSymbol { AssociatedSymbol: IPropertySymbol property, MethodKind: MethodKind.PropertySet } => $"{containing}.{property.Name} (set)",
            IMethodSymbol { AssociatedSymbol: { } associated } => $"{containing}.{associated.Name}",
            IMethodSymbol { MethodKind: MethodKind.UserDefinedOperator or MethodKind.Conversion } method => $"{containing}.{method.Name} (operator)",
            _ => $"{containing}.{member.Name}",
        };
    }

    private void Report(SyntaxNode node, string message)
    {
        var span = node.GetLocation().GetMappedLineSpan();
        var line = span.StartLinePosition.Line + 1;

        // One diagnostic per reason per line: "File.ReadAllText" and its "File" say the same thing.
        var separator = message.IndexOf(" is not allowed: ", StringComparison.Ordinal);
        var reason = separator < 0 ? message : message[separator..];
        if (_reported.Add((line, reason)) && !Full)
        {
            _diagnostics.Add(new ProgramDiagnostic(DiagnosticStage.Verify, line, span.StartLinePosition.Character + 1, message));
        }
    }

    /// <summary>Checks every library member and type an operation uses, including those the compiler supplies.</summary>
    private sealed class OperationChecker(SandboxVerifier verifier) : OperationWalker
    {
        public override void DefaultVisit(IOperation operation)
        {
            if (verifier.Full)
            {
                return;
            }

            if (operation.Type is { } type && operation is not (ILiteralOperation or INameOfOperation))
            {
                verifier.CheckType(operation.Syntax, type);
                verifier.CheckStackSize(operation.Syntax, type);
            }

            if (operation is IVariableDeclaratorOperation { Symbol.Type: { } localType })
            {
                verifier.CheckStackSize(operation.Syntax, localType);
            }

            switch (operation)
            {
                case INameOfOperation:
                    return; // a compile-time string; what it names is not used
                case IInvocationOperation invocation:
                    Use(invocation.Syntax, invocation.TargetMethod);
                    break;
                case IObjectCreationOperation { Constructor: { } constructor } creation:
                    Use(creation.Syntax, constructor);
                    break;
                case IPropertyReferenceOperation property:
                    UseProperty(property);
                    break;
                case IFieldReferenceOperation field:
                    verifier.CheckMemberUse(field.Syntax, field.Field, IsWritten(field));
                    break;
                case IEventReferenceOperation eventReference:
                    verifier.CheckMemberUse(eventReference.Syntax, eventReference.Event, isWrite: true);
                    break;
                case IMethodReferenceOperation reference:
                    if (IsRegexPatternMethod(reference.Method))
                    {
                        verifier.Report(reference.Syntax, RegexMethodGroupReason);
                    }

                    Use(reference.Syntax, reference.Method);
                    break;
                case IUnaryOperation { OperatorMethod: { } unary }:
                    Use(operation.Syntax, unary);
                    break;
                case IBinaryOperation { OperatorMethod: { } binary }:
                    Use(operation.Syntax, binary);
                    break;
                case ICompoundAssignmentOperation { OperatorMethod: { } compound }:
                    Use(operation.Syntax, compound);
                    break;
                case IIncrementOrDecrementOperation { OperatorMethod: { } increment }:
                    Use(operation.Syntax, increment);
                    break;
                case IConversionOperation { OperatorMethod: { } conversion }:
                    Use(operation.Syntax, conversion);
                    break;
                case IForEachLoopOperation loop when loop.Syntax is CommonForEachStatementSyntax statement:
                    var info = verifier._model.GetForEachStatementInfo(statement);
                    Use(loop.Syntax, info.GetEnumeratorMethod);
                    Use(loop.Syntax, info.MoveNextMethod);
                    Use(loop.Syntax, info.CurrentProperty?.GetMethod);
                    Use(loop.Syntax, info.DisposeMethod);
                    if (statement is ForEachVariableStatementSyntax variables)
                    {
                        Use(loop.Syntax, verifier._model.GetDeconstructionInfo(variables).Method);
                    }

                    break;
                case IDeconstructionAssignmentOperation deconstruction when deconstruction.Syntax is AssignmentExpressionSyntax assignment:
                    Use(deconstruction.Syntax, verifier._model.GetDeconstructionInfo(assignment).Method);
                    break;
                case IRecursivePatternOperation { DeconstructSymbol: IMethodSymbol deconstruct } pattern:
                    Use(pattern.Syntax, deconstruct);
                    break;
                case ICollectionExpressionOperation { ConstructMethod: { } construct } collection:
                    Use(collection.Syntax, construct);
                    break;
                case IImplicitIndexerReferenceOperation indexer:
                    UseSymbol(indexer.Syntax, indexer.LengthSymbol);
                    UseSymbol(indexer.Syntax, indexer.IndexerSymbol);
                    break;
                case IListPatternOperation list:
                    UseSymbol(list.Syntax, list.LengthSymbol);
                    UseSymbol(list.Syntax, list.IndexerSymbol);
                    break;
                case ISlicePatternOperation slice:
                    UseSymbol(slice.Syntax, slice.SliceSymbol);
                    break;
                case IDynamicInvocationOperation or IDynamicMemberReferenceOperation or IDynamicObjectCreationOperation or IDynamicIndexerAccessOperation:
                    verifier.Report(operation.Syntax, "'dynamic' is not allowed: use concrete types (string, int, List<string>, ...)");
                    break;
                case IFunctionPointerInvocationOperation or IAddressOfOperation:
                    verifier.Report(operation.Syntax, UnsafeReason);
                    break;
            }

            base.DefaultVisit(operation);
        }

        private void Use(SyntaxNode node, IMethodSymbol? method)
        {
            if (method is null)
            {
                return;
            }

            verifier.CheckMemberUse(node, method, isWrite: false);
            foreach (var argument in method.TypeArguments)
            {
                verifier.CheckType(node, argument);
            }
        }

        private void UseSymbol(SyntaxNode node, ISymbol? symbol)
        {
            switch (symbol)
            {
                case IMethodSymbol method:
                    Use(node, method);
                    break;
                case IPropertySymbol property:
                    verifier.CheckMemberUse(node, property.GetMethod ?? (ISymbol)property, isWrite: false);
                    break;
                case { } other:
                    verifier.CheckMemberUse(node, other, isWrite: false);
                    break;
            }
        }

        /// <summary>Reading a property uses its getter, assigning it its setter, and <c>+=</c> or <c>++</c> both.</summary>
        private void UseProperty(IPropertyReferenceOperation reference)
        {
            var property = reference.Property;
            var written = IsWritten(reference);
            var read = !written || IsReadAndWritten(reference) || property.ReturnsByRef || property.ReturnsByRefReadonly;
            if (read)
            {
                verifier.CheckMemberUse(reference.Syntax, property.GetMethod ?? (ISymbol)property, isWrite: false);
            }

            if (written && !property.ReturnsByRef && !property.ReturnsByRefReadonly)
            {
                verifier.CheckMemberUse(reference.Syntax, property.SetMethod ?? (ISymbol)property, isWrite: true);
            }
        }

        private static bool IsWritten(IOperation target) => target.Parent switch
        {
            ISimpleAssignmentOperation assignment => assignment.Target == target,
            ICompoundAssignmentOperation compound => compound.Target == target,
            ICoalesceAssignmentOperation coalesce => coalesce.Target == target,
            IIncrementOrDecrementOperation => true,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
            ITupleOperation tuple => IsWritten(tuple),
            IDeconstructionAssignmentOperation deconstruction => deconstruction.Target == target,
            _ => false,
        };

        private static bool IsReadAndWritten(IOperation target) =>
            target.Parent is ICompoundAssignmentOperation or ICoalesceAssignmentOperation or IIncrementOrDecrementOperation
                or IArgumentOperation { Parameter.RefKind: RefKind.Ref };

        private static bool IsRegexPatternMethod(IMethodSymbol method) =>
            method.IsStatic && method.ContainingType is { Name: "Regex", ContainingNamespace: { Name: "RegularExpressions" } }
                            && method.Parameters.Any(p => p.Name == "pattern");
    }
}
