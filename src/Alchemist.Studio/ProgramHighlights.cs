using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Alchemist.Studio;

/// <summary>
/// What text a program looks for, read from its source, so that the studio can mark that text in the rows the program fired
/// on: the words of its <c>case</c> labels, switch arms, comparisons and string collections (keywords), the arguments of its
/// <c>Contains</c>, <c>StartsWith</c>, <c>EndsWith</c> and <c>IndexOf</c> calls (substrings), and the patterns it gives
/// <see cref="Regex"/> (regexes). Only literals are read, with string constants and concatenations of them folded; nothing of
/// the program is compiled or run, so a program that builds its patterns at run time simply gets fewer marks.
/// </summary>
public sealed partial class ProgramHighlights
{
    /// <summary>At most this many keywords, substrings and patterns are kept from one program (the rest are not looked for).</summary>
    public const int MaxPatterns = 500;

    /// <summary>At most this many spans are returned for one text: a page cannot usefully show more marks on one row.</summary>
    public const int MaxSpans = 50;

    /// <summary>How long one regex may take on one text before it is given up (it then marks nothing in that text).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long <see cref="Find"/> keeps going on one text in all: without it, many slow patterns could each take up to
    /// <see cref="MatchTimeout"/> and hold a page's request for many seconds.
    /// </summary>
    public static readonly TimeSpan FindBudget = TimeSpan.FromSeconds(1);

    // A text no pattern that looks for something should match: a pattern that does (a tokenizer such as [\p{L}\p{N}]+, a
    // normalizer such as \s+, a sentence splitter such as [.!?]+) would mark every word or sentence of every row, which
    // tells a person nothing.
    private const string Probe = "qzx vbk, jwp.";

    // Deep enough for any real concatenation of constants; a deeper one (a hostile file) is simply not folded, and the
    // recursion can never exhaust the stack.
    private const int MaxFoldDepth = 64;

    private static readonly string[] SubstringMethods = ["Contains", "StartsWith", "EndsWith", "IndexOf", "LastIndexOf"];
    private static readonly string[] RegexMethods = ["IsMatch", "Match", "Matches", "Replace", "Split", "Count", "EnumerateMatches"];

    private readonly List<Term> _terms;
    private readonly List<Regex> _regexes;

    private ProgramHighlights(List<Term> terms, List<Regex> regexes)
    {
        _terms = terms;
        _regexes = regexes;
    }

    /// <summary>The keywords looked for, as whole words where they begin or end with a letter or digit, in any case.</summary>
    public IReadOnlyList<string> Keywords => [.. _terms.Where(t => t.Keyword).Select(t => t.Text)];

    /// <summary>The substrings looked for anywhere in a word, in any case.</summary>
    public IReadOnlyList<string> Substrings => [.. _terms.Where(t => !t.Keyword).Select(t => t.Text)];

    /// <summary>The regex patterns looked for, as written in the program (each compiled in .NET and not a tokenizer).</summary>
    public IReadOnlyList<string> Patterns => [.. _regexes.Select(r => r.ToString())];

