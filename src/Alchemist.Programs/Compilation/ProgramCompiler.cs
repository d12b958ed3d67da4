using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Alchemist.Programs.Rewriting;
using Alchemist.Programs.Verification;
using Alchemist.Spec;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Alchemist.Programs.Compilation;

/// <summary>
/// Compiles a labeling program's source for one task signature: normalizes the shapes LLMs write, compiles with Roslyn,
/// checks the Label method's shape, verifies every declaration and referenced symbol against the sandbox allowlist, injects
/// the run-time budgets, and emits an assembly. Thread-safe; one instance per task.
/// </summary>
public sealed class ProgramCompiler : IProgramCompiler
{
    /// <summary>
    /// Stack of the thread that compiles: Roslyn and the sandbox's passes recurse over the syntax tree, and the limits
    /// allow trees up to <see cref="SourceLimits.MaxSyntaxDepth"/> deep. Only touched pages are committed.
    /// </summary>
    private const int CompilerStackBytes = 256 << 20;

    /// <summary>Bump when normalization, verification or instrumentation changes what a program computes or may do.</summary>
    public const string InstrumentationVersion = "2";

    private static readonly CSharpCompilationOptions Options = new(
        OutputKind.DynamicallyLinkedLibrary,
        optimizationLevel: OptimizationLevel.Release,
        allowUnsafe: true, // so that unsafe code compiles and the verifier, not the compiler, explains the rejection
        nullableContextOptions: NullableContextOptions.Disable,
        concurrentBuild: false,
        deterministic: true,
        // A source type that shadows an imported namespace or type is only a warning in C#; in the sandbox it would let a
        // program capture what the rewriter injects, so it is an error.
        specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
        {
            ["CS0435"] = ReportDiagnostic.Error,
            ["CS0436"] = ReportDiagnostic.Error,
            ["CS0437"] = ReportDiagnostic.Error,
            ["CS0438"] = ReportDiagnostic.Error,
        });

    private readonly SyntaxTree? _rowTree;

    /// <summary>A compiler for programs of one task.</summary>
    /// <param name="signature">The task's inputs and classes.</param>
    /// <param name="limits">Limits on a program's source; null takes <see cref="SourceLimits.Default"/>.</param>
    public ProgramCompiler(ProgramSignature signature, SourceLimits? limits = null)
    {
        Signature = signature;
        Limits = limits ?? SourceLimits.Default;
        _rowTree = signature.RowRecordSource is { } row
            ? CSharpSyntaxTree.ParseText(row, ProgramSource.ParseOptions, path: "Row.g.cs")
            : null;
    }

    /// <inheritdoc/>
    public ProgramSignature Signature { get; }

    /// <inheritdoc/>
    public SourceLimits Limits { get; }

    /// <summary>The instrumented source of the last program this thread compiled (for tests and for debugging the rewriter).</summary>
    internal static string? LastInstrumentedSource => LastInstrumentedTree?.GetRoot().NormalizeWhitespace().ToFullString();

    /// <summary>The tree behind <see cref="LastInstrumentedSource"/>, kept as a tree: formatting it costs time and stack on every compile.</summary>
    [field: ThreadStatic]
    private static SyntaxTree? LastInstrumentedTree { get; set; }

    /// <summary>Compiles a program file; diagnostics carry the line numbers of the file as it was read.</summary>
    public CompileResult Compile(ProgramFile file) => Compile(file.TextToCompile(), file.Name);

    /// <summary>Compiles source text (an LLM's code block, a file's text); diagnostics carry line numbers of that text.</summary>
    public CompileResult Compile(string source, string name = "program") => Compile(source, name, instrument: true);

    /// <summary>
    /// Compiles and verifies like <see cref="Compile(string, string)"/> but injects no budgets: the "native speed" baseline
    /// for benchmarks and the reference that tests compare instrumented outputs with. The allowlist still applies; only the budgets are missing, so a program that loops forever hangs its thread.
    /// </summary>
    public CompileResult CompileWithoutBudgets(string source, string name = "program") => Compile(source, name, instrument: false);

    private CompileResult Compile(string source, string name, bool instrument)
    {
        var stopwatch = Stopwatch.StartNew();
        var diagnostics = new List<ProgramDiagnostic>();
        if (Limits.Check(source) is { } tooLarge)
        {
            diagnostics.Add(tooLarge);
            return new CompileResult(null, diagnostics, stopwatch.Elapsed);
        }

        CompiledProgram? program = null;
        Exception? failure = null;
        SyntaxTree? instrumentedTree = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    program = CompileCore(source, name, instrument, diagnostics);
                    instrumentedTree = LastInstrumentedTree;
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            CompilerStackBytes)
        {
            Name = "alchemist-compile",
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        LastInstrumentedTree = instrumentedTree;
        return new CompileResult(program, diagnostics, stopwatch.Elapsed);
    }

