using System.Text;

namespace Alchemist.Synthesis.Retrieval;

/// <summary>A piece of one of the user's documents: where it came from and its text.</summary>
internal sealed record DocumentChunk(string File, int FirstLine, string Text)
{
    public string Citation => $"{File}, from line {FirstLine}";
}

/// <summary>
/// Splits the text files of a documents folder into passages of about <see cref="TargetWords"/> words, along paragraph
/// boundaries where possible, with a small overlap so that a rule spanning two passages is found in one of them.
/// </summary>
internal sealed class DocumentChunker(int targetWords = 180, int overlapWords = 30)
{
    public static readonly string[] TextExtensions = [".md", ".markdown", ".txt", ".text", ".rst", ".csv", ".tsv", ".json", ".jsonl", ".yaml", ".yml", ".html", ".htm", ".xml"];

    public int TargetWords { get; } = targetWords;

    public IReadOnlyList<DocumentChunk> ChunkFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new SynthesisException($"synthesis.docs '{folder}' does not exist");
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => TextExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new SynthesisException(
                $"synthesis.docs '{folder}' holds no text documents ({string.Join(", ", TextExtensions)}); retrieval mode needs some");
        }

        var chunks = new List<DocumentChunk>();
        foreach (var file in files)
        {
            chunks.AddRange(ChunkText(Path.GetRelativePath(folder, file), File.ReadAllText(file)));
        }

        return chunks;
    }

    public IEnumerable<DocumentChunk> ChunkText(string name, string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var words = new List<(string Word, int Line)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                words.Add(("\n\n", i + 1));
                continue;
            }

            foreach (var word in lines[i].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                words.Add((word, i + 1));
            }
        }

        var start = 0;
        while (start < words.Count)
        {
            while (start < words.Count && words[start].Word == "\n\n")
            {
                start++;
            }

            if (start >= words.Count)
            {
                yield break;
            }

            var end = Math.Min(words.Count, start + TargetWords);
            if (end < words.Count)
            {
                // Prefer to end at a paragraph break in the last third of the window.
                for (var k = end - 1; k > start + (TargetWords * 2 / 3); k--)
                {
                    if (words[k].Word == "\n\n")
                    {
                        end = k;
                        break;
                    }
                }
            }

            var builder = new StringBuilder();
            for (var k = start; k < end; k++)
            {
                if (words[k].Word == "\n\n")
                {
                    builder.Append("\n\n");
                }
                else
                {
                    if (builder.Length > 0 && builder[^1] != '\n')
                    {
                        builder.Append(' ');
                    }

                    builder.Append(words[k].Word);
                }
            }

            var passage = builder.ToString().Trim();
            if (passage.Length > 0)
            {
                yield return new DocumentChunk(name, words[start].Line, passage);
            }

            if (end >= words.Count)
            {
                yield break;
            }

            start = Math.Max(start + 1, end - overlapWords);
        }
    }
}
