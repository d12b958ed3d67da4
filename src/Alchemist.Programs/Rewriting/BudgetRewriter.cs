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
        return method is { IsStatic: true } && IsRegex(method.ContainingType) && method.Parameters.Any(p => p.Name == "pattern")
            ? visited.WithArgumentList(WithRegexTimeout(visited.ArgumentList, method))
            : visited;
    }

    public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
    {
        var constructor = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
        var visited = (ObjectCreationExpressionSyntax)base.VisitObjectCreationExpression(node)!;
        return constructor is not null && IsRegex(constructor.ContainingType) && visited.ArgumentList is { } arguments
            ? visited.WithArgumentList(WithRegexTimeout(arguments, constructor))
            : visited;
    }

    public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
    {
        var constructor = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
        var visited = (ImplicitObjectCreationExpressionSyntax)base.VisitImplicitObjectCreationExpression(node)!;
        return constructor is not null && IsRegex(constructor.ContainingType)
            ? visited.WithArgumentList(WithRegexTimeout(visited.ArgumentList, constructor))
            : visited;
    }

    public override SyntaxNode? VisitClassDeclaration(ClassDeclarationSyntax node) => AddEntry(node, base.VisitClassDeclaration(node));

    public override SyntaxNode? VisitStructDeclaration(StructDeclarationSyntax node) => AddEntry(node, base.VisitStructDeclaration(node));

    public override SyntaxNode? VisitRecordDeclaration(RecordDeclarationSyntax node) => AddEntry(node, base.VisitRecordDeclaration(node));

    private SyntaxNode? AddEntry(TypeDeclarationSyntax original, SyntaxNode? visited)
    {
        if (_entryAdded || visited is not TypeDeclarationSyntax type
            || !SymbolEqualityComparer.Default.Equals(_model.GetDeclaredSymbol(original), _label.ContainingType))
        {
            return visited;
        }

        _entryAdded = true;
        return type.AddMembers([.. _entryMembers]);
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
        if (optionsIndex < 0 || FindArgument(arguments, "options", optionsIndex) < 0)
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

    private sealed class FunctionCounter(string name)
    {
        public string Name { get; } = name;

        public bool Used { get; set; }
    }
}
