using System.Globalization;

namespace Alchemist.Programs.Compilation;

/// <summary>
/// Limits on a program's source, checked before Roslyn sees it, and on the compiler process that then compiles it.
/// Roslyn and the sandbox's own passes recurse over the syntax tree: 200,000 nested parentheses or a generic type nested
/// 5,000 deep overflow the stack of whatever process compiles them, and a 50 MB source takes gigabytes. The checks here
/// are a linear scan with no recursion, so they are safe on any input; the compiler then runs in a child process with a
/// memory cap and a deadline (<see cref="IsolatedProgramCompiler"/>). Set in alchemist.yaml under <c>isolation:</c>.
/// </summary>
public sealed record SourceLimits
{
    /// <summary>1 MiB: the offline synthesizer's largest programs are about 35 KB, LLM programs a few KB.</summary>
    public const long DefaultMaxBytes = 1L << 20;

    /// <summary>The limits when the spec sets none.</summary>
    public static SourceLimits Default { get; } = new();

    /// <summary>Largest source in bytes (UTF-8); a larger program file is not even read.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>
    /// Deepest nesting of brackets, braces, interpolation holes and generic angle brackets; real programs stay under 20.
    /// </summary>
    public int MaxNesting { get; init; } = 200;

    /// <summary>Deepest syntax tree after parsing (a chain of 2,000 '+' is 2,000 deep), checked without recursion.</summary>
    public int MaxSyntaxDepth { get; init; } = 2000;

    /// <summary>Wall-clock time the compiler process may spend on one program.</summary>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Managed heap limit of the compiler process.</summary>
    public long CompilerMemoryBytes { get; init; } = 1L << 30;

    /// <summary>Null when <paramref name="source"/> is within the limits, otherwise the first reason, with its line.</summary>
    public ProgramDiagnostic? Check(string source)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(source);
        if (bytes > MaxBytes)
        {
            return new ProgramDiagnostic(DiagnosticStage.Limits, 0, 0, string.Create(CultureInfo.InvariantCulture,
                $"the program has {bytes:N0} bytes, more than the {MaxBytes:N0} the sandbox compiles (isolation.max_source_kib); a labeling program needs a few KB"));
        }

        return NestingScanner.FirstTooDeep(source, MaxNesting) is { } deep
            ? new ProgramDiagnostic(DiagnosticStage.Limits, deep.Line, deep.Column, string.Create(CultureInfo.InvariantCulture,
                $"brackets, braces or generic arguments are nested more than {MaxNesting} deep here (isolation.max_nesting); flatten the expression into local variables or helper methods"))
            : null;
    }

    internal string Fingerprint() => string.Create(CultureInfo.InvariantCulture, $"bytes={MaxBytes};nesting={MaxNesting};depth={MaxSyntaxDepth}");
}

/// <summary>
/// Measures nesting in C# source the way a lexer would see it, in one pass with an explicit stack: comments, character
/// literals and the contents of every kind of string (regular, verbatim, raw, interpolated) are skipped, except the code
/// in interpolation holes, which counts as one more level. Generic angle brackets count too; since '&lt;' may be a
/// comparison, their count starts again at every ';', '{', '}', '=', '?', ':', '&amp;&amp;' and '||'.
/// </summary>
internal static class NestingScanner
{
    public static (int Line, int Column)? FirstTooDeep(string text, int maxNesting)
    {
        var scanner = new State(text);
        return scanner.Run(maxNesting);
    }

    private sealed class State(string text)
    {
        private readonly Stack<Hole> _holes = new();
        private int _position;
        private int _line = 1;
        private int _lineStart;
        private int _depth;
        private int _braces;
        private int _angles;

