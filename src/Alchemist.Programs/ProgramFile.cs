using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Programs;

/// <summary>Who wrote a program.</summary>
public enum ProgramAuthorKind
{
    /// <summary>Written by a language model; <see cref="ProgramProvenance.Provider"/> and <see cref="ProgramProvenance.Model"/> say which.</summary>
    Llm,

    /// <summary>Written by Alchemist's offline synthesizer (no LLM).</summary>
    Synthesizer,

    /// <summary>Written or last edited by a person.</summary>
    Person,
}

/// <summary>Who wrote a program, from which prompt, at what cost, and when.</summary>
public sealed record ProgramProvenance
{
    /// <summary>Who wrote the program: an LLM, the offline synthesizer or a person.</summary>
    public required ProgramAuthorKind Kind { get; init; }

    /// <summary>LLM provider ("anthropic", "openai", ...); null for other authors.</summary>
    public string? Provider { get; init; }

    /// <summary>LLM model id; null for other authors.</summary>
    public string? Model { get; init; }

    /// <summary>A person's name, or the synthesizer's strategy; optional.</summary>
    public string? AuthorName { get; init; }

    /// <summary>SHA-256 (hex) of the prompt that produced the program.</summary>
    public string? PromptHash { get; init; }

    /// <summary>Prompt tokens of the LLM calls that produced the program, repairs included; null for other authors.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>Reply tokens of those calls; null for other authors.</summary>
    public int? CompletionTokens { get; init; }

    /// <summary>What those calls cost, in US dollars; null for other authors.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>When the program was written.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>Written or last edited by a person (<c>author: person NAME</c>), at <paramref name="created"/>.</summary>
    public static ProgramProvenance ByPerson(string? name, DateTimeOffset created) =>
        new() { Kind = ProgramAuthorKind.Person, AuthorName = name, Created = created };

    /// <summary>
    /// The author as the header's <c>author:</c> line and reports give it: "llm PROVIDER/MODEL", "offline-synthesizer
    /// [strategy]" or "person [name]".
    /// </summary>
    public string DescribeAuthor() => Kind switch
    {
        ProgramAuthorKind.Llm => $"llm {Provider ?? "unknown"}/{Model ?? "unknown"}",
        ProgramAuthorKind.Synthesizer => AuthorName is null ? "offline-synthesizer" : $"offline-synthesizer {AuthorName}",
        _ => AuthorName is null ? "person" : $"person {AuthorName}",
    };
}

/// <summary>
/// One labeling program as stored in a project's <c>programs/</c> folder: a provenance header in <c>//</c> comments, then
/// the C# source. Because the header is made of comments, the whole file compiles as is and compiler line numbers are file
/// line numbers.
/// </summary>
/// <example>
/// // alchemist-program: spam_links
/// // author: llm anthropic/claude-sonnet-4-5
/// // prompt-sha256: 3f2a...
/// // tokens: 1450 prompt, 610 completion
/// // cost-usd: 0.0134
/// // created: 2026-11-27T10:20:00Z
///
/// public static int Label(string text) => text.Contains("http") ? 1 : -1;
/// </example>
public sealed class ProgramFile
{
    /// <summary>The extension of program files.</summary>
    public const string Extension = ".cs";
    private const string Marker = "alchemist-program:";

