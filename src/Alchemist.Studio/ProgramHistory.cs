using System.Globalization;
using System.Text;
using Alchemist.Programs;
using Alchemist.Programs.Compilation;
using DiffPlex;
using DiffPlex.Model;

namespace Alchemist.Studio;

/// <summary>
/// One version of a program: the file as it was (header included), who wrote it, and what changed from the version before.
/// </summary>
/// <param name="ReplacedAt">
/// When this version was replaced by the next, in UTC as ISO 8601 (<c>2026-12-06T17:45:47.123Z</c>), from its history file's
/// name; null for the current version.
/// </param>
/// <param name="Author">The header's author ("llm PROVIDER/MODEL", "offline-synthesizer", "person NAME"); "unknown" when the file does not read.</param>
/// <param name="Text">The whole file, line endings as "\n"; empty when it was too large to read.</param>
/// <param name="Diff">
/// A unified diff from the older version before it to this one: hunks <c>@@ -a,b +c,d @@</c> with 3 lines of context, each
/// line prefixed ' ', '-' or '+'; for the oldest version, all of its lines added; empty when nothing changed.
/// </param>
/// <param name="Note">Why the file did not read as a program (its header, its size), or null.</param>
public sealed record ProgramVersion(string? ReplacedAt, string Author, string Text, string Diff, string? Note = null);

/// <summary>
/// The versions of a program, newest first: its current file (<c>programs/NAME.cs</c>, or <c>programs/disabled/NAME.cs</c>)
/// and the files kept in <c>.alchemist/history/NAME/</c> each time it was replaced (see <c>ProjectClasses.KeepVersion</c>),
/// each with a diff from the version before it.
/// </summary>
public static class ProgramHistory
{
    /// <summary>At most this many versions are listed (the newest): a page has no use for more, and each costs a diff.</summary>
    public const int MaxVersions = 100;

    /// <summary>Lines of unchanged text shown around each change.</summary>
    public const int ContextLines = 3;

    // A history file's name: the time it was replaced (yyyyMMddTHHmmss.fffZ), then -2, -3 ... when that time was taken.
    private const string StampFormat = "yyyyMMdd'T'HHmmss.fff'Z'";

    /// <summary>
    /// The versions of program <paramref name="name"/>, newest (the current file) first; empty for a name that cannot name a
    /// program, so that no name (such as "../x") reads outside the project's programs and history folders.
    /// </summary>
    public static IReadOnlyList<ProgramVersion> Of(ProjectLayout layout, string name)
    {
        if (!ProgramFile.IsValidName(name))
        {
            return [];
        }

        // Newest first; one more than is listed, so that the oldest listed still shows what it changed.
        var files = new List<(string Path, string? ReplacedAt)>();
        var current = new[] { layout.ProgramsFolder, layout.DisabledProgramsFolder }
            .Select(folder => Path.Combine(folder, name + ProgramFile.Extension))
            .FirstOrDefault(IsPlainFile);
        if (current is not null)
        {
            files.Add((current, null));
        }

        files.AddRange(HistoryFiles(layout.HistoryFolder(name)).Take(MaxVersions + 1 - files.Count));
        var read = files.Select(f => Read(f.Path, f.ReplacedAt, name)).ToList();
        var versions = new List<ProgramVersion>();
        for (var i = 0; i < Math.Min(read.Count, MaxVersions); i++)
        {
            var before = i + 1 < read.Count ? read[i + 1].Text : string.Empty;
            versions.Add(read[i] with { Diff = UnifiedDiff(before, read[i].Text) });
        }

        return versions;
    }

