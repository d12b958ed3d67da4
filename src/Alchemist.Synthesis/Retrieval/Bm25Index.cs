namespace Alchemist.Synthesis.Retrieval;

/// <summary>
/// Okapi BM25 over document chunks: lexical, offline, deterministic. Terms are lower-cased letter/digit runs without
/// common English stop words.
/// </summary>
internal sealed class Bm25Index
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "if", "in", "into", "is", "it", "its",
        "of", "on", "or", "so", "such", "that", "the", "their", "then", "there", "these", "this", "to", "was", "were", "will", "with",
        "which", "who", "whom", "what", "when", "where", "how", "do", "does", "not", "no", "can", "each", "one", "any", "all",
    };

    private readonly IReadOnlyList<DocumentChunk> _chunks;
    private readonly Dictionary<string, int>[] _termCounts;
    private readonly int[] _lengths;
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly double _averageLength;
    private readonly double _k1;
    private readonly double _b;

    public Bm25Index(IReadOnlyList<DocumentChunk> chunks, double k1 = 1.2, double b = 0.75)
    {
        _chunks = chunks;
        _k1 = k1;
        _b = b;
        _termCounts = new Dictionary<string, int>[chunks.Count];
        _lengths = new int[chunks.Count];
        for (var i = 0; i < chunks.Count; i++)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var term in Terms(chunks[i].Text))
            {
                counts[term] = counts.GetValueOrDefault(term) + 1;
                _lengths[i]++;
            }

            _termCounts[i] = counts;
            foreach (var term in counts.Keys)
            {
                _documentFrequency[term] = _documentFrequency.GetValueOrDefault(term) + 1;
            }
        }

        _averageLength = chunks.Count == 0 ? 0 : Math.Max(1.0, _lengths.Average());
    }

    public int Count => _chunks.Count;

    /// <summary>The best <paramref name="count"/> chunks for the query, best first; chunks sharing no term are left out.</summary>
    public IReadOnlyList<(DocumentChunk Chunk, double Score)> Search(string query, int count)
    {
        var queryTerms = Terms(query).Distinct(StringComparer.Ordinal).ToArray();
        var scored = new List<(DocumentChunk, double)>();
        for (var i = 0; i < _chunks.Count; i++)
        {
            var score = 0.0;
            foreach (var term in queryTerms)
            {
                if (!_termCounts[i].TryGetValue(term, out var frequency))
                {
                    continue;
                }

                var n = _documentFrequency[term];
                var idf = Math.Log(1 + ((_chunks.Count - n + 0.5) / (n + 0.5)));
                score += idf * frequency * (_k1 + 1) / (frequency + (_k1 * (1 - _b + (_b * _lengths[i] / _averageLength))));
            }

            if (score > 0)
            {
                scored.Add((_chunks[i], score));
            }
        }

        return scored.OrderByDescending(s => s.Item2).ThenBy(s => s.Item1.File, StringComparer.Ordinal).ThenBy(s => s.Item1.FirstLine)
            .Take(count).ToArray();
    }

    public static IEnumerable<string> Terms(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                var term = text[start..i].ToLowerInvariant();
                start = -1;
                if (term.Length > 1 && !StopWords.Contains(term))
                {
                    yield return term;
                }
            }
        }
    }
}