    /// <summary>
    /// True when <paramref name="source"/>, normalized the same way, compiles against every framework assembly with no
    /// sandbox at all: the baseline for "a program the verifier should not reject".
    /// </summary>
    public bool CompilesAsPlainCSharp(string source, out IReadOnlyList<string> errors)
    {
        var tree = ProgramSource.Normalize(source, "program.cs", dropRowRecord: _rowTree is not null);
        var compilation = CSharpCompilation.Create("plain", Trees(tree), References.ForPlainCSharp, Options);
        errors = [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(Describe)];
        return errors.Count == 0;
    }

    /// <summary>
    /// The cache key that compiling <paramref name="source"/> would give (<see cref="CompiledProgram.CacheKey"/>), without
    /// compiling: lets the apply skip Roslyn for programs whose columns are all cached.
    /// </summary>
    public string CacheKeyOf(string source) => CacheKeyOf(Signature, source);

    /// <summary>The cache key of <paramref name="source"/> compiled for <paramref name="signature"/> by this build of the sandbox.</summary>
    internal static string CacheKeyOf(ProgramSignature signature, string source) => CacheKey(signature, SourceHash(source));

    internal static string SourceHash(string source) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)));

    private static string CacheKey(ProgramSignature signature, string sourceHash) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join('\n', InstrumentationVersion, SandboxBuild, signature.Fingerprint(), sourceHash))));

    /// <summary>
    /// This build of the sandbox (verifier, allowlist, rewriter) and the runtime it compiles against: cached columns are
    /// reused without verifying the program again, so a program the sandbox now rejects must not keep voting from the cache
    /// because someone forgot to bump <see cref="InstrumentationVersion"/>.
    /// </summary>
    private static readonly string SandboxBuild = $"{typeof(ProgramCompiler).Assembly.ManifestModule.ModuleVersionId:N};{Environment.Version}";

    private CompiledProgram? CompileCore(string source, string name, bool instrument, List<ProgramDiagnostic> diagnostics)
    {
        var sourceHash = SourceHash(source);
        var tree = ProgramSource.Normalize(source, name + ".cs", dropRowRecord: _rowTree is not null);
        if (TooDeep(tree.GetRoot(), Limits.MaxSyntaxDepth) is { } deep)
        {
            diagnostics.Add(new ProgramDiagnostic(DiagnosticStage.Limits, deep.GetLocation().GetMappedLineSpan().StartLinePosition.Line + 1, 0,
                string.Create(CultureInfo.InvariantCulture,
                    $"the expression here is nested more than {Limits.MaxSyntaxDepth} deep (a long chain of operators or calls); split it into local variables or helper methods")));
            return null;
        }

        var assemblyName = "alchemist_program_" + sourceHash[..16];
        var compilation = CSharpCompilation.Create(assemblyName, Trees(tree), References.ForSandbox, Options);

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            diagnostics.AddRange(errors.Take(20).Select(d => ToDiagnostic(DiagnosticStage.Compile, d)));
            return null;
        }

        var model = compilation.GetSemanticModel(tree);
        var label = FindLabel(model, diagnostics);
        if (label is null)
        {
            return null;
        }

        diagnostics.AddRange(SandboxVerifier.Verify(model));
        if (diagnostics.Count > 0)
        {
            return null;
        }

        SyntaxTree instrumented;
        try
        {
            var root = BudgetRewriter.Rewrite(model, label, EntryMembers(label), instrument);
            instrumented = CSharpSyntaxTree.Create((CSharpSyntaxNode)root, ProgramSource.ParseOptions, tree.FilePath, Encoding.UTF8);
        }
        catch (InvalidOperationException e)
        {
            diagnostics.Add(new ProgramDiagnostic(DiagnosticStage.Internal, 0, 0, e.Message));
            return null;
        }

        LastInstrumentedTree = instrumented;
        using var image = new MemoryStream();
        var emitted = compilation.ReplaceSyntaxTree(tree, instrumented).Emit(image);
        if (!emitted.Success)
        {
            diagnostics.AddRange(emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)
                .Select(d => ToDiagnostic(DiagnosticStage.Internal, d)));
            return null;
        }

        return new CompiledProgram(name, sourceHash, Signature, image.ToArray(), MetadataName(label.ContainingType), CacheKey(Signature, sourceHash));
    }

    /// <summary>The first node deeper than <paramref name="limit"/>, found without recursion; null when the tree is shallower.</summary>
    private static SyntaxNode? TooDeep(SyntaxNode root, int limit)
    {
        var pending = new Stack<(SyntaxNode Node, int Depth)>();
        pending.Push((root, 1));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            if (depth > limit)
            {
                return node;
            }

            foreach (var child in node.ChildNodes())
            {
                pending.Push((child, depth + 1));
            }
        }

        return null;
    }

    private IEnumerable<SyntaxTree> Trees(SyntaxTree program) =>
        _rowTree is null ? [ProgramSource.GlobalUsings, program] : [ProgramSource.GlobalUsings, program, _rowTree];

    /// <summary>Finds the one static Label method with the task's parameters and a usable return type.</summary>
    private IMethodSymbol? FindLabel(SemanticModel model, List<ProgramDiagnostic> diagnostics)
    {
        var declarations = model.SyntaxTree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.Identifier.ValueText == "Label").ToList();
        var expected = Signature.LabelMethodSignature;
        if (declarations.Count == 0)
        {
            diagnostics.Add(new ProgramDiagnostic(DiagnosticStage.Shape, 0, 0,
                $"there is no method named Label; write `{expected}` returning a class index ({Signature.DescribeClasses()}) or -1 to abstain"));
            return null;
        }

        var problems = new List<ProgramDiagnostic>();
        var found = new List<IMethodSymbol>();
        foreach (var declaration in declarations)
        {
            var method = model.GetDeclaredSymbol(declaration)!;
            var line = declaration.Identifier.GetLocation().GetMappedLineSpan().StartLinePosition.Line + 1;
            string? problem = null;
            if (!AcceptsInputs(method))
            {
                problem = $"Label must take the row as {(Signature.IsSingleText ? "one string" : $"one {ProgramSignature.RowTypeName}")}: `{expected}`";
            }
            else if (!method.IsStatic)
            {
                problem = $"Label must be static: `{expected}`";
            }
            else if (ReturnShapeOf(method.ReturnType) is null)
            {
                problem = $"Label returns {method.ReturnType.ToDisplayString()}; it must return int (a class index: {Signature.DescribeClasses()}, or -1 to abstain)";
            }
            else if (method.IsGenericMethod || IsInGenericType(method))
            {
                problem = "Label and the class around it must not be generic";
            }

            if (problem is null)
            {
                found.Add(method);
            }
            else
            {
                problems.Add(new ProgramDiagnostic(DiagnosticStage.Shape, line, 1, problem));
            }
        }

        if (found.Count == 1)
        {
            return found[0];
        }

        if (found.Count > 1)
        {
            diagnostics.Add(new ProgramDiagnostic(DiagnosticStage.Shape, 0, 0, $"there are {found.Count} Label methods; keep exactly one `{expected}`"));
        }
        else
        {
            diagnostics.AddRange(problems);
        }

        return null;
    }

    private bool AcceptsInputs(IMethodSymbol method)
    {
        if (method.Parameters.Length == 1 && method.Parameters[0].RefKind == RefKind.None)
        {
            var type = method.Parameters[0].Type;
            return Signature.IsSingleText
                ? type.SpecialType == SpecialType.System_String
                : type.Name == ProgramSignature.RowTypeName && type.ContainingType is null && type.ContainingNamespace.IsGlobalNamespace;
        }

        // Multi-field programs may also take the fields one by one, in the spec's order.
        return !Signature.IsSingleText && method.Parameters.Length == Signature.Fields.Count
               && method.Parameters.Zip(Signature.Fields).All(p => p.First.RefKind == RefKind.None
                   && p.First.Type.SpecialType == (p.Second.Type == InputType.Text ? SpecialType.System_String : SpecialType.System_Double));
    }

    private static string? ReturnShapeOf(ITypeSymbol type) => type switch
    {
        { SpecialType: SpecialType.System_Int32 } => "int",
        { SpecialType: SpecialType.System_String } => "string",
        INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T, TypeArguments: [{ SpecialType: SpecialType.System_Int32 }] } => "int?",
        _ => null,
    };

    private static bool IsInGenericType(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The static entry the host calls: builds the row, calls Label, maps the result to an int.</summary>
    private IReadOnlyList<MemberDeclarationSyntax> EntryMembers(IMethodSymbol label)
    {
        var call = ReturnShapeOf(label.ReturnType) switch
        {
            "string" => "global::Alchemist.Programs.Runtime.Budget.ClassIndex({0})",
            "int?" => "({0} ?? -1)",
            _ => "{0}",
        };
        string arguments;
        string entry;
        if (Signature.IsSingleText)
        {
            arguments = "text";
            entry = $"internal static int {CompiledProgram.TextEntryName}(string text) => " + string.Format(CultureInfo.InvariantCulture, call, $"Label({arguments})") + ";";
        }
        else
        {
            var text = 0;
            var number = 0;
            var values = Signature.Fields.Select(f => f.Type == InputType.Text ? $"texts[{text++}][row]" : $"numbers[{number++}][row]").ToList();
            arguments = label.Parameters.Length == 1
                ? $"new global::{ProgramSignature.RowTypeName}({string.Join(", ", values)})"
                : string.Join(", ", values);
            entry = $"internal static int {CompiledProgram.ColumnsEntryName}(string[][] texts, double[][] numbers, int row) => "
                    + string.Format(CultureInfo.InvariantCulture, call, $"Label({arguments})") + ";";
        }

        return [SyntaxFactory.ParseMemberDeclaration(entry, options: ProgramSource.ParseOptions)!];
    }

    private static string MetadataName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }

    private static ProgramDiagnostic ToDiagnostic(DiagnosticStage stage, Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var line = diagnostic.Location.IsInSource ? span.StartLinePosition.Line + 1 : 0;
        return new ProgramDiagnostic(stage, line, span.StartLinePosition.Character + 1, $"error {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}");
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        return $"line {span.StartLinePosition.Line + 1}: {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}";
    }
}
