using System.Text;
using System.Text.RegularExpressions;
using Alchemist.Programs.Compilation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Alchemist.Synthesis.Extraction;

/// <summary>The code found in a reply, or why there is none; <see cref="Notes"/> say what was done to get it.</summary>
/// <param name="Code">The program's source, for the compiler; null when the reply was rejected.</param>
/// <param name="Rejection">Why the reply holds no usable program; null when <paramref name="Code"/> is set.</param>
/// <param name="Notes">What was done to get the code: the block chosen, helpers added, examples dropped, a block left open.</param>
public sealed record ExtractionResult(string? Code, string? Rejection, IReadOnlyList<string> Notes)
{
    /// <summary>True when the reply held a program (<see cref="Code"/> is set).</summary>
    public bool Succeeded => Code is not null;

    internal static ExtractionResult Reject(string reason, IReadOnlyList<string>? notes = null) => new(null, reason, notes ?? []);
}

/// <summary>
/// Pulls the labeling program out of an LLM reply: prose around it, several fenced blocks (the one declaring Label wins,
/// with any other blocks that declare helpers it uses), no fence at all, usage examples and Main methods next to it, and
/// code in another language (a clear rejection). Wrapping a bare method in a class and adding usings is the compiler's job.
/// </summary>
public static partial class ReplyExtractor
{
    private static readonly HashSet<string> CSharpTags = new(StringComparer.OrdinalIgnoreCase) { "csharp", "cs", "c#", "c-sharp", "csx", "dotnet", "net" };

