using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Alchemist.Programs.Compilation;

/// <summary>
/// Turns the shapes LLMs write into a compilable unit without moving any line: a method standing alone (with helpers, local
/// functions, fields) is wrapped in a class opened on the line of the first member and closed after the last line, and its
/// members are made static. Sources that already declare types are left as they are. Common usings come from a separate
/// tree of global usings, so missing usings do not matter and line numbers stay those of the original text.
/// </summary>
internal static class ProgramSource
{
    public const string WrapperClassName = "LabelingProgram";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

    public static readonly string[] CommonNamespaces =
    [
        "System",
        "System.Collections.Generic",
        "System.Globalization",
        "System.Linq",
        "System.Text",
        "System.Text.RegularExpressions",
    ];

    public static SyntaxTree GlobalUsings { get; } = CSharpSyntaxTree.ParseText(
        string.Concat(CommonNamespaces.Select(n => $"global using global::{n};\n")),
        ParseOptions,
        path: "GlobalUsings.g.cs");

    /// <summary>Parses <paramref name="text"/>, wrapping free-standing members in a class when needed.</summary>
    public static SyntaxTree Normalize(string text, string path, bool dropRowRecord)
    {
        var tree = CSharpSyntaxTree.ParseText(text, ParseOptions, path);
        var unit = tree.GetCompilationUnitRoot();
        var needsWrapper = unit.Members.Any(m => m is not BaseNamespaceDeclarationSyntax and not BaseTypeDeclarationSyntax and not DelegateDeclarationSyntax);
        if (needsWrapper)
        {
            var first = unit.Members[0];
            var insertAt = first.SpanStart;
            var opener = $"internal static partial class {WrapperClassName} {{ ";
            var wrapped = text[..insertAt] + opener + text[insertAt..] + "\n}\n";
            tree = CSharpSyntaxTree.ParseText(wrapped, ParseOptions, path);
            unit = tree.GetCompilationUnitRoot();
            var wrapper = unit.Members.OfType<ClassDeclarationSyntax>().First(c => c.Identifier.Text == WrapperClassName);
            var members = wrapper.Members.Select(MakeStatic);
            if (dropRowRecord)
            {
                members = members.Where(m => !IsRowDeclaration(m));
            }

            unit = unit.ReplaceNode(wrapper, wrapper.WithMembers(SyntaxFactory.List(members)));
        }

        if (dropRowRecord)
        {
            // An LLM that echoes the prompt's record would clash with the generated one, which is the authority.
            unit = unit.WithMembers(SyntaxFactory.List(unit.Members.Where(m => !IsRowDeclaration(m))));
        }

        return CSharpSyntaxTree.Create(unit, ParseOptions, path, System.Text.Encoding.UTF8);
    }

    private static bool IsRowDeclaration(MemberDeclarationSyntax member) =>
        member is BaseTypeDeclarationSyntax type && type.Identifier.Text == ProgramSignature.RowTypeName;

    private static MemberDeclarationSyntax MakeStatic(MemberDeclarationSyntax member)
    {
        var modifiers = member.Modifiers;
        if (modifiers.Any(SyntaxKind.StaticKeyword) || modifiers.Any(SyntaxKind.ConstKeyword))
        {
            return member;
        }

        return member switch
        {
            MethodDeclarationSyntax or FieldDeclarationSyntax or PropertyDeclarationSyntax or EventFieldDeclarationSyntax =>
                member.WithModifiers(AddStatic(modifiers)),
            _ => member,
        };
    }

    private static SyntaxTokenList AddStatic(SyntaxTokenList modifiers)
    {
        var staticToken = SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (modifiers.Count == 0)
        {
            return SyntaxFactory.TokenList(staticToken);
        }

        // Insert after access modifiers so "public static" reads naturally; trivia of the first token is kept in place.
        var index = 0;
        while (index < modifiers.Count && SyntaxFacts.IsAccessibilityModifier(modifiers[index].Kind()))
        {
            index++;
        }

        if (index == 0)
        {
            var first = modifiers[0];
            return modifiers.Replace(first, first.WithLeadingTrivia()).Insert(0, staticToken.WithLeadingTrivia(first.LeadingTrivia));
        }

        return modifiers.Insert(index, staticToken);
    }
}
