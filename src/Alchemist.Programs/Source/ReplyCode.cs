namespace Alchemist.Programs.Source;

/// <summary>
/// Finds the program in an LLM's reply: prose around one or more fenced code blocks. The one place that knows how replies
/// look, so that synthesis, the repair loop and the tests read them the same way.
/// </summary>
public static class ReplyCode
{
    private static readonly string[] CSharpTags = ["csharp", "cs", "c#", "c-sharp"];

    /// <summary>
    /// The code of the block that holds the Label method: among fenced blocks, C#-tagged ones first, then untagged ones;
    /// the last such block wins when the reply revises itself. Null when no block mentions Label.
    /// </summary>
    public static string? ExtractProgram(string reply)
    {
        var blocks = FencedBlocks(reply);
        var withLabel = blocks.Where(b => b.Code.Contains("Label", StringComparison.Ordinal)).ToList();
        var best = withLabel.LastOrDefault(b => CSharpTags.Contains(b.Language, StringComparer.OrdinalIgnoreCase))
                   ?? withLabel.LastOrDefault(b => b.Language.Length == 0)
                   ?? withLabel.LastOrDefault();
        return best?.Code;
    }

    /// <summary>Every fenced block (``` or ~~~, three or more) in order, with its language tag ("" when none).</summary>
    public static IReadOnlyList<CodeBlock> FencedBlocks(string reply)
    {
        var blocks = new List<CodeBlock>();
        var lines = reply.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var opening = lines[i].TrimStart();
            var fence = FenceOf(opening);
            if (fence is null)
            {
                continue;
            }

            var language = opening[fence.Length..].Trim();
            var space = language.IndexOf(' ');
            if (space >= 0)
            {
                language = language[..space];
            }

            var start = i + 1;
            var end = start;
            while (end < lines.Length && !IsClosing(lines[end], fence))
            {
                end++;
            }

            blocks.Add(new CodeBlock(language, string.Join('\n', lines[start..end]), start + 1));
            i = end;
        }

        return blocks;
    }

    private static string? FenceOf(string line)
    {
        foreach (var mark in new[] { '`', '~' })
        {
            var count = 0;
            while (count < line.Length && line[count] == mark)
            {
                count++;
            }

            if (count >= 3)
            {
                return line[..count];
            }
        }

        return null;
    }

    private static bool IsClosing(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }
}

/// <summary>A fenced block of a reply; <see cref="FirstLine"/> is its first code line's 1-based line in the reply.</summary>
public sealed record CodeBlock(string Language, string Code, int FirstLine);