    private static readonly HashSet<string> NeutralTags = new(StringComparer.OrdinalIgnoreCase) { "", "code", "text", "plaintext", "plain" };

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None);

    /// <summary>
    /// The labeling program in an LLM reply, without usage examples and Main methods, or a rejection saying why there is none
    /// (no code, no Label method, code in another language, a method cut off).
    /// </summary>
    public static ExtractionResult Extract(string reply)
    {
        var notes = new List<string>();
        var blocks = FencedBlock.Parse(reply).ToList();
        if (blocks.Count == 0)
        {
            return ExtractUnfenced(reply, notes);
        }

        var csharp = new List<FencedBlock>();
        var foreign = new List<(FencedBlock Block, string Language)>();
        foreach (var block in blocks)
        {
            var language = LanguageOf(block);
            if (language == "C#")
            {
                csharp.Add(block);
            }
            else if (language is not null)
            {
                foreign.Add((block, language));
            }
        }

        var withLabel = csharp.Where(b => DeclaresLabel(b.Text)).ToList();
        if (withLabel.Count == 0)
        {
            var foreignLabel = foreign.FirstOrDefault(f => LabelFunctionPattern().IsMatch(f.Block.Text));
            if (foreignLabel.Block is not null)
            {
                return ExtractionResult.Reject($"the reply's code is {foreignLabel.Language}, not C#: a labeling function must be C#", notes);
            }

            var bare = ExtractUnfenced(reply, notes);
            if (bare.Succeeded)
            {
                return bare;
            }

            return ExtractionResult.Reject(
                csharp.Count > 0
                    ? "the reply's C# code declares no method 'int Label(...)'"
                    : foreign.Count > 0
                        ? $"the reply's code is {foreign[0].Language}, not C#"
                        : "the reply contains no code",
                notes);
        }

        var chosen = withLabel[^1];
        if (blocks.Count > 1)
        {
            notes.Add(withLabel.Count > 1
                ? $"took the last of {withLabel.Count} code blocks that declare Label (block {blocks.IndexOf(chosen) + 1} of {blocks.Count})"
                : $"took code block {blocks.IndexOf(chosen) + 1} of {blocks.Count}");
        }

        if (chosen.Unterminated)
        {
            notes.Add("the code block is not closed (the reply may have been cut off)");
        }

        var code = chosen.Text;
        var helpers = HelperBlocks(chosen, csharp.Where(b => b != chosen && !DeclaresLabel(b.Text)).ToList());
        if (helpers.Count > 0)
        {
            notes.Add($"added helpers from {helpers.Count} other block(s)");
            code = string.Join("\n\n", helpers.Select(h => h.Text.TrimEnd()).Append(code));
        }

        return new ExtractionResult(Clean(code, notes), null, notes);
    }

    /// <summary>The reply has no fences: take the Label method (with using lines just above it) by matching its braces.</summary>
    private static ExtractionResult ExtractUnfenced(string reply, List<string> notes)
    {
        var match = LabelDeclarationPattern().Match(reply);
        if (!match.Success)
        {
            var foreign = LabelFunctionPattern().Match(reply);
            return ExtractionResult.Reject(
                foreign.Success
                    ? $"the reply's code looks like {GuessLanguage(foreign.Value)}, not C#: a labeling function must be C#"
                    : "the reply contains no code declaring 'int Label(...)'",
                notes);
        }

        var lineStart = reply.LastIndexOf('\n', match.Index) + 1;
        var start = lineStart;
        // Keep attribute-free using lines and comments directly above the method.
        var above = reply[..lineStart].TrimEnd('\n', '\r').Split('\n');
        var keep = 0;
        for (var i = above.Length - 1; i >= 0; i--)
        {
            var line = above[i].Trim();
            if (line.StartsWith("using ", StringComparison.Ordinal) || line.StartsWith("//", StringComparison.Ordinal) || line.Length == 0)
            {
                keep += above[i].Length + 1;
                continue;
            }

            break;
        }

        start = Math.Max(0, lineStart - keep);
        var end = EndOfMember(reply, match.Index + match.Length);
        if (end < 0)
        {
            return ExtractionResult.Reject("the reply's Label method has no matching closing brace (the reply may have been cut off)", notes);
        }

        notes.Add("the reply had no fenced block; took the Label method from the text");
        return new ExtractionResult(Clean(reply[start..end].Trim('\n', '\r', ' '), notes), null, notes);
    }

    /// <summary>Index just past the member whose header ends at <paramref name="from"/>: its body's closing brace or its "=> ...;".</summary>
    private static int EndOfMember(string text, int from)
    {
        var depth = 0;
        var sawBody = false;
        var parens = 1;
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '"' or '\'')
            {
                i = SkipLiteral(text, i);
                continue;
            }

            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                i = text.IndexOf('\n', i) is var nl && nl < 0 ? text.Length : nl;
                continue;
            }

            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var close = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = close < 0 ? text.Length : close + 1;
                continue;
            }

            if (parens > 0)
            {
                parens += c == '(' ? 1 : c == ')' ? -1 : 0;
                continue;
            }

            if (c == '{')
            {
                depth++;
                sawBody = true;
            }
            else if (c == '}')
            {
                depth--;
                if (sawBody && depth == 0)
                {
                    return i + 1;
                }
            }
            else if (c == ';' && depth == 0)
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static int SkipLiteral(string text, int at)
    {
        var quote = text[at];
        var verbatim = at > 0 && text[at - 1] == '@';
        for (var i = at + 1; i < text.Length; i++)
        {
            if (!verbatim && text[i] == '\\')
            {
                i++;
                continue;
            }

            if (text[i] == quote)
            {
                if (verbatim && i + 1 < text.Length && text[i + 1] == quote)
                {
                    i++;
                    continue;
                }

                return i;
            }

            if (text[i] == '\n' && !verbatim)
            {
                return i;
            }
        }

        return text.Length;
    }

    /// <summary>Blocks that declare something the chosen block uses but does not declare itself.</summary>
    private static List<FencedBlock> HelperBlocks(FencedBlock chosen, List<FencedBlock> others)
    {
        if (others.Count == 0)
        {
            return [];
        }

        if (ParseWithinLimits(chosen.Text) is not { } root)
        {
            return [];
        }

        var declared = DeclaredNames(root);
        var used = root.DescendantNodes().OfType<SimpleNameSyntax>().Select(n => n.Identifier.Text).ToHashSet(StringComparer.Ordinal);
        used.ExceptWith(declared);
        var helpers = new List<FencedBlock>();
        foreach (var block in others)
        {
            if (ParseWithinLimits(block.Text) is { } blockRoot && DeclaredNames(blockRoot).Overlaps(used))
            {
                helpers.Add(block);
            }
        }

        return helpers;
    }

    private static HashSet<string> DeclaredNames(CompilationUnitSyntax root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case MethodDeclarationSyntax method:
                    names.Add(method.Identifier.Text);
                    break;
                case LocalFunctionStatementSyntax local:
                    names.Add(local.Identifier.Text);
                    break;
                case VariableDeclaratorSyntax variable when variable.Parent?.Parent is FieldDeclarationSyntax
                    || variable.Parent?.Parent is LocalDeclarationStatementSyntax { Parent: GlobalStatementSyntax }:
                    names.Add(variable.Identifier.Text);
                    break;
                case PropertyDeclarationSyntax property:
                    names.Add(property.Identifier.Text);
                    break;
                case BaseTypeDeclarationSyntax type:
                    names.Add(type.Identifier.Text);
                    break;
            }
        }

        return names;
    }

    /// <summary>Drops what is not part of a program: top-level statements (usage examples) and Main methods.</summary>
    private static string Clean(string code, List<string> notes)
    {
        if (ParseWithinLimits(code) is not { } root)
        {
            // Left as it is: the compiler process rejects it with the reason, and Roslyn never reads it here.
            return code.Trim('\n', '\r') + "\n";
        }

        var drop = new List<SyntaxNode>();
        foreach (var member in root.Members)
        {
            if (member is GlobalStatementSyntax { Statement: not LocalFunctionStatementSyntax and not LocalDeclarationStatementSyntax } statement
                && !statement.ContainsDiagnostics)
            {
                drop.Add(member);
            }
        }

        drop.AddRange(root.DescendantNodes().OfType<MethodDeclarationSyntax>().Where(m => m.Identifier.Text == "Main"));
        drop.AddRange(root.DescendantNodes().OfType<LocalFunctionStatementSyntax>()
            .Where(f => f.Identifier.Text == "Main" && f.Parent is GlobalStatementSyntax).Select(f => f.Parent!));
        if (drop.Count == 0)
        {
            return code.Trim('\n', '\r') + "\n";
        }

        notes.Add($"removed {drop.Count} statement(s) or Main method(s) that only exercise the function");
        var text = new StringBuilder(code);
        foreach (var node in drop.Distinct().OrderByDescending(n => n.FullSpan.Start))
        {
            var span = node.Span;
            text.Remove(span.Start, span.Length);
        }

        return Regex.Replace(text.ToString(), @"\n{3,}", "\n\n").Trim('\n', '\r') + "\n";
    }

    /// <summary>
    /// Parses a reply's code in this process only when it is within the sandbox's source limits: the reply is untrusted,
    /// and 200,000 nested parentheses overflow the parser's stack (the compiler process, not this one, sees such code).
    /// </summary>
    private static CompilationUnitSyntax? ParseWithinLimits(string code) =>
        SourceLimits.Default.Check(code) is null ? CSharpSyntaxTree.ParseText(code, ParseOptions).GetCompilationUnitRoot() : null;

    private static bool DeclaresLabel(string code) => LabelDeclarationPattern().IsMatch(code);

    private static string? LanguageOf(FencedBlock block)
    {
        var tag = block.Tag;
        if (CSharpTags.Contains(tag))
        {
            return "C#";
        }

        if (!NeutralTags.Contains(tag))
        {
            return tag.ToLowerInvariant() switch
            {
                "py" or "python" or "python3" => "Python",
                "js" or "javascript" or "node" => "JavaScript",
                "ts" or "typescript" => "TypeScript",
                "java" => "Java",
                "c++" or "cpp" => "C++",
                "c" => "C",
                "go" or "golang" => "Go",
                "rust" or "rs" => "Rust",
                "rb" or "ruby" => "Ruby",
                "kotlin" or "kt" => "Kotlin",
                "php" => "PHP",
                "vb" or "vbnet" or "vb.net" => "Visual Basic",
                "fsharp" or "f#" or "fs" => "F#",
                _ => null, // Output, JSON, shell...: not a program at all.
            };
        }

        var code = block.Text;
        if (DeclaresLabel(code) || CSharpStatementPattern.IsMatch(code))
        {
            return LabelFunctionPattern().Match(code) is { Success: true } m && !DeclaresLabel(code) ? GuessLanguage(m.Value) : "C#";
        }

        return LabelFunctionPattern().Match(code) is { Success: true } other ? GuessLanguage(other.Value) : null;
    }

    private static string GuessLanguage(string declaration) =>
        declaration.StartsWith("def", StringComparison.Ordinal) ? "Python"
        : declaration.StartsWith("function", StringComparison.Ordinal) || declaration.Contains("=>", StringComparison.Ordinal) ? "JavaScript"
        : declaration.Contains("String", StringComparison.Ordinal) ? "Java"
        : "not C#";

    /// <summary>
    /// A line that looks like a C# declaration or statement. Non-backtracking: on a reply line of 40,000 "int " the
    /// backtracking form took 72 s (red-team finding), and replies are untrusted text.
    /// </summary>
    private static readonly Regex CSharpStatementPattern =
        new(@"\b(static|public|private|var|string|bool|int)\b[^\n]*[;{]", RegexOptions.NonBacktracking, TimeSpan.FromSeconds(2));

    [GeneratedRegex(@"\bint\s+Label\s*\(")]
    private static partial Regex LabelDeclarationPattern();

    [GeneratedRegex(@"(def\s+label\w*\s*\(|function\s+label\w*\s*\(|(const|let|var)\s+label\w*\s*=|\bint\s+label\w*\s*\(\s*String\b|fn\s+label\w*\s*\()", RegexOptions.IgnoreCase)]
    private static partial Regex LabelFunctionPattern();
}