    /// <summary>A program file in memory; line endings of <paramref name="source"/> become "\n".</summary>
    /// <param name="name">The program's name: 1 to 100 letters, digits, '_' or '-'.</param>
    /// <param name="provenance">Who wrote it.</param>
    /// <param name="source">The C# source, without the header.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> cannot name a file and a column.</exception>
    public ProgramFile(string name, ProgramProvenance provenance, string source)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"program name '{name}' must be letters, digits, '_' or '-' (it names a file and a column)", nameof(name));
        }

        Name = name;
        Provenance = provenance;
        Source = source.ReplaceLineEndings("\n").Trim('\n') + "\n";
    }

    /// <summary>The program's name: its file name without ".cs", and its column name in the label matrix.</summary>
    public string Name { get; }

    /// <summary>Who wrote the program and how, as its header says.</summary>
    public ProgramProvenance Provenance { get; }

    /// <summary>The C# source without the header.</summary>
    public string Source { get; }

    /// <summary>SHA-256 (hex) of <see cref="Source"/>: editing the header does not invalidate cached results, editing code does.</summary>
    public string SourceHash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Source)));

    /// <summary>Number of lines before <see cref="Source"/> in <see cref="Render"/>'s text (header plus blank line).</summary>
    public int HeaderLines => RenderHeader().Count(c => c == '\n');

    /// <summary>
    /// Whether <paramref name="name"/> can name a program: 1 to 100 ASCII letters, digits, '_' or '-'. Such a name is a safe
    /// file name and column name; anything else (a path, "..", a control character) never names one.
    /// </summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>The file's text: header, a blank line, then the source.</summary>
    public string Render() => RenderHeader() + Source;

    /// <summary>
    /// The text to compile: the source on the line it has in the file as read, so that compiler and sandbox messages name
    /// the lines a person sees (a file dropped in without a header, or with a shorter one, would otherwise be shifted by
    /// the header <see cref="Render"/> adds).
    /// </summary>
    public string TextToCompile()
    {
        var linesBefore = LinesBeforeSourceInFile ?? HeaderLines;
        return linesBefore == HeaderLines ? Render() : new string('\n', linesBefore) + Source;
    }

    /// <summary>Lines before <see cref="Source"/> in the file it was read from; null for a program made in memory.</summary>
    private int? LinesBeforeSourceInFile { get; init; }

    /// <summary>
    /// Writes the file (<see cref="Name"/>.cs, header and source) into <paramref name="directory"/>, replacing any file there
    /// as one step.
    /// </summary>
    public void Save(string directory)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, Name + Extension), Render());
    }

    /// <summary>
    /// Reads one program file. Refused with a <see cref="FormatException"/> naming the file: a name that cannot name a
    /// program, an empty or special file (a FIFO or a device reads as empty and is never opened), a file larger than
    /// <paramref name="maxBytes"/> (never read whole), and a header that does not read.
    /// </summary>
    public static ProgramFile Load(string path, long maxBytes = Compilation.SourceLimits.DefaultMaxBytes)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        if (!IsValidName(name))
        {
            throw new FormatException(
                $"{Printable(path)}: '{Printable(name)}' cannot name a program (it names a column and cached files): use letters, digits, '_' or '-', at most 100 characters, and rename the file");
        }

        var info = new FileInfo(path);
        if (info.Length == 0)
        {
            throw new FormatException($"{path}: the file is empty, or not a regular file; write a Label method into it or remove it");
        }

        if (info.Length > maxBytes)
        {
            throw new FormatException(
                $"{path}: {info.Length:N0} bytes, more than the {maxBytes:N0} a program may have (isolation.max_source_kib in alchemist.yaml); it was not read");
        }

        return Parse(ReadBounded(path, maxBytes), name, path);
    }

    /// <summary>
    /// All <c>*.cs</c> files of a programs folder, by name. A file that cannot be read as a program (see <see cref="Load"/>)
    /// stops the load unless <paramref name="unreadable"/> is given: it then gets the file's name and error, and the other
    /// files still load.
    /// </summary>
    public static IReadOnlyList<ProgramFile> LoadFolder(
        string directory,
        ICollection<(string Name, string Error)>? unreadable = null,
        long maxBytes = Compilation.SourceLimits.DefaultMaxBytes)
    {
        var programs = new List<ProgramFile>();
        foreach (var path in PathsIn(directory))
        {
            try
            {
                programs.Add(Load(path, maxBytes));
            }
            catch (Exception e) when (unreadable is not null && e is FormatException or IOException or UnauthorizedAccessException)
            {
                unreadable.Add((Printable(Path.GetFileNameWithoutExtension(path)), e is FormatException ? e.Message : $"{Printable(path)}: cannot be read: {e.Message}"));
            }
        }

        return programs;
    }

    /// <summary>A file name as it can be shown in one line of a log: control characters as '?', at most 120 characters.</summary>
    public static string Printable(string name) => Bounded.Line(name, 120);

    /// <summary>Reads at most <paramref name="maxBytes"/> (a file that grew since it was measured is refused, not read whole).</summary>
    private static string ReadBounded(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var copy = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (copy.Length + read > maxBytes)
            {
                throw new FormatException($"{path}: more than the {maxBytes:N0} bytes a program may have (isolation.max_source_kib in alchemist.yaml); it was not read whole");
            }

            copy.Write(chunk, 0, read);
        }

        copy.Position = 0;
        using var reader = new StreamReader(copy, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>The paths of a programs folder's <c>*.cs</c> files, by name (none when the folder does not exist).</summary>
    public static IReadOnlyList<string> PathsIn(string directory) =>
        Directory.Exists(directory) ? [.. Directory.GetFiles(directory, "*" + Extension).Order(StringComparer.Ordinal)] : [];

    /// <summary>
    /// Reads a program file. A file without a header (a person dropped plain C# into the folder) is accepted and attributed to
    /// a person, dated now. A malformed header line is an error naming the line.
    /// </summary>
    public static ProgramFile Parse(string text, string name, string? pathForMessages = null)
    {
        var place = pathForMessages ?? name + Extension;
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var values = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        var index = 0;
        if (lines.Length > 0 && lines[0].TrimStart().StartsWith("//", StringComparison.Ordinal)
            && lines[0].TrimStart()[2..].TrimStart().StartsWith(Marker, StringComparison.OrdinalIgnoreCase))
        {
            for (; index < lines.Length; index++)
            {
                var line = lines[index].Trim();
                if (!line.StartsWith("//", StringComparison.Ordinal))
                {
                    break;
                }

                var content = line[2..].Trim();
                var colon = content.IndexOf(':');
                if (colon <= 0)
                {
                    throw new FormatException($"{place}: line {index + 1}: header line '{line}' is not '// key: value'");
                }

                values[content[..colon].Trim()] = (content[(colon + 1)..].Trim(), index + 1);
            }
        }

        var source = string.Join('\n', lines.Skip(index));
        var provenance = values.Count == 0
            ? ProgramProvenance.ByPerson(null, pathForMessages is not null && File.Exists(pathForMessages) ? File.GetLastWriteTimeUtc(pathForMessages) : DateTimeOffset.UtcNow)
            : ParseProvenance(values, place);
        var linesBefore = index;
        while (linesBefore < lines.Length - 1 && lines[linesBefore].Length == 0)
        {
            linesBefore++; // the constructor trims these blank lines from the source
        }

        return new ProgramFile(name, provenance, source) { LinesBeforeSourceInFile = linesBefore };
    }

    private string RenderHeader()
    {
        var p = Provenance;
        var builder = new StringBuilder();
        builder.Append("// ").Append(Marker).Append(' ').Append(Name).Append('\n');
        builder.Append("// author: ").Append(p.DescribeAuthor()).Append('\n');
        if (p.PromptHash is not null)
        {
            builder.Append("// prompt-sha256: ").Append(p.PromptHash).Append('\n');
        }

        if (p.PromptTokens is not null || p.CompletionTokens is not null)
        {
            builder.Append(CultureInfo.InvariantCulture, $"// tokens: {p.PromptTokens ?? 0} prompt, {p.CompletionTokens ?? 0} completion\n");
        }

        if (p.CostUsd is not null)
        {
            builder.Append("// cost-usd: ").Append(p.CostUsd.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        builder.Append("// created: ").Append(p.Created.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append('\n');
        return builder.Append('\n').ToString();
    }

    private static ProgramProvenance ParseProvenance(Dictionary<string, (string Value, int Line)> values, string place)
    {
        string Fail(string key, string expected) =>
            throw new FormatException($"{place}: line {values[key].Line}: '{key}: {values[key].Value}' is not {expected}");

        if (!values.TryGetValue("author", out var author))
        {
            throw new FormatException($"{place}: the header has no 'author:' line (llm PROVIDER/MODEL, offline-synthesizer [strategy], or person [name])");
        }

        var (kindWord, rest) = SplitFirst(author.Value);
        ProgramAuthorKind kind;
        string? provider = null, model = null, authorName = null;
        switch (kindWord.ToLowerInvariant())
        {
            case "llm":
                kind = ProgramAuthorKind.Llm;
                var slash = rest.IndexOf('/');
                if (slash <= 0)
                {
                    Fail("author", "'llm PROVIDER/MODEL'");
                }

                provider = rest[..slash];
                model = rest[(slash + 1)..];
                break;
            case "offline-synthesizer":
                kind = ProgramAuthorKind.Synthesizer;
                authorName = rest.Length == 0 ? null : rest;
                break;
            case "person":
                kind = ProgramAuthorKind.Person;
                authorName = rest.Length == 0 ? null : rest;
                break;
            default:
                Fail("author", "'llm PROVIDER/MODEL', 'offline-synthesizer' or 'person [name]'");
                return null!;
        }

        int? promptTokens = null, completionTokens = null;
        if (values.TryGetValue("tokens", out var tokens))
        {
            var parts = tokens.Value.Split(',', StringSplitOptions.TrimEntries);
            foreach (var part in parts)
            {
                var (number, what) = SplitFirst(part);
                if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    Fail("tokens", "'N prompt, M completion'");
                }

                if (what.StartsWith("prompt", StringComparison.OrdinalIgnoreCase))
                {
                    promptTokens = count;
                }
                else if (what.StartsWith("completion", StringComparison.OrdinalIgnoreCase))
                {
                    completionTokens = count;
                }
                else
                {
                    Fail("tokens", "'N prompt, M completion'");
                }
            }
        }

        decimal? cost = null;
        if (values.TryGetValue("cost-usd", out var costText))
        {
            if (!decimal.TryParse(costText.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed))
            {
                Fail("cost-usd", "a number");
            }

            cost = parsed;
        }

        var created = DateTimeOffset.UnixEpoch;
        if (values.TryGetValue("created", out var createdText)
            && !DateTimeOffset.TryParse(createdText.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out created))
        {
            Fail("created", "an ISO 8601 time such as 2026-11-27T10:20:00Z");
        }

        return new ProgramProvenance
        {
            Kind = kind,
            Provider = provider,
            Model = model,
            AuthorName = authorName,
            PromptHash = values.TryGetValue("prompt-sha256", out var hash) ? hash.Value : null,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            CostUsd = cost,
            Created = created,
        };
    }

    private static (string First, string Remainder) SplitFirst(string text)
    {
        text = text.Trim();
        var space = text.IndexOf(' ');
        return space < 0 ? (text, string.Empty) : (text[..space], text[(space + 1)..].Trim());
    }
}