    /// <summary>Reads what a program looks for from its source (header included or not); a source that does not parse gives what its parsed parts give.</summary>
    public static ProgramHighlights Of(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(kind: SourceCodeKind.Script)).GetRoot();
        var reader = new Reader(root);
        reader.Read();
        return new ProgramHighlights(reader.Terms, reader.Regexes);
    }

    /// <summary>
    /// The spans of <paramref name="text"/> that any keyword, substring or pattern matches, sorted by start, overlapping
    /// spans merged into one, at most <see cref="MaxSpans"/>. A pattern that runs past <see cref="MatchTimeout"/> marks
    /// nothing.
    /// </summary>
    public IReadOnlyList<(int Start, int Length)> Find(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var clock = Stopwatch.StartNew();
        var spans = new List<(int Start, int Length)>();
        foreach (var term in _terms)
        {
            var found = 0;
            for (var i = text.IndexOf(term.Text, StringComparison.OrdinalIgnoreCase); i >= 0 && found < MaxSpans;
                 i = i + 1 < text.Length ? text.IndexOf(term.Text, i + 1, StringComparison.OrdinalIgnoreCase) : -1)
            {
                // OrdinalIgnoreCase compares char by char, so the match has the term's length in the text too.
                if ((!term.WordBefore || i == 0 || !IsWordChar(text[i - 1]))
                    && (!term.WordAfter || i + term.Text.Length == text.Length || !IsWordChar(text[i + term.Text.Length])))
                {
                    spans.Add((i, term.Text.Length));
                    found++;
                }
            }
        }

        foreach (var regex in _regexes)
        {
            if (clock.Elapsed > FindBudget)
            {
                break;
            }

            var found = new List<(int Start, int Length)>();
            try
            {
                for (var match = regex.Match(text); match.Success && found.Count < MaxSpans; match = match.NextMatch())
                {
                    if (match.Length > 0)
                    {
                        found.Add((match.Index, match.Length));
                    }
                }
            }
            catch (RegexMatchTimeoutException)
            {
                continue; // a pattern that backtracks without end marks nothing rather than part of what it would
            }

            spans.AddRange(found);
        }

        return Merge(spans);
    }

    /// <summary>Sorts spans and merges those that overlap; keeps the first <see cref="MaxSpans"/>.</summary>
    private static List<(int Start, int Length)> Merge(List<(int Start, int Length)> spans)
    {
        spans.Sort();
        var merged = new List<(int Start, int Length)>();
        foreach (var (start, length) in spans)
        {
            if (merged.Count > 0 && start < merged[^1].Start + merged[^1].Length)
            {
                var last = merged[^1];
                merged[^1] = (last.Start, Math.Max(last.Start + last.Length, start + length) - last.Start);
            }
            else if (merged.Count == MaxSpans)
            {
                break;
            }
            else
            {
                merged.Add((start, length));
            }
        }

        return merged;
    }

    // Letters and digits make words, as the programs' own tokenizers ([\p{L}\p{N}]+) split them.
    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c);

    /// <summary>A keyword or substring: its text (trimmed), and whether a word must not continue before and after it.</summary>
    private sealed record Term(string Text, bool Keyword, bool WordBefore, bool WordAfter);

    // Regex escapes and constructs that plain words never contain: a constant or a collection element with one is a pattern.
    [GeneratedRegex(@"\\[bBdDsSwWpP]|\(\?|\w\|\w|\[\^|\\\.", RegexOptions.CultureInvariant)]
    private static partial Regex RegexLike();

    /// <summary>One pass over a syntax tree, collecting terms and patterns.</summary>
    private sealed class Reader(SyntaxNode root)
    {
        private readonly Dictionary<string, List<ExpressionSyntax>> _declared = new(StringComparer.Ordinal);
        private readonly HashSet<string> _assigned = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string?> _constants = new(StringComparer.Ordinal);
        private readonly HashSet<string> _folding = new(StringComparer.Ordinal);
        private readonly HashSet<(string, bool)> _seenTerms = [];
        private readonly HashSet<(string, RegexOptions)> _seenPatterns = [];
        private readonly Dictionary<string, (int Parameter, SeparatedSyntaxList<ArgumentSyntax> Separators)> _splitters = new(StringComparer.Ordinal);
        private bool _lowercases;

        public List<Term> Terms { get; } = [];

        public List<Regex> Regexes { get; } = [];

        private bool Full => Terms.Count + Regexes.Count >= MaxPatterns;

        public void Read()
        {
            var nodes = root.DescendantNodes().ToList();
            CollectVariables(nodes);
            CollectSplitters(nodes);
            // Most programs lower-case the text before they match, so a pattern written in lower case matches any case.
            _lowercases = nodes.OfType<InvocationExpressionSyntax>().Any(i => NameOf(i.Expression) is "ToLower" or "ToLowerInvariant");
            foreach (var node in nodes)
            {
                if (Full)
                {
                    break;
                }

                switch (node)
                {
                    case CaseSwitchLabelSyntax label:
                        AddKeyword(label.Value);
                        break;
                    case ConstantPatternSyntax pattern: // switch arms, `case "x" when`, `is "a" or "b"`
                        AddKeyword(pattern.Expression);
                        break;
                    case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.EqualsExpression) || binary.IsKind(SyntaxKind.NotEqualsExpression):
                        AddKeyword(binary.Left);
                        AddKeyword(binary.Right);
                        break;
                    case InvocationExpressionSyntax invocation:
                        ReadInvocation(invocation);
                        break;
                    case BaseObjectCreationExpressionSyntax creation when IsRegexCreation(creation) && creation.ArgumentList is { } arguments:
                        AddRegex(PatternArgument(arguments.Arguments, 0), arguments.Arguments);
                        break;
                    case AttributeSyntax attribute when LastName(attribute.Name) is "GeneratedRegex" or "GeneratedRegexAttribute"
                                                        && attribute.ArgumentList is { Arguments.Count: > 0 } list:
                        AddRegex(list.Arguments[0].Expression, list.Arguments.Skip(1).Select(a => a.Expression));
                        break;
                    case InitializerExpressionSyntax initializer:
                        ReadInitializer(initializer);
                        break;
                    case CollectionExpressionSyntax collection:
                        foreach (var element in collection.Elements.OfType<ExpressionElementSyntax>())
                        {
                            AddElement(element.Expression);
                        }

                        break;
                    case VariableDeclaratorSyntax { Initializer: { } init } declarator
                        when declarator.Parent?.Parent is LocalDeclarationStatementSyntax { IsConst: true } or FieldDeclarationSyntax:
                        // A named pattern (const string Up = @"\b(?:rose|grew)\b") is a pattern even where it is only
                        // combined into others at run time.
                        if (Fold(init.Value) is { } value && RegexLike().IsMatch(value))
                        {
                            AddPattern(value, RegexOptions.None);
                        }

                        break;
                }
            }
        }

        private void ReadInvocation(InvocationExpressionSyntax invocation)
        {
            var name = NameOf(invocation.Expression);
            var arguments = invocation.ArgumentList.Arguments;
            if (name is null)
            {
                return;
            }

            if (invocation.Expression is MemberAccessExpressionSyntax { Expression: var owner } && LastName(owner) == "Regex"
                && RegexMethods.Contains(name))
            {
                AddRegex(PatternArgument(arguments, 1), arguments);
            }
            else if (SubstringMethods.Contains(name))
            {
                foreach (var argument in arguments)
                {
                    AddSubstring(argument.Expression);
                }
            }
            else if (name == "Equals")
            {
                foreach (var argument in arguments)
                {
                    AddKeyword(argument.Expression);
                }
            }
            else if (name == "Split" && invocation.Expression is MemberAccessExpressionSyntax { Expression: var words })
            {
                AddWords(words, arguments); // "free win cash".Split(' ')
            }
            else if (invocation.Expression is IdentifierNameSyntax && _splitters.TryGetValue(name, out var splitter)
                     && splitter.Parameter < arguments.Count)
            {
                AddWords(arguments[splitter.Parameter].Expression, splitter.Separators); // Set("free win cash")
            }
        }

        /// <summary>The words of a string the program splits into a list of words.</summary>
        private void AddWords(ExpressionSyntax words, SeparatedSyntaxList<ArgumentSyntax> separators)
        {
            if (Fold(words) is not { } text)
            {
                return;
            }

            var split = separators.Where(s => !(s.Expression is MemberAccessExpressionSyntax access && LastName(access.Expression) == "StringSplitOptions"))
                .Select(s => Fold(s.Expression)).ToList();
            if (split.Any(s => s is null))
            {
                return; // split on something only known at run time
            }

            var pieces = split.Count == 0
                ? text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                : text.Split([.. split.Where(s => s!.Length > 0).Select(s => s!)], StringSplitOptions.RemoveEmptyEntries);
            foreach (var piece in pieces)
            {
                AddTerm(piece, keyword: true);
            }
        }

        /// <summary>
        /// Local functions and methods that split one of their parameters into words (HashSet&lt;string&gt; Set(string words) =&gt;
        /// new(words.Split(' '))): a literal passed there is a list of keywords.
        /// </summary>
        private void CollectSplitters(List<SyntaxNode> nodes)
        {
            foreach (var node in nodes)
            {
                var (name, parameters) = node switch
                {
                    LocalFunctionStatementSyntax local => (local.Identifier.ValueText, local.ParameterList.Parameters),
                    MethodDeclarationSyntax method => (method.Identifier.ValueText, method.ParameterList.Parameters),
                    _ => (null, default),
                };
                if (name is null)
                {
                    continue;
                }

                foreach (var split in node.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (split.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Split", Expression: IdentifierNameSyntax target }
                        && parameters.IndexOf(p => p.Identifier.ValueText == target.Identifier.ValueText) is var index and >= 0)
                    {
                        _splitters[name] = (index, split.ArgumentList.Arguments);
                        break;
                    }
                }
            }
        }

        private void ReadInitializer(InitializerExpressionSyntax initializer)
        {
            if (initializer.IsKind(SyntaxKind.ArrayInitializerExpression) || initializer.IsKind(SyntaxKind.CollectionInitializerExpression))
            {
                foreach (var expression in initializer.Expressions)
                {
                    // { "win", 3 } adds a dictionary entry: its key is the word.
                    AddElement(expression is InitializerExpressionSyntax complex ? complex.Expressions.FirstOrDefault() : expression);
                }
            }
            else if (initializer.IsKind(SyntaxKind.ObjectInitializerExpression))
            {
                foreach (var expression in initializer.Expressions)
                {
                    if (expression is AssignmentExpressionSyntax { Left: ImplicitElementAccessSyntax { ArgumentList.Arguments: [var key, ..] } })
                    {
                        AddElement(key.Expression); // ["win"] = 3
                    }
                }
            }
        }

        /// <summary>A collection's element: a word, or a pattern when it reads as one; in a tuple, each of its parts.</summary>
        private void AddElement(ExpressionSyntax? expression)
        {
            if (expression is TupleExpressionSyntax tuple)
            {
                foreach (var argument in tuple.Arguments)
                {
                    AddElement(argument.Expression);
                }
            }
            else if (expression is not null && Fold(expression) is { } value)
            {
                if (RegexLike().IsMatch(value))
                {
                    AddPattern(value, RegexOptions.None);
                }
                else
                {
                    AddTerm(value, keyword: true);
                }
            }
        }

        private void AddKeyword(ExpressionSyntax expression)
        {
            if (Fold(expression) is { } value)
            {
                AddTerm(value, keyword: true);
            }
        }

        private void AddSubstring(ExpressionSyntax expression)
        {
            if (Fold(expression) is { } value)
            {
                AddTerm(value, keyword: false);
            }
        }

        private void AddTerm(string value, bool keyword)
        {
            var text = value.Trim();
            if (text.Length < 2 || Full || !_seenTerms.Add((text.ToUpperInvariant(), keyword)))
            {
                return;
            }

            // A keyword is a whole word where it starts or ends with a letter or digit. A substring is found inside words,
            // except at an edge where the program padded it with a space (Contains(" free ") wants the word).
            var before = IsWordChar(text[0]) && (keyword || value[0] != text[0]);
            var after = IsWordChar(text[^1]) && (keyword || value[^1] != text[^1]);
            Terms.Add(new Term(text, keyword, before, after));
        }

        private void AddRegex(ExpressionSyntax? pattern, IEnumerable<ArgumentSyntax> arguments) =>
            AddRegex(pattern, arguments.Select(a => a.Expression));

        private void AddRegex(ExpressionSyntax? pattern, IEnumerable<ExpressionSyntax> arguments)
        {
            if (pattern is null || Fold(pattern) is not { } value)
            {
                return;
            }

            // RegexOptions.X named anywhere in the other arguments (IgnoreCase | Compiled, options: ...).
            var options = RegexOptions.None;
            foreach (var access in arguments.Where(a => a != pattern).SelectMany(a => a.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>()))
            {
                if (LastName(access.Expression) == "RegexOptions" && Enum.TryParse<RegexOptions>(access.Name.Identifier.ValueText, out var option))
                {
                    options |= option;
                }
            }

            AddPattern(value, options);
        }

        private void AddPattern(string pattern, RegexOptions options)
        {
            // Only the options that change what matches; Compiled and the like would only cost the studio time.
            options &= RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.IgnorePatternWhitespace
                       | RegexOptions.ExplicitCapture;
            if (_lowercases && !HasUpperCaseLiteral(pattern))
            {
                options |= RegexOptions.IgnoreCase;
            }

            // \b or ^ alone (a constant that is only a piece of the patterns built from it) matches no text.
            if (pattern.Replace(@"\b", "", StringComparison.Ordinal).Trim('^', '$').Length < 2 || Full || !_seenPatterns.Add((pattern, options)))
            {
                return;
            }

            Regex regex;
            try
            {
                regex = new Regex(pattern, options | RegexOptions.CultureInvariant, MatchTimeout);
                for (var match = regex.Match(Probe); match.Success; match = match.NextMatch())
                {
                    if (match.Length > 0)
                    {
                        return; // a tokenizer or a normalizer, not something looked for
                    }
                }
            }
            catch (ArgumentException)
            {
                return; // written for another engine, or not a pattern at all
            }
            catch (RegexMatchTimeoutException)
            {
                return; // slow on a few characters: it would be slower still on a row
            }

            Regexes.Add(regex);
        }

        /// <summary>
        /// Whether a pattern names an upper-case letter itself ([A-Z], "USD"), outside escapes such as \S and \p{Lu} and
        /// outside group names: such a pattern was written for the text as it is, not lower-cased, so its case matters.
        /// </summary>
        private static bool HasUpperCaseLiteral(string pattern)
        {
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c == '\\' && i + 1 < pattern.Length)
                {
                    i++;
                    if (pattern[i] is 'p' or 'P' && i + 1 < pattern.Length && pattern[i + 1] == '{')
                    {
                        i = SkipPast(pattern, i + 1, '}');
                    }
                }
                else if (c == '(' && i + 3 < pattern.Length && pattern[i + 1] == '?'
                         && (pattern[i + 2] == '\'' || pattern[i + 2] == '<' && char.IsLetter(pattern[i + 3])))
                {
                    i = SkipPast(pattern, i + 3, pattern[i + 2] == '<' ? '>' : '\'');
                }
                else if (char.IsUpper(c))
                {
                    return true;
                }
            }

            return false;
        }

        private static int SkipPast(string text, int from, char end)
        {
            var at = text.IndexOf(end, from);
            return at < 0 ? text.Length : at;
        }

        /// <summary>The value of a string expression made only of literals and constants, else null.</summary>
        private string? Fold(ExpressionSyntax expression, int depth = 0)
        {
            if (depth > MaxFoldDepth)
            {
                return null;
            }

            switch (expression)
            {
                case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression) || literal.IsKind(SyntaxKind.CharacterLiteralExpression):
                    return literal.Token.ValueText;
                case InterpolatedStringExpressionSyntax interpolated when interpolated.Contents.All(c => c is InterpolatedStringTextSyntax):
                    return string.Concat(interpolated.Contents.Cast<InterpolatedStringTextSyntax>().Select(t => t.TextToken.ValueText));
                case ParenthesizedExpressionSyntax parenthesized:
                    return Fold(parenthesized.Expression, depth + 1);
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression):
                    return Fold(binary.Left, depth + 1) is { } left && Fold(binary.Right, depth + 1) is { } right ? left + right : null;
                case IdentifierNameSyntax identifier:
                    return Constant(identifier.Identifier.ValueText, depth);
                default:
                    return null;
            }
        }

        /// <summary>
        /// The value of a variable, constant or field declared in the file with a constant value and never assigned again
        /// (the same name declared twice must have the same value); null otherwise.
        /// </summary>
        private string? Constant(string name, int depth)
        {
            if (_constants.TryGetValue(name, out var known))
            {
                return known;
            }

            if (_assigned.Contains(name) || !_declared.TryGetValue(name, out var values) || !_folding.Add(name))
            {
                return null; // reassigned, unknown, or defined by itself
            }

            var folded = values.Select(v => Fold(v, depth + 1)).Distinct().ToList();
            _folding.Remove(name);
            var value = folded is [{ } single] ? single : null;
            _constants[name] = value;
            return value;
        }

        private void CollectVariables(List<SyntaxNode> nodes)
        {
            foreach (var node in nodes)
            {
                if (node is VariableDeclaratorSyntax { Initializer: { } initializer } declarator)
                {
                    var name = declarator.Identifier.ValueText;
                    if (!_declared.TryGetValue(name, out var list))
                    {
                        _declared[name] = list = [];
                    }

                    list.Add(initializer.Value);
                }
                else if (node is VariableDeclaratorSyntax { Initializer: null } uninitialized)
                {
                    _assigned.Add(uninitialized.Identifier.ValueText); // given its value later: not a constant
                }
                else if (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax target })
                {
                    _assigned.Add(target.Identifier.ValueText);
                }
            }
        }

        private static ExpressionSyntax? PatternArgument(SeparatedSyntaxList<ArgumentSyntax> arguments, int position)
        {
            var named = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "pattern");
            if (named is not null)
            {
                return named.Expression;
            }

            return position < arguments.Count && arguments[position].NameColon is null ? arguments[position].Expression : null;
        }

        private static bool IsRegexCreation(BaseObjectCreationExpressionSyntax creation) => creation switch
        {
            ObjectCreationExpressionSyntax explicitType => LastName(explicitType.Type) == "Regex",
            // Regex r = new(@"...") names its type on the declaration.
            ImplicitObjectCreationExpressionSyntax => creation.Parent?.Parent?.Parent is VariableDeclarationSyntax declaration && LastName(declaration.Type) == "Regex",
            _ => false,
        };

        /// <summary>The name a call calls: Contains of text.Contains(...), Label of Label(...).</summary>
        private static string? NameOf(ExpressionSyntax expression) => expression switch
        {
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            SimpleNameSyntax name => name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText, // text?.Contains(...)
            _ => null,
        };

        /// <summary>The last name of a (qualified) name: Regex of System.Text.RegularExpressions.Regex.</summary>
        private static string? LastName(SyntaxNode node) => node switch
        {
            SimpleNameSyntax name => name.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            _ => null,
        };
    }
}
