using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Alchemist.Features.Clip;

/// <summary>
/// CLIP's tokenizer over its vocab.json and merges.txt (Microsoft.ML.Tokenizers' byte-pair encoder): text lower-cased,
/// split by CLIP's pattern, each word's bytes merged by rank with "&lt;/w&gt;" closing the word, between
/// &lt;|startoftext|&gt; and &lt;|endoftext|&gt;, cut or padded (with &lt;|endoftext|&gt;, as Hugging Face's CLIP pads) to
/// the text encoder's context length.
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>CLIP's start-of-text token.</summary>
    public const string StartOfText = "<|startoftext|>";

    /// <summary>CLIP's end-of-text token, also its padding.</summary>
    public const string EndOfText = "<|endoftext|>";

    private readonly BpeTokenizer _bpe;
    private readonly int _start;
    private readonly int _end;

    private ClipTokenizer(BpeTokenizer bpe, int contextLength)
    {
        _bpe = bpe;
        ContextLength = contextLength;
        _start = bpe.Vocabulary.TryGetValue(StartOfText, out var s) ? s : throw new InvalidDataException($"the vocabulary has no {StartOfText} token");
        _end = bpe.Vocabulary.TryGetValue(EndOfText, out var e) ? e : throw new InvalidDataException($"the vocabulary has no {EndOfText} token");
    }

    /// <summary>Tokens per text, padding included.</summary>
    public int ContextLength { get; }

    /// <summary>Loads CLIP's vocab.json and merges.txt.</summary>
    /// <exception cref="InvalidDataException">The files are not a CLIP vocabulary and merges.</exception>
    public static ClipTokenizer Load(string vocabularyFile, string mergesFile, int contextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 3);
        BpeTokenizer bpe;
        try
        {
            var options = new BpeOptions(vocabularyFile, mergesFile)
            {
                Normalizer = new ClipNormalizer(),
                PreTokenizer = new RegexPreTokenizer(Words(), null),
                EndOfWordSuffix = "</w>",
                ByteLevel = true,
            };
            bpe = BpeTokenizer.Create(options);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"not a CLIP vocabulary and merges ({vocabularyFile}, {mergesFile}): {e.Message}", e);
        }

        return new ClipTokenizer(bpe, contextLength);
    }

    /// <summary>The ids of <paramref name="text"/>, framed and padded to <see cref="ContextLength"/>, and its attention mask.</summary>
    public (long[] Ids, long[] Mask) Encode(string text)
    {
        var inner = _bpe.EncodeToIds(text);
        var ids = new long[ContextLength];
        var mask = new long[ContextLength];
        Array.Fill(ids, _end);
        ids[0] = _start;
        var kept = Math.Min(inner.Count, ContextLength - 2);
        for (var i = 0; i < kept; i++)
        {
            ids[1 + i] = inner[i];
        }

        ids[1 + kept] = _end;
        mask.AsSpan(0, kept + 2).Fill(1);
        return (ids, mask);
    }

    /// <summary>The tokens <see cref="Encode"/> puts between the frame, as strings (for messages and tests).</summary>
    public IReadOnlyList<string> Tokens(string text) => _bpe.EncodeToTokens(text, out _).Select(t => t.Value).ToArray();

    // CLIP's pattern (its simple_tokenizer.py), the special tokens aside: contractions, runs of letters, single digits, and
    // runs of anything else but spaces.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Words();

    /// <summary>CLIP's cleaning: white space collapsed and trimmed, lower case.</summary>
    private sealed partial class ClipNormalizer : Normalizer
    {
        public override string Normalize(string original) => Spaces().Replace(original, " ").Trim().ToLowerInvariant();

        public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

        [GeneratedRegex(@"\s+")]
        private static partial Regex Spaces();
    }
}
