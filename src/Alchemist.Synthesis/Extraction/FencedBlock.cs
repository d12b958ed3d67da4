namespace Alchemist.Synthesis.Extraction;

/// <summary>One fenced code block of a markdown reply: its info tag (first word after the fence) and its text.</summary>
public sealed record FencedBlock(string Tag, string Text, bool Unterminated)
{
    /// <summary>
    /// The fenced blocks of a markdown text, in order. Fences are ``` or ~~~ (three or more, indented up to three spaces);
    /// a block closes at a line of the same fence character at least as long; a block left open runs to the end.
    /// </summary>
    public static IReadOnlyList<FencedBlock> Parse(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var blocks = new List<FencedBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!TryOpen(lines[i], out var fenceChar, out var fenceLength, out var tag))
            {
                continue;
            }

            var body = new List<string>();
            var closed = false;
            var j = i + 1;
            for (; j < lines.Length; j++)
            {
                if (IsClose(lines[j], fenceChar, fenceLength))
                {
                    closed = true;
                    break;
                }

                body.Add(lines[j]);
            }

            blocks.Add(new FencedBlock(tag, string.Join('\n', body), !closed));
            i = j;
        }

        return blocks;
    }

    private static bool TryOpen(string line, out char fenceChar, out int length, out string tag)
    {
        fenceChar = '\0';
        length = 0;
        tag = "";
        var trimmed = line.TrimStart(' ');
        if (line.Length - trimmed.Length > 3 || trimmed.Length < 3 || trimmed[0] is not ('`' or '~'))
        {
            return false;
        }

        fenceChar = trimmed[0];
        while (length < trimmed.Length && trimmed[length] == fenceChar)
        {
            length++;
        }

        if (length < 3)
        {
            return false;
        }

        var info = trimmed[length..].Trim();
        if (fenceChar == '`' && info.Contains('`', StringComparison.Ordinal))
        {
            return false;
        }

        tag = info.Split([' ', '\t', '{'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return true;
    }

    private static bool IsClose(string line, char fenceChar, int length)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= length && trimmed.All(c => c == fenceChar);
    }
}