        public (int Line, int Column)? Run(int maxNesting)
        {
            while (_position < text.Length)
            {
                var c = text[_position];
                switch (c)
                {
                    case '\n':
                        NewLine(_position);
                        _position++;
                        break;
                    case '/' when Next(1) == '/':
                        while (_position < text.Length && text[_position] != '\n')
                        {
                            _position++;
                        }

                        break;
                    case '/' when Next(1) == '*':
                        _position += 2;
                        while (_position < text.Length && !(text[_position] == '*' && Next(1) == '/'))
                        {
                            if (text[_position] == '\n')
                            {
                                NewLine(_position);
                            }

                            _position++;
                        }

                        _position += 2;
                        break;
                    case '\'':
                        SkipCharLiteral();
                        break;
                    case '"' or '@' or '$' when TryStringStart(out var kind):
                        if (ScanString(kind) && ++_depth > maxNesting)
                        {
                            return Here();
                        }

                        break;
                    case '(' or '[' or '{':
                        if (c == '{')
                        {
                            _braces++;
                            _angles = 0;
                        }

                        _position++;
                        if (++_depth + _angles > maxNesting)
                        {
                            return Here();
                        }

                        break;
                    case '}' when _holes.Count > 0 && _holes.Peek().Braces == _braces:
                        var hole = _holes.Pop();
                        _position += hole.Kind.Dollars > 1 ? hole.Kind.Dollars : 1;
                        _depth--;
                        _angles = 0;
                        if (ScanString(hole.Kind) && ++_depth > maxNesting)
                        {
                            return Here();
                        }

                        break;
                    case ')' or ']' or '}':
                        if (c == '}')
                        {
                            _braces--;
                            _angles = 0;
                        }

                        _depth = Math.Max(0, _depth - 1);
                        _position++;
                        break;
                    case '<':
                        _position++;
                        if (++_angles + _depth > maxNesting)
                        {
                            return Here();
                        }

                        break;
                    case '>':
                        _angles = Math.Max(0, _angles - 1);
                        _position++;
                        break;
                    case ';' or '=' or '?' or ':':
                        _angles = 0;
                        _position++;
                        break;
                    case '&' or '|' when Next(1) == c:
                        _angles = 0;
                        _position += 2;
                        break;
                    default:
                        _position++;
                        break;
                }
            }

            return null;
        }

        private (int Line, int Column) Here() => (_line, Math.Max(1, _position - _lineStart));

        private char Next(int offset) => _position + offset < text.Length ? text[_position + offset] : '\0';

        private void NewLine(int at)
        {
            _line++;
            _lineStart = at + 1;
        }

        private void SkipCharLiteral()
        {
            _position++;
            while (_position < text.Length && text[_position] != '\'' && text[_position] != '\n')
            {
                _position += text[_position] == '\\' ? 2 : 1;
            }

            _position++;
        }

        /// <summary>At '"', '@' or '$': reads a string's prefix and opening quotes, if a string starts here.</summary>
        private bool TryStringStart(out StringKind kind)
        {
            var i = _position;
            var dollars = 0;
            var verbatim = false;
            while (i < text.Length && (text[i] == '$' || text[i] == '@'))
            {
                if (text[i] == '$')
                {
                    dollars++;
                }
                else
                {
                    verbatim = true;
                }

                i++;
            }

            var quotes = 0;
            while (i + quotes < text.Length && text[i + quotes] == '"')
            {
                quotes++;
            }

            kind = default;
            if (quotes == 0 || (verbatim && dollars > 1))
            {
                return false;
            }

            // Two quotes alone are an empty string; three or more open a raw string.
            var raw = quotes >= 3 && !verbatim;
            kind = new StringKind(dollars, verbatim, raw ? quotes : 1);
            _position = i + (raw ? quotes : 1);
            return true;
        }

        /// <summary>
        /// Scans a string's contents from <see cref="_position"/>: returns false at its end (position after the closing
        /// quotes) or true at an interpolation hole (position after the braces that open it, the hole pushed).
        /// </summary>
        private bool ScanString(StringKind kind)
        {
            var holeBraces = Math.Max(1, kind.Dollars);
            while (_position < text.Length)
            {
                var c = text[_position];
                if (c == '\n')
                {
                    NewLine(_position);
                    _position++;
                    if (!kind.Verbatim && kind.Quotes == 1)
                    {
                        return false; // a regular string cannot span lines; the compiler will say so
                    }

                    continue;
                }

                if (c == '\\' && !kind.Verbatim && kind.Quotes == 1)
                {
                    _position += 2;
                    continue;
                }

                if (c == '"')
                {
                    if (kind.Verbatim && Next(1) == '"')
                    {
                        _position += 2;
                        continue;
                    }

                    var run = Run('"');
                    if (run >= kind.Quotes)
                    {
                        _position += kind.Quotes;
                        return false;
                    }

                    _position += run;
                    continue;
                }

                if (c == '{' && kind.Dollars > 0)
                {
                    var run = Run('{');
                    if (kind.Dollars == 1 && run >= 2)
                    {
                        _position += 2; // "{{" is a brace in the text
                        continue;
                    }

                    if (run >= holeBraces)
                    {
                        _position += run;
                        _holes.Push(new Hole(kind, _braces));
                        _angles = 0;
                        return true;
                    }

                    _position += run;
                    continue;
                }

                _position++;
            }

            return false;
        }

        private int Run(char c)
        {
            var count = 0;
            while (_position + count < text.Length && text[_position + count] == c)
            {
                count++;
            }

            return count;
        }
    }

    private readonly record struct StringKind(int Dollars, bool Verbatim, int Quotes);

    private readonly record struct Hole(StringKind Kind, int Braces);
}
