using System.Text.Json;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// What was spent: one JSON line per call that reached a provider (cache hits cost nothing and add no line), in
/// .alchemist/ledger.jsonl. Each line is flushed to disk when its call returns. A call whose cache entry landed but whose
/// ledger line did not (a kill between the two writes) is restored from the cache on the next open.
/// </summary>
public sealed class CostLedger
{
    private static readonly JsonSerializerOptions LineJson = new() { WriteIndented = false };

    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly List<CallRecord> _records = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens the ledger at <paramref name="path"/> (a missing file is an empty ledger, created by the first call). A torn last
    /// line, left by a kill during an append, is skipped; any other line that is not a call throws <see cref="SynthesisException"/>.
    /// </summary>
    public CostLedger(string path)
    {
        _path = path;
        if (!File.Exists(path))
        {
            return;
        }

        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                var record = JsonSerializer.Deserialize<CallRecord>(line, LineJson)
                    ?? throw new SynthesisException($"{path}:{lineNumber}: empty ledger line");
                _records.Add(record);
                _keys.Add(record.Key);
            }
            catch (JsonException error)
            {
                // A kill in the middle of an append can leave a torn last line; anything else is damage worth reporting.
                if (lineNumber == File.ReadLines(path).Count())
                {
                    continue;
                }

                throw new SynthesisException($"{path}:{lineNumber}: ledger line is not valid JSON ({error.Message})", error);
            }
        }
    }

    /// <summary>The ledger file (.alchemist/ledger.jsonl in a project).</summary>
    public string Path => _path;

    /// <summary>Every call on the ledger in the order it was written, without prompts and replies; a copy, safe to read while calls run.</summary>
    public IReadOnlyList<CallRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return _records.ToArray();
            }
        }
    }

    /// <summary>What the project has spent on LLM calls, in US dollars: the sum of every line's <see cref="CallRecord.CostUsd"/>.</summary>
    public decimal TotalCostUsd
    {
        get
        {
            lock (_gate)
            {
                return _records.Sum(r => r.CostUsd);
            }
        }
    }

    internal void Append(CallRecord record)
    {
        var line = JsonSerializer.Serialize(record.WithoutContent(), LineJson);
        lock (_gate)
        {
            if (!_keys.Add(record.Key))
            {
                return;
            }

            AtomicFile.AppendLine(_path, line);
            _records.Add(record.WithoutContent());
        }
    }

    /// <summary>Adds cache entries that have no ledger line (the process died between the two writes).</summary>
    public int Reconcile(ResponseCache cache)
    {
        var restored = 0;
        foreach (var record in cache.Entries.OrderBy(r => r.FinishedAt))
        {
            bool missing;
            lock (_gate)
            {
                missing = !_keys.Contains(record.Key);
            }

            if (missing)
            {
                Append(record);
                restored++;
            }
        }

        return restored;
    }
}
