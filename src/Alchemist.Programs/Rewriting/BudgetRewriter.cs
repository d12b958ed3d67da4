using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Alchemist.Programs.Rewriting;

/// <summary>
/// Instruments a verified program: a budget tick at the top of every loop body and after every label, a budget entry
/// (tick plus stack check) at the top of every method, local function, accessor and lambda, a filter on every catch clause
/// that lets budget violations through, and a capped match timeout on every regex the program constructs or calls statically.
/// The rewritten tree is only compiled, never shown, so its tokens carry no formatting.
/// </summary>
internal sealed class BudgetRewriter : CSharpSyntaxRewriter
{
    private const string BudgetType = "global::Alchemist.Programs.Runtime.Budget";

    private static readonly StatementSyntax TickStatement = ParseStatement(BudgetType + ".Tick();");
    private static readonly StatementSyntax EnterStatement = ParseStatement(BudgetType + ".Enter();");
    private static readonly ExpressionSyntax RegexTimeout = ParseExpression(BudgetType + ".RegexTimeout");
    private static readonly ExpressionSyntax RegexOptionsNone = ParseExpression("global::System.Text.RegularExpressions.RegexOptions.None");

    private readonly SemanticModel _model;
    private readonly IMethodSymbol _label;
    private readonly IReadOnlyList<MemberDeclarationSyntax> _entryMembers;
    private readonly bool _instrument;
    private readonly Stack<FunctionCounter> _functions = new();
    private readonly Stack<HoistedRegexes> _types = new();
    private int _hoistedRegexes;
    private int _catchVariables;
    private int _counters;
    private bool _entryAdded;

    private BudgetRewriter(SemanticModel model, IMethodSymbol label, IReadOnlyList<MemberDeclarationSyntax> entryMembers, bool instrument)
    {
        _model = model;
        _label = label;
        _entryMembers = entryMembers;
        _instrument = instrument;
    }

    /// <summary>
    /// Returns the instrumented root, with <paramref name="entryMembers"/> added to the type that declares Label. With
    /// <paramref name="instrument"/> false only the entry is added: the uninstrumented baseline that benchmarks and
    /// equivalence tests compare against.
    /// </summary>
    public static SyntaxNode Rewrite(SemanticModel model, IMethodSymbol label, IReadOnlyList<MemberDeclarationSyntax> entryMembers, bool instrument = true)
    {
        var rewriter = new BudgetRewriter(model, label, entryMembers, instrument);
        var root = rewriter.Visit(model.SyntaxTree.GetRoot());
        if (!rewriter._entryAdded || root is null)
        {
            throw new InvalidOperationException("the type declaring Label was not found while instrumenting");
        }

        return root;
    }

    public override SyntaxNode? Visit(SyntaxNode? node) =>
        _instrument || node is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax ? base.Visit(node) : node;

    public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
    {
        var visited = (ForStatementSyntax)base.VisitForStatement(node)!;
        return visited.WithStatement(Prepend(LoopTick(), visited.Statement));
    }

