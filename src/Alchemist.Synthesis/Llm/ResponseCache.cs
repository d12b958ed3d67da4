using System.Collections.Concurrent;
using System.Text.Json;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Every finished call, one JSON file per content address under the project's .alchemist/cache. Each file is written
/// atomically the moment its call returns, so a process killed mid-synthesis loses no finished call.
/// </summary>
public sealed class ResponseCache
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string _folder;
    private readonly ConcurrentDictionary<string, CallRecord> _byKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallRecord> _byContent = new(StringComparer.Ordinal);

    public ResponseCache(string folder)
    {
        _folder = folder;
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
        {
            CallRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<CallRecord>(File.ReadAllText(file), Json);
            }
            catch (JsonException error)
            {
                throw new SynthesisException($"{file}: cache entry is not valid JSON ({error.Message}); delete it to redo that call", error);
            }

            if (record?.Reply is null || record.Key + ".json" != Path.GetFileName(file))
            {
                throw new SynthesisException($"{file}: cache entry lacks its reply or does not match its file name; delete it to redo that call");
            }

            Index(record);
        }
    }

    public string Folder => _folder;

    public int Count => _byKey.Count;

    public IEnumerable<CallRecord> Entries => _byKey.Values;

    public bool TryGet(LlmRequest request, out CallRecord record) => _byKey.TryGetValue(request.Key, out record!);

    /// <summary>Any provider's recording of the same model, messages, settings and sample.</summary>
    public bool TryGetAnyProvider(LlmRequest request, out CallRecord record) =>
        _byKey.TryGetValue(request.Key, out record!) || _byContent.TryGetValue(request.ContentKey, out record!);

    public void Store(CallRecord record)
    {
        if (record.Reply is null || record.Messages is null)
        {
            throw new ArgumentException("a cache entry needs its messages and reply", nameof(record));
        }

        AtomicFile.WriteAllText(Path.Combine(_folder, record.Key + ".json"), JsonSerializer.Serialize(record, Json));
        Index(record);
    }

    private void Index(CallRecord record)
    {
        _byKey[record.Key] = record;
        _byContent.TryAdd(record.ContentKey, record);
    }
}
