using System.Globalization;
using System.Runtime.CompilerServices;

namespace Alchemist.EndModel;

/// <summary>
/// The end model's text features: word n-grams (all lengths up to 2) and character n-grams of one length (4), counted over
/// a normalized text and each block scaled to unit length. This is what ML.NET's FeaturizeText made with the options we used
/// (lower case, diacritics removed, words split at spaces, characters framed by STX and ETX, term frequencies, L2 per block);
/// it is computed here because ML.NET's pipeline of ten transforms scored 75,000 rows/s on one core and 94,000 on two, and
/// `predict` must label 200,000 rows/s. The vocabulary is every n-gram of the training rows; an unknown word breaks the
/// word n-grams that span it, as it did in ML.NET.
/// </summary>
internal sealed class TextNgrams
{
    private const char TextStart = '\u0002';
    private const char TextEnd = '\u0003';

    /// <summary>Folding[c]: the character c becomes (lower case, diacritics removed), or -1 where it is dropped (a combining diacritic).</summary>
    private static readonly Lazy<int[]> Folding = new(BuildFolding);

    private readonly Dictionary<string, int> _words;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordsBySpan;
    private readonly PackedKeyTable _wordPairs;
    private readonly PackedKeyTable _charGrams;

    private TextNgrams(int wordNgramLength, int charNgramLength, Dictionary<string, int> words, PackedKeyTable wordPairs, PackedKeyTable charGrams)
    {
        WordNgramLength = wordNgramLength;
        CharNgramLength = charNgramLength;
        _words = words;
        _wordsBySpan = words.GetAlternateLookup<ReadOnlySpan<char>>();
        _wordPairs = wordPairs;
        _charGrams = charGrams;
    }

    public int WordNgramLength { get; }

    public int CharNgramLength { get; }

    /// <summary>Slots of the features: character n-grams first, then words, then word pairs.</summary>
    public int Slots => _charGrams.Count + _words.Count + _wordPairs.Count;

    /// <summary>The vocabulary of the given texts: every word, word pair and character n-gram in them, in order of first sight.</summary>
    public static TextNgrams Fit(IEnumerable<string> texts, int wordNgramLength, int charNgramLength)
    {
        CheckLengths(wordNgramLength, charNgramLength);
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = words.GetAlternateLookup<ReadOnlySpan<char>>();
        var wordPairs = new PackedKeyTable();
        var charGrams = new PackedKeyTable();
        var buffer = new char[256];
        foreach (var text in texts)
        {
            var normalized = Normalize(text ?? string.Empty, ref buffer);
            foreach (var key in new CharGramKeys(normalized, charNgramLength))
            {
                charGrams.Add(key);
            }

            var previous = -1;
            foreach (var range in normalized[1..^1].Split(' '))
            {
                var word = normalized[1..^1][range];
                if (word.IsEmpty)
                {
                    continue;
                }

                if (!lookup.TryGetValue(word, out var id))
                {
                    id = words.Count;
                    lookup[word] = id;
                }

                if (wordNgramLength == 2 && previous >= 0)
                {
                    wordPairs.Add(PairKey(previous, id));
                }

                previous = id;
            }
        }

        return new TextNgrams(wordNgramLength, charNgramLength, words, wordPairs, charGrams);
    }