    /// <summary>
    /// A unified diff of <paramref name="before"/> and <paramref name="after"/> by lines ("\n", "\r\n" or "\r"): hunks
    /// <c>@@ -a,b +c,d @@</c> (counts always written; a count of 0 starts at the line before, as in GNU diff) with
    /// <see cref="ContextLines"/> lines of context, each line prefixed ' ', '-' or '+' and ended by "\n"; empty when the
    /// texts have the same lines.
    /// </summary>
    public static string UnifiedDiff(string before, string after)
    {
        var result = Differ.Instance.CreateDiffs(before, after, ignoreWhiteSpace: false, ignoreCase: false, LineSplitter.Instance);
        var oldLines = result.PiecesOld;
        var newLines = result.PiecesNew;
        var blocks = result.DiffBlocks.OrderBy(b => b.DeleteStartA).ToList();
        var text = new StringBuilder();
        for (var first = 0; first < blocks.Count;)
        {
            // A hunk takes the changes whose unchanged lines between them would not fill two contexts.
            var last = first;
            while (last + 1 < blocks.Count && blocks[last + 1].DeleteStartA - End(blocks[last]) <= 2 * ContextLines)
            {
                last++;
            }

            var startA = Math.Max(0, blocks[first].DeleteStartA - ContextLines);
            var endA = Math.Min(oldLines.Count, End(blocks[last]) + ContextLines);
            var startB = startA + blocks[first].InsertStartB - blocks[first].DeleteStartA;
            var endB = endA + blocks[last].InsertStartB + blocks[last].InsertCountB - End(blocks[last]);
            text.Append(CultureInfo.InvariantCulture,
                $"@@ -{HunkStart(startA, endA)},{endA - startA} +{HunkStart(startB, endB)},{endB - startB} @@\n");
            var a = startA;
            for (var k = first; k <= last; k++)
            {
                var block = blocks[k];
                for (; a < block.DeleteStartA; a++)
                {
                    text.Append(' ').Append(oldLines[a]).Append('\n');
                }

                for (var d = 0; d < block.DeleteCountA; d++)
                {
                    text.Append('-').Append(oldLines[block.DeleteStartA + d]).Append('\n');
                }

                for (var n = 0; n < block.InsertCountB; n++)
                {
                    text.Append('+').Append(newLines[block.InsertStartB + n]).Append('\n');
                }

                a = End(block);
            }

            for (; a < endA; a++)
            {
                text.Append(' ').Append(oldLines[a]).Append('\n');
            }

            first = last + 1;
        }

        return text.ToString();
    }

    private static int End(DiffBlock block) => block.DeleteStartA + block.DeleteCountA;

    // Lines are numbered from 1; an empty range names the line before it (0 before the first), as diff and patch expect.
    private static int HunkStart(int start, int end) => end > start ? start + 1 : start;

    /// <summary>The history files of one program, newest first (by time, then by the -n a same time was given).</summary>
    private static IEnumerable<(string Path, string? ReplacedAt)> HistoryFiles(string folder)
    {
        if (!Directory.Exists(folder) || new DirectoryInfo(folder).LinkTarget is not null)
        {
            return [];
        }

        var found = new List<(string Path, DateTime When, int N)>();
        foreach (var path in Directory.EnumerateFiles(folder, "*" + ProgramFile.Extension))
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            var dash = stem.IndexOf('-', StringComparison.Ordinal);
            var n = 1;
            if (dash >= 0 && !(int.TryParse(stem.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out n) && n >= 2))
            {
                continue;
            }

            // Only the files KeepVersion wrote; anything else in the folder is not a version.
            if (DateTime.TryParseExact(dash >= 0 ? stem[..dash] : stem, StampFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var when) && IsPlainFile(path))
            {
                found.Add((path, when, n));
            }
        }

        return found.OrderByDescending(f => f.When).ThenByDescending(f => f.N)
            .Select(f => (f.Path, (string?)f.When.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
    }

    /// <summary>One version's file; a file that does not read as a program is still a version, with a note saying why.</summary>
    private static ProgramVersion Read(string path, string? replacedAt, string name)
    {
        var info = new FileInfo(path);
        if (info.Length > SourceLimits.DefaultMaxBytes)
        {
            return new ProgramVersion(replacedAt, "unknown", string.Empty, string.Empty,
                $"{info.Length:N0} bytes, more than the {SourceLimits.DefaultMaxBytes:N0} a program may have; not read");
        }

        string text;
        try
        {
            // Not opened when empty: a FIFO reads as empty, and opening it would wait for a writer forever.
            text = info.Length == 0 ? string.Empty : File.ReadAllText(path).ReplaceLineEndings("\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ProgramVersion(replacedAt, "unknown", string.Empty, string.Empty, $"cannot be read: {e.Message}");
        }

        try
        {
            // Named without its path, so that a note shows no folder of the person's machine.
            var file = ProgramFile.Parse(text, name);
            return new ProgramVersion(replacedAt, file.Provenance.DescribeAuthor(), text, string.Empty);
        }
        catch (FormatException e)
        {
            return new ProgramVersion(replacedAt, "unknown", text, string.Empty, e.Message);
        }
    }

    // A regular file, not a link: a link planted in a project could otherwise show a file from anywhere on the machine.
    private static bool IsPlainFile(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null && (info.Attributes & (FileAttributes.Directory | FileAttributes.Device)) == 0;
    }

    /// <summary>
    /// Splits a text into lines for DiffPlex: "\n", "\r\n" and "\r" end a line, and a final line ending does not start an
    /// empty line, so that "a\nb\n" and "a\nb" are the same two lines and an empty text has none.
    /// </summary>
    private sealed class LineSplitter : IChunker
    {
        public static readonly LineSplitter Instance = new();

        public IReadOnlyList<string> Chunk(string text)
        {
            var normal = text.ReplaceLineEndings("\n");
            if (normal.EndsWith('\n'))
            {
                normal = normal[..^1];
            }

            return normal.Length == 0 && text.Length == 0 ? [] : normal.Split('\n');
        }
    }
}