    public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node)
    {
        var visited = (ForEachStatementSyntax)base.VisitForEachStatement(node)!;
        return visited.WithStatement(Prepend(LoopTick(), visited.Statement));
    }

    public override SyntaxNode? VisitForEachVariableStatement(ForEachVariableStatementSyntax node)
    {
        var visited = (ForEachVariableStatementSyntax)base.VisitForEachVariableStatement(node)!;
        return visited.WithStatement(Prepend(LoopTick(), visited.Statement));
    }

    public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node)
    {
        var visited = (WhileStatementSyntax)base.VisitWhileStatement(node)!;
        return visited.WithStatement(Prepend(LoopTick(), visited.Statement));
    }

    public override SyntaxNode? VisitDoStatement(DoStatementSyntax node)
    {
        var visited = (DoStatementSyntax)base.VisitDoStatement(node)!;
        return visited.WithStatement(Prepend(LoopTick(), visited.Statement));
    }

    public override SyntaxNode? VisitLabeledStatement(LabeledStatementSyntax node)
    {
        var visited = (LabeledStatementSyntax)base.VisitLabeledStatement(node)!;
        return visited.WithStatement(Prepend(LoopTick(), visited.Statement));
    }

    public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node)
    {
        var returnsVoid = _model.GetDeclaredSymbol(node)?.ReturnsVoid ?? false;
        var visited = (MethodDeclarationSyntax)InFunction(() => base.VisitMethodDeclaration(node), out var counter)!;
        if (visited.Body is not null)
        {
            return visited.WithBody(Prepend(EnterStatement, visited.Body, counter));
        }

        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(ToBlock(arrow.Expression, returnsVoid))
            : visited;
    }

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        var returnsVoid = (_model.GetDeclaredSymbol(node) as IMethodSymbol)?.ReturnsVoid ?? false;
        var visited = (LocalFunctionStatementSyntax)InFunction(() => base.VisitLocalFunctionStatement(node), out var counter)!;
        if (visited.Body is not null)
        {
            return visited.WithBody(Prepend(EnterStatement, visited.Body, counter));
        }

        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(ToBlock(arrow.Expression, returnsVoid))
            : visited;
    }

    public override SyntaxNode? VisitConstructorDeclaration(ConstructorDeclarationSyntax node)
    {
        var visited = (ConstructorDeclarationSyntax)InFunction(() => base.VisitConstructorDeclaration(node), out var counter)!;
        if (visited.Body is not null)
        {
            return visited.WithBody(Prepend(EnterStatement, visited.Body, counter));
        }

        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(ToBlock(arrow.Expression, returnsVoid: true))
            : visited;
    }

    public override SyntaxNode? VisitOperatorDeclaration(OperatorDeclarationSyntax node)
    {
        var visited = (OperatorDeclarationSyntax)InFunction(() => base.VisitOperatorDeclaration(node), out var counter)!;
        if (visited.Body is not null)
        {
            return visited.WithBody(Prepend(EnterStatement, visited.Body, counter));
        }

        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(ToBlock(arrow.Expression, returnsVoid: false))
            : visited;
    }

    public override SyntaxNode? VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node)
    {
        var visited = (ConversionOperatorDeclarationSyntax)InFunction(() => base.VisitConversionOperatorDeclaration(node), out var counter)!;
        if (visited.Body is not null)
        {
            return visited.WithBody(Prepend(EnterStatement, visited.Body, counter));
        }

        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(ToBlock(arrow.Expression, returnsVoid: false))
            : visited;
    }

    public override SyntaxNode? VisitAccessorDeclaration(AccessorDeclarationSyntax node)
    {
        var returnsVoid = (_model.GetDeclaredSymbol(node) as IMethodSymbol)?.ReturnsVoid ?? true;
        var visited = (AccessorDeclarationSyntax)InFunction(() => base.VisitAccessorDeclaration(node), out var counter)!;
        if (visited.Body is not null)
        {
            return visited.WithBody(Prepend(EnterStatement, visited.Body, counter));
        }

        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithBody(ToBlock(arrow.Expression, returnsVoid))
            : visited;
    }

    public override SyntaxNode? VisitPropertyDeclaration(PropertyDeclarationSyntax node)
    {
        var visited = (PropertyDeclarationSyntax)base.VisitPropertyDeclaration(node)!;
        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(GetterOnly(arrow))
            : visited;
    }

    public override SyntaxNode? VisitIndexerDeclaration(IndexerDeclarationSyntax node)
    {
        var visited = (IndexerDeclarationSyntax)base.VisitIndexerDeclaration(node)!;
        return visited.ExpressionBody is { } arrow
            ? visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(GetterOnly(arrow))
            : visited;
    }

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        var returnsVoid = LambdaReturnsVoid(node);
        var visited = (ParenthesizedLambdaExpressionSyntax)InFunction(() => base.VisitParenthesizedLambdaExpression(node), out var counter)!;
        return visited.Block is not null
            ? visited.WithBlock(Prepend(EnterStatement, visited.Block, counter))
            : visited.WithExpressionBody(null).WithBlock(ToBlock(visited.ExpressionBody!, returnsVoid));
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        var returnsVoid = LambdaReturnsVoid(node);
        var visited = (SimpleLambdaExpressionSyntax)InFunction(() => base.VisitSimpleLambdaExpression(node), out var counter)!;
        return visited.Block is not null
            ? visited.WithBlock(Prepend(EnterStatement, visited.Block, counter))
            : visited.WithExpressionBody(null).WithBlock(ToBlock(visited.ExpressionBody!, returnsVoid));
    }

    public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
    {
        var visited = (AnonymousMethodExpressionSyntax)InFunction(() => base.VisitAnonymousMethodExpression(node), out var counter)!;
        return visited.WithBlock(Prepend(EnterStatement, visited.Block, counter));
    }

    public override SyntaxNode? VisitCatchClause(CatchClauseSyntax node)
    {
        var visited = (CatchClauseSyntax)base.VisitCatchClause(node)!;
        var declaration = visited.Declaration;
        string variable;
        if (declaration is null)
        {
            variable = NextCatchVariable();
            declaration = CatchDeclaration(ParseTypeName("global::System.Exception"), Identifier(variable));
        }
        else if (declaration.Identifier.IsKind(SyntaxKind.None))
        {
            variable = NextCatchVariable();
            declaration = declaration.WithIdentifier(Identifier(variable));
        }
        else
        {
            variable = declaration.Identifier.ValueText;
        }

        ExpressionSyntax filter = ParseExpression($"{BudgetType}.MayCatch({variable})");
        if (visited.Filter is { } existing)
        {
            filter = BinaryExpression(SyntaxKind.LogicalAndExpression, filter, ParenthesizedExpression(existing.FilterExpression));
        }

        return visited.WithDeclaration(declaration).WithFilter(CatchFilterClause(filter));
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        var method = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
        var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        if (method is not { IsStatic: true } || !IsRegex(method.ContainingType) || IndexOfParameter(method, "pattern") < 0)
        {
            return visited;
        }

        return TryHoistStaticCall(node, visited, method) ?? visited.WithArgumentList(WithRegexTimeout(visited.ArgumentList, method));
    }

    public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
    {
        var constructor = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
        var visited = (ObjectCreationExpressionSyntax)base.VisitObjectCreationExpression(node)!;
        if (constructor is null || !IsRegex(constructor.ContainingType) || visited.ArgumentList is not { } arguments)
        {
            return visited;
        }

        if (TryHoistConstruction(node, node.ArgumentList!, constructor) is { } hoisted)
        {
            return hoisted;
        }

        if (IsStaticInitializer(node))
        {
            arguments = WithCompiledOption(node.ArgumentList!, arguments, constructor);
        }

        return visited.WithArgumentList(WithRegexTimeout(arguments, constructor));
    }

    public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
    {
        var constructor = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
        var visited = (ImplicitObjectCreationExpressionSyntax)base.VisitImplicitObjectCreationExpression(node)!;
        if (constructor is null || !IsRegex(constructor.ContainingType))
        {
            return visited;
        }

        if (TryHoistConstruction(node, node.ArgumentList, constructor) is { } hoisted)
        {
            return hoisted;
        }

        var arguments = IsStaticInitializer(node) ? WithCompiledOption(node.ArgumentList, visited.ArgumentList, constructor) : visited.ArgumentList;
        return visited.WithArgumentList(WithRegexTimeout(arguments, constructor));
    }

    public override SyntaxNode? VisitClassDeclaration(ClassDeclarationSyntax node) => VisitType(node, () => base.VisitClassDeclaration(node));

    public override SyntaxNode? VisitStructDeclaration(StructDeclarationSyntax node) => VisitType(node, () => base.VisitStructDeclaration(node));

    public override SyntaxNode? VisitRecordDeclaration(RecordDeclarationSyntax node) => VisitType(node, () => base.VisitRecordDeclaration(node));

    public override SyntaxNode? VisitInterfaceDeclaration(InterfaceDeclarationSyntax node) => VisitType(node, () => base.VisitInterfaceDeclaration(node));

    /// <summary>Visits a type with its own set of hoisted regex fields, then adds them (and the entry, for Label's type).</summary>
    private SyntaxNode? VisitType(TypeDeclarationSyntax original, Func<SyntaxNode?> visit)
    {
        var hoisted = new HoistedRegexes();
        _types.Push(hoisted);
        SyntaxNode? visited;
        try
        {
            visited = visit();
        }
        finally
        {
            _types.Pop();
        }

        if (visited is not TypeDeclarationSyntax type)
        {
            return visited;
        }

        if (hoisted.Fields.Count > 0)
        {
            // First, so that they are initialized before any static field of the program whose initializer uses them.
            type = type.WithMembers(type.Members.InsertRange(0, hoisted.Fields));
        }

        if (!_entryAdded && SymbolEqualityComparer.Default.Equals(_model.GetDeclaredSymbol(original), _label.ContainingType))
        {
            _entryAdded = true;
            type = type.AddMembers([.. _entryMembers]);
        }

        return type;
    }

    /// <summary>
    /// <c>Regex.IsMatch(text, "constant pattern"[, constant options])</c> → <c>hoistedField.IsMatch(text)</c>: one regex per
    /// program instead of the process-wide regex cache (15 entries by default, so programs with more static calls re-parse
    /// their patterns on every row). Same pattern, options and timeout, so the same matches.
    /// </summary>
    private InvocationExpressionSyntax? TryHoistStaticCall(InvocationExpressionSyntax original, InvocationExpressionSyntax visited, IMethodSymbol method)
    {
        if (visited.Expression is not MemberAccessExpressionSyntax access || IndexOfParameter(method, "matchTimeout") >= 0
            || original.ArgumentList.Arguments.Count != method.Parameters.Length)
        {
            return null;
        }

        var patternIndex = IndexOfParameter(method, "pattern");
        var optionsIndex = IndexOfParameter(method, "options");
        var field = HoistedField(original.ArgumentList, patternIndex, optionsIndex);
        if (field is null)
        {
            return null;
        }

        var arguments = visited.ArgumentList.Arguments.Where((_, i) => i != patternIndex && i != optionsIndex);
        return InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(field), access.Name),
            ArgumentList(SeparatedList(arguments)));
    }

    /// <summary><c>new Regex("constant")</c> inside a method → the hoisted field: built once, not on every row.</summary>
    private IdentifierNameSyntax? TryHoistConstruction(ExpressionSyntax original, ArgumentListSyntax arguments, IMethodSymbol constructor)
    {
        if (IndexOfParameter(constructor, "matchTimeout") >= 0 || arguments.Arguments.Count != constructor.Parameters.Length
            || original.Ancestors().Any(a => a is FieldDeclarationSyntax or PropertyDeclarationSyntax or EnumMemberDeclarationSyntax or ParameterSyntax))
        {
            return null;
        }

        var field = HoistedField(arguments, IndexOfParameter(constructor, "pattern"), IndexOfParameter(constructor, "options"));
        return field is null ? null : IdentifierName(field);
    }

    /// <summary>The name of a static readonly Regex field for a constant, valid pattern and options; null when not hoistable.</summary>
    private string? HoistedField(ArgumentListSyntax arguments, int patternIndex, int optionsIndex)
    {
        if (_types.Count == 0 || patternIndex < 0 || arguments.Arguments.Any(a => a.NameColon is not null || !a.RefKindKeyword.IsKind(SyntaxKind.None)))
        {
            return null;
        }

        if (_model.GetConstantValue(arguments.Arguments[patternIndex].Expression) is not { HasValue: true, Value: string pattern })
        {
            return null;
        }

        var options = RegexOptions.None;
        if (optionsIndex >= 0)
        {
            if (_model.GetConstantValue(arguments.Arguments[optionsIndex].Expression) is not { HasValue: true, Value: int value })
            {
                return null;
            }

            options = (RegexOptions)value;
        }

        try
        {
            // An invalid pattern must keep failing where the program calls it, not in a type initializer.
            _ = new Regex(pattern, options, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }

        var hoisted = _types.Peek();
        if (!hoisted.Names.TryGetValue((pattern, options), out var name))
        {
            name = "__alchemistRegex" + _hoistedRegexes++;
            hoisted.Names.Add((pattern, options), name);
            var regexType = ParseTypeName("global::System.Text.RegularExpressions.Regex");
            var creation = ObjectCreationExpression(regexType).WithArgumentList(ArgumentList(SeparatedList(
            [
                Argument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(pattern))),
                Argument(CastExpression(ParseTypeName("global::System.Text.RegularExpressions.RegexOptions"),
                    LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal((int)WithCompiled(options))))),
                Argument(RegexTimeout),
            ])));
            hoisted.Fields.Add(FieldDeclaration(VariableDeclaration(regexType, SingletonSeparatedList(
                    VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(creation)))))
                .WithModifiers(TokenList(Token(SyntaxKind.PrivateKeyword), Token(SyntaxKind.StaticKeyword), Token(SyntaxKind.ReadOnlyKeyword))));
        }

        return name;
    }

    /// <summary>
    /// Regexes built once per program are compiled to IL: the same backtracking semantics, several times faster matching,
    /// which more than pays for the match timeout the sandbox forces on them. NonBacktracking ones are left as they are.
    /// </summary>
    private static RegexOptions WithCompiled(RegexOptions options) =>
        (options & RegexOptions.NonBacktracking) != 0 ? options : options | RegexOptions.Compiled;

    /// <summary>True for a construction in a static field or property initializer: it runs once per program.</summary>
    private static bool IsStaticInitializer(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(a => a is FieldDeclarationSyntax or PropertyDeclarationSyntax or BaseMethodDeclarationSyntax
                                             or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) switch
        {
            FieldDeclarationSyntax field => field.Modifiers.Any(SyntaxKind.StaticKeyword),
            PropertyDeclarationSyntax property => property.Modifiers.Any(SyntaxKind.StaticKeyword),
            _ => false,
        };

    /// <summary>Adds RegexOptions.Compiled to a construction's options when they are a constant without NonBacktracking.</summary>
    private ArgumentListSyntax WithCompiledOption(ArgumentListSyntax original, ArgumentListSyntax visited, IMethodSymbol constructor)
    {
        var optionsIndex = IndexOfParameter(constructor, "options");
        var compiled = ParseExpression("global::System.Text.RegularExpressions.RegexOptions.Compiled");
        if (optionsIndex < 0 || optionsIndex >= original.Arguments.Count)
        {
            return original.Arguments.Any(a => a.NameColon is not null) ? visited : visited.AddArguments(Argument(NameColon("options"), default, compiled));
        }

        var position = FindArgument(original, "options", optionsIndex);
        if (position < 0 || _model.GetConstantValue(original.Arguments[position].Expression) is not { HasValue: true, Value: int value }
            || ((RegexOptions)value & RegexOptions.NonBacktracking) != 0)
        {
            return visited;
        }

        var argument = visited.Arguments[position];
        var combined = BinaryExpression(SyntaxKind.BitwiseOrExpression, ParenthesizedExpression(argument.Expression), compiled);
        return visited.WithArguments(visited.Arguments.Replace(argument, argument.WithExpression(combined)));
    }

    private static bool IsRegex(INamedTypeSymbol? type) =>
        type is { Name: "Regex" } && type.ContainingNamespace?.ToDisplayString() == "System.Text.RegularExpressions";

    /// <summary>
    /// Adds <c>options: RegexOptions.None, matchTimeout: Budget.RegexTimeout</c> (named, so any argument style stays valid) to
    /// an overload without a timeout, or caps the timeout the program passes itself.
    /// </summary>
    private static ArgumentListSyntax WithRegexTimeout(ArgumentListSyntax arguments, IMethodSymbol method)
    {
        var timeoutIndex = IndexOfParameter(method, "matchTimeout");
        if (timeoutIndex >= 0)
        {
            var position = FindArgument(arguments, "matchTimeout", timeoutIndex);
            if (position < 0)
            {
                return arguments;
            }

            var argument = arguments.Arguments[position];
            var capped = argument.WithExpression(
                InvocationExpression(ParseExpression(BudgetType + ".ClampRegexTimeout"), ArgumentList(SingletonSeparatedList(Argument(argument.Expression)))));
            return arguments.WithArguments(arguments.Arguments.Replace(argument, capped));
        }

        var result = arguments;
        var optionsIndex = IndexOfParameter(method, "options");
        var hasNamedOptions = arguments.Arguments.Any(a => a.NameColon?.Name.Identifier.ValueText == "options");
        if (!hasNamedOptions && (optionsIndex < 0 || FindArgument(arguments, "options", optionsIndex) < 0))
        {
            result = result.AddArguments(Argument(NameColon("options"), default, RegexOptionsNone));
        }

        return result.AddArguments(Argument(NameColon("matchTimeout"), default, RegexTimeout));
    }

    private static int IndexOfParameter(IMethodSymbol method, string name)
    {
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            if (method.Parameters[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static int FindArgument(ArgumentListSyntax arguments, string parameter, int parameterIndex)
    {
        for (var i = 0; i < arguments.Arguments.Count; i++)
        {
            if (arguments.Arguments[i].NameColon?.Name.Identifier.ValueText == parameter)
            {
                return i;
            }
        }

        return parameterIndex < arguments.Arguments.Count && arguments.Arguments[parameterIndex].NameColon is null ? parameterIndex : -1;
    }

    private bool LambdaReturnsVoid(LambdaExpressionSyntax node) =>
        _model.GetSymbolInfo(node).Symbol is IMethodSymbol { ReturnsVoid: true };

    private string NextCatchVariable() => "__alchemistException" + _catchVariables++;

    private static BlockSyntax ToBlock(ExpressionSyntax expression, bool returnsVoid)
    {
        StatementSyntax statement = expression switch
        {
            ThrowExpressionSyntax thrown => ThrowStatement(thrown.Expression),
            _ when returnsVoid => ExpressionStatement(expression),
            _ => ReturnStatement(expression),
        };
        return Block(EnterStatement, statement);
    }

    private static AccessorListSyntax GetterOnly(ArrowExpressionClauseSyntax arrow) =>
        AccessorList(SingletonList(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, ToBlock(arrow.Expression, returnsVoid: false))));

    private static BlockSyntax Prepend(StatementSyntax first, StatementSyntax body) =>
        body is BlockSyntax block ? block.WithStatements(block.Statements.Insert(0, first)) : Block(first, body);

    /// <summary>Puts the entry check first and, when the function has loops, declares their step counter after it.</summary>
    private static BlockSyntax Prepend(StatementSyntax first, BlockSyntax body, FunctionCounter counter)
    {
        var statements = body.Statements;
        if (counter.Used)
        {
            statements = statements.Insert(0, ParseStatement($"int {counter.Name} = 0;"));
        }

        return body.WithStatements(statements.Insert(0, first));
    }

    private SyntaxNode? InFunction(Func<SyntaxNode?> visit, out FunctionCounter counter)
    {
        counter = new FunctionCounter("__alchemistSteps" + _counters++);
        _functions.Push(counter);
        try
        {
            return visit();
        }
        finally
        {
            _functions.Pop();
        }
    }

    /// <summary>
    /// The statement at the top of a loop body or after a label: counts in a local and reports to the thread's budget every
    /// <see cref="Runtime.Budget.LoopStepsPerReport"/> iterations. Outside any function (not expected) it ticks directly.
    /// </summary>
    private StatementSyntax LoopTick()
    {
        if (_functions.Count == 0)
        {
            return TickStatement;
        }

        var counter = _functions.Peek();
        counter.Used = true;
        var every = Runtime.Budget.LoopStepsPerReport;
        return ParseStatement($"if (++{counter.Name} >= {every}) {{ {counter.Name} = 0; {BudgetType}.Steps({every}); }}");
    }

    private sealed class HoistedRegexes
    {
        public Dictionary<(string Pattern, RegexOptions Options), string> Names { get; } = [];

        public List<MemberDeclarationSyntax> Fields { get; } = [];
    }

    private sealed class FunctionCounter(string name)
    {
        public string Name { get; } = name;

        public bool Used { get; set; }
    }
}
