using Alchemist.Programs.Source;

namespace Alchemist.Synthesis.Extraction;

/// <summary>One fenced code block of a markdown reply: its info tag, its text, and whether the reply ended before its fence closed.</summary>
/// <param name="Tag">The info string after the opening fence (such as csharp); empty when there is none.</param>
/// <param name="Text">The block's content, without the fences.</param>
/// <param name="Unterminated">True when the reply ended before the block's closing fence.</param>
public sealed record FencedBlock(string Tag, string Text, bool Unterminated)
{
    /// <summary>
    /// The fenced blocks of a reply, in order, as the sandbox's <see cref="ReplyCode"/> finds them (``` or ~~~, three or more;
    /// a block left open runs to the end), plus whether each was closed: a block left open means the reply was cut off.
    /// </summary>
    public static IReadOnlyList<FencedBlock> Parse(string markdown)
    {
        var lineCount = markdown.ReplaceLineEndings("\n").Split('\n').Length;
        return ReplyCode.FencedBlocks(markdown)
            .Select(block =>
            {
                var codeLines = block.Code.Length == 0 ? 0 : block.Code.Split('\n').Length;
                var closingLine = block.FirstLine + codeLines; // 1-based line of the closing fence, if any
                return new FencedBlock(block.Language, block.Code, closingLine > lineCount);
            })
            .ToArray();
    }
}
