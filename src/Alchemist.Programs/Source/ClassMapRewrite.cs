using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Alchemist.Programs.Source;

/// <summary>
/// Mechanical rewrites of a program's source when the task's classes change, so that a person can still read every file
/// as the program that runs: a rename changes the class's name in the comments; a change of class indices (a class
/// removed, merged or split) keeps the program's own code as <c>LabelAsWritten</c> and adds, at the end, a generated
/// <c>Label</c> that maps its votes to the classes now. A second change composes with the first: the block is replaced, never
/// nested.
/// </summary>
public static class ClassMapRewrite
{
    /// <summary>The first line of the generated block.</summary>
    public const string BeginMarker = "// <class-map>";

    /// <summary>The last line of the generated block.</summary>
    public const string EndMarker = "// </class-map>";

    /// <summary>What the program's own Label method is called once a class map wraps it.</summary>
    public const string InnerName = "LabelAsWritten";

    private const string MapLinePrefix = "// map:";

    private static readonly CSharpParseOptions ScriptOptions = new(kind: SourceCodeKind.Script);

    /// <summary>
    /// The source with every vote v it gives replaced by <paramref name="map"/>[v] (-1: abstain), keeping a map an earlier
    /// change added (the two composed). <paramref name="map"/> indexes the classes the program votes today.
    /// </summary>
    /// <param name="source">The program's source (without its header).</param>
    /// <param name="map">For each class the program votes today, the class that vote counts for now, or -1.</param>
    /// <param name="signature">The task's signature after the change (the generated Label has its shape).</param>
    /// <param name="why">One line that says what changed, for the block's comment.</param>
    public static string MapVotes(string source, IReadOnlyList<int> map, ProgramSignature signature, string why)
    {
        var (body, earlier) = WithoutBlock(source);
        int[] composed;
        if (earlier is null)
        {
            body = RenameLabel(body);
            composed = [.. map];
        }
        else
        {
            composed = [.. earlier.Select(e => e >= 0 && e < map.Count ? map[e] : -1)];
        }

        var parameter = signature.IsSingleText ? signature.Fields[0].Name : "row";
        var block = new StringBuilder();
        block.Append('\n').Append(BeginMarker).Append('\n');
        block.Append("// The classes changed after this program was written (").Append(why).Append(").\n");
        block.Append("// Its own votes, by the class index it was written for, count now as: ");
        block.Append(string.Join(", ", composed.Select((to, from) => $"{from} -> {(to >= 0 ? $"{to} ({signature.ClassNames[to]})" : "abstain")}"))).Append(".\n");
        block.Append(MapLinePrefix).Append(' ').Append(string.Join(' ', composed.Select((to, from) => string.Create(CultureInfo.InvariantCulture, $"{from}={to}")))).Append('\n');
        block.Append(signature.LabelMethodSignature).Append(" => ").Append(InnerName).Append('(').Append(parameter).Append(") switch\n{\n");
        for (var from = 0; from < composed.Length; from++)
        {
            if (composed[from] >= 0)
            {
                block.Append(CultureInfo.InvariantCulture, $"    {from} => {composed[from]},\n");
            }
        }

        block.Append("    _ => -1,\n};\n").Append(EndMarker).Append('\n');
        return body.TrimEnd() + "\n" + block;
    }

    /// <summary>
    /// The source with <paramref name="oldName"/> replaced by <paramref name="newName"/> as a whole word in its comments,
    /// where programs name the classes they vote ("Votes SPAM (class 1)"); code and strings are left as they are.
    /// </summary>
    public static string RenameInComments(string source, string oldName, string newName)
    {
        var root = CSharpSyntaxTree.ParseText(source, ScriptOptions).GetRoot();
        var pattern = new Regex($@"(?<![\p{{L}}\p{{N}}_]){Regex.Escape(oldName)}(?![\p{{L}}\p{{N}}_])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var edits = root.DescendantTrivia(descendIntoTrivia: true)
            .Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia))
            .Select(t => (t.Span, Text: pattern.Replace(t.ToFullString(), newName.Replace("$", "$$", StringComparison.Ordinal))))
            .Where(e => e.Text != source.Substring(e.Span.Start, e.Span.Length))
            .ToList();
        return Replace(source, edits);
    }

    /// <summary>The map an earlier change wrote into <paramref name="source"/>, or null when it has none.</summary>
    public static IReadOnlyList<int>? ExistingMap(string source) => WithoutBlock(source).Earlier;

    private static (string Body, int[]? Earlier) WithoutBlock(string source)
    {
        var begin = source.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = begin < 0 ? -1 : source.IndexOf(EndMarker, begin, StringComparison.Ordinal);
        if (begin < 0 || end < 0)
        {
            return (source, null);
        }

        var block = source[begin..end];
        var mapLine = block.Split('\n').FirstOrDefault(l => l.StartsWith(MapLinePrefix, StringComparison.Ordinal));
        if (mapLine is null)
        {
            return (source, null);
        }

        var pairs = mapLine[MapLinePrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('='))
            .Select(p => (From: int.Parse(p[0], CultureInfo.InvariantCulture), To: int.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();
        var earlier = new int[pairs.Count == 0 ? 0 : pairs.Max(p => p.From) + 1];
        Array.Fill(earlier, -1);
        foreach (var (from, to) in pairs)
        {
            earlier[from] = to;
        }

        return (source[..begin] + source[(end + EndMarker.Length)..].TrimStart('\n'), earlier);
    }

    /// <summary>Every declaration of a method named Label, and every call to one, renamed to <see cref="InnerName"/>.</summary>
    private static string RenameLabel(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, ScriptOptions).GetRoot();
        var spans = new List<(TextSpan Span, string Text)>();
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case MethodDeclarationSyntax method when method.Identifier.ValueText == "Label":
                    spans.Add((method.Identifier.Span, InnerName));
                    break;
                case LocalFunctionStatementSyntax local when local.Identifier.ValueText == "Label":
                    spans.Add((local.Identifier.Span, InnerName));
                    break;
                case InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Label" } name }:
                    spans.Add((name.Identifier.Span, InnerName));
                    break;
            }
        }

        return Replace(source, spans);
    }

    private static string Replace(string source, IEnumerable<(TextSpan Span, string Text)> edits)
    {
        var builder = new StringBuilder(source);
        foreach (var (span, text) in edits.OrderByDescending(e => e.Span.Start))
        {
            builder.Remove(span.Start, span.Length).Insert(span.Start, text);
        }

        return builder.ToString();
    }
}