    /// <summary>
    /// Writes one row's features into <paramref name="workspace"/>'s <see cref="Workspace.Slots"/> and
    /// <see cref="Workspace.Values"/> and returns how many there are: character n-grams first, then words; sorted by slot when
    /// <paramref name="sorted"/> (ML.NET's sparse vectors need it, scoring does not).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Featurize(string? text, Workspace workspace, bool sorted = false)
    {
        var normalized = Normalize(text ?? string.Empty, ref workspace.Characters);
        workspace.Prepare(Slots, normalized.Length * 2);
        foreach (var key in new CharGramKeys(normalized, CharNgramLength))
        {
            workspace.Count(_charGrams.Find(key));
        }

        var charFeatures = workspace.EndBlock(0, sorted);
        var wordOffset = _charGrams.Count;
        var pairOffset = wordOffset + _words.Count;
        var previous = -1;
        var inner = normalized[1..^1];
        foreach (var range in inner.Split(' '))
        {
            var word = inner[range];
            if (word.IsEmpty)
            {
                continue;
            }

            if (!_wordsBySpan.TryGetValue(word, out var id))
            {
                previous = -1;
                continue;
            }

            workspace.Count(wordOffset + id);
            if (WordNgramLength == 2 && previous >= 0 && _wordPairs.Find(PairKey(previous, id)) is var pair and >= 0)
            {
                workspace.Count(pairOffset + pair);
            }

            previous = id;
        }

        return workspace.EndBlock(charFeatures, sorted);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(WordNgramLength);
        writer.Write(CharNgramLength);
        writer.Write(_words.Count);
        foreach (var word in _words.OrderBy(w => w.Value))
        {
            writer.Write(word.Key);
        }

        foreach (var table in new[] { _wordPairs, _charGrams })
        {
            writer.Write(table.Count);
            foreach (var key in table.KeysInOrder())
            {
                writer.Write(key);
            }
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote; a count or length out of range is an <see cref="InvalidDataException"/>.</summary>
    public static TextNgrams Read(BinaryReader reader)
    {
        var wordNgramLength = reader.ReadInt32();
        var charNgramLength = reader.ReadInt32();
        if (wordNgramLength is < 1 or > 2 || charNgramLength is < 1 or > 4)
        {
            throw new InvalidDataException($"n-gram lengths {wordNgramLength} (words) and {charNgramLength} (characters) are out of range");
        }

        var wordsCount = Count(reader);
        var words = new Dictionary<string, int>(Math.Min(wordsCount, 1 << 20), StringComparer.Ordinal);
        for (var i = 0; i < wordsCount; i++)
        {
            words.Add(reader.ReadString(), i);
        }

        var wordPairsCount = Count(reader);
        var wordPairs = new PackedKeyTable(Math.Min(wordPairsCount, 1 << 20));
        for (var i = 0; i < wordPairsCount; i++)
        {
            wordPairs.Add(reader.ReadUInt64());
        }

        var charGramsCount = Count(reader);
        var charGrams = new PackedKeyTable(Math.Min(charGramsCount, 1 << 20));
        for (var i = 0; i < charGramsCount; i++)
        {
            charGrams.Add(reader.ReadUInt64());
        }

        if (wordPairs.Count != wordPairsCount || charGrams.Count != charGramsCount)
        {
            throw new InvalidDataException("the vocabulary repeats an n-gram");
        }

        return new TextNgrams(wordNgramLength, charNgramLength, words, wordPairs, charGrams);
    }

    /// <summary>
    /// One thread's buffers, so that featurizing a row allocates nothing once they have grown: counts by slot (reset after each
    /// block through the list of slots it touched), and the row's features.
    /// </summary>
    public sealed class Workspace
    {
        internal char[] Characters = new char[256];
        private int[] _counts = [];
        private int[] _touched = new int[512];
        private int _touchedCount;

        public int[] Slots { get; private set; } = new int[512];

        public float[] Values { get; private set; } = new float[512];

        internal void Prepare(int slots, int featuresAtMost)
        {
            if (_counts.Length < slots)
            {
                _counts = new int[slots];
            }

            if (_touched.Length < featuresAtMost)
            {
                _touched = new int[featuresAtMost * 2];
                Slots = new int[featuresAtMost * 2];
                Values = new float[featuresAtMost * 2];
            }

            _touchedCount = 0;
        }

        /// <summary>Counts one occurrence of a slot (-1: an n-gram outside the vocabulary, not counted).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal void Count(int slot)
        {
            if (slot >= 0 && _counts[slot]++ == 0)
            {
                _touched[_touchedCount++] = slot;
            }
        }

        /// <summary>Writes the block counted since the last call after the <paramref name="start"/> features already written, scaled to unit length; returns the new total.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal int EndBlock(int start, bool sorted)
        {
            var block = _touched.AsSpan(0, _touchedCount);
            if (sorted)
            {
                block.Sort();
            }

            var squares = 0L;
            foreach (var slot in block)
            {
                squares += (long)_counts[slot] * _counts[slot];
            }

            var scale = (float)(1 / Math.Sqrt(squares));
            for (var k = 0; k < block.Length; k++)
            {
                Slots[start + k] = block[k];
                Values[start + k] = _counts[block[k]] * scale;
                _counts[block[k]] = 0;
            }

            _touchedCount = 0;
            return start + block.Length;
        }
    }

    /// <summary>The text lower-cased with diacritics removed, framed by STX and ETX, in <paramref name="buffer"/> (grown when too small).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<char> Normalize(string text, ref char[] buffer)
    {
        if (buffer.Length < text.Length + 2)
        {
            buffer = new char[Math.Max(text.Length + 2, buffer.Length * 2)];
        }

        var folding = Folding.Value;
        var length = 0;
        buffer[length++] = TextStart;
        foreach (var c in text)
        {
            var folded = folding[c];
            if (folded >= 0)
            {
                buffer[length++] = (char)folded;
            }
        }

        buffer[length++] = TextEnd;
        return buffer.AsSpan(0, length);
    }

    private static int[] BuildFolding()
    {
        var baseLetters = new Dictionary<char, char>();
        for (var i = 0; i < DiacriticFolding.Pairs.Length; i += 2)
        {
            baseLetters[DiacriticFolding.Pairs[i]] = DiacriticFolding.Pairs[i + 1];
        }

        var folding = new int[char.MaxValue + 1];
        for (var code = 0; code <= char.MaxValue; code++)
        {
            var c = (char)code;
            folding[code] = IsCombiningDiacritic(c) ? -1 : char.ToLowerInvariant(baseLetters.GetValueOrDefault(c, c));
        }

        return folding;
    }

    /// <summary>The combining marks of Latin, Greek and Cyrillic (U+0300-U+036F), Hebrew points and Arabic vowel marks, as ML.NET's normalizer drops them.</summary>
    private static bool IsCombiningDiacritic(char c) =>
        CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark
        && (c is >= '\u0300' and <= '\u036F' or >= '\u0591' and <= '\u05C7' or >= '\u0610' and <= '\u061A' or >= '\u064B' and <= '\u065F' or '\u0670');

    /// <summary>
    /// The character n-grams of a text as 64-bit keys, 16 bits a character, in order: each key rolls on from the last one
    /// (shifted one character, the oldest masked off), so a text of n characters costs n steps, not n times the length.
    /// </summary>
    private ref struct CharGramKeys(ReadOnlySpan<char> text, int length)
    {
        private readonly ReadOnlySpan<char> _text = text;
        private readonly ulong _mask = length == 4 ? ulong.MaxValue : (1UL << (16 * length)) - 1;
        private int _next;

        public ulong Current { get; private set; }

        public readonly CharGramKeys GetEnumerator() => this;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool MoveNext()
        {
            while (_next < _text.Length)
            {
                Current = ((Current << 16) | _text[_next++]) & _mask;
                if (_next >= length)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static ulong PairKey(int first, int second) => ((ulong)(uint)first << 32) | (uint)second;

    private static int Count(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        return count >= 0 ? count : throw new InvalidDataException($"a vocabulary of {count} entries");
    }

    private static void CheckLengths(int wordNgramLength, int charNgramLength)
    {
        if (wordNgramLength is < 1 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(wordNgramLength), wordNgramLength, "word n-grams of length 1 or 2 are supported");
        }

        if (charNgramLength is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(charNgramLength), charNgramLength, "character n-grams of length 1 to 4 are supported");
        }
    }
}
