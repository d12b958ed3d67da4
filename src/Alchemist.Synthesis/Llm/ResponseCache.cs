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

    /// <summary>
    /// Opens the cache in <paramref name="folder"/> and indexes every entry (a missing folder is an empty cache). An entry that
    /// is not valid JSON, lacks its reply or does not match its file name throws <see cref="SynthesisException"/>.
    /// </summary>
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

    /// <summary>The folder of entries, one &lt;key&gt;.json per call.</summary>
    public string Folder => _folder;

    /// <summary>Number of calls recorded.</summary>
    public int Count => _byKey.Count;

    /// <summary>Every recorded call with its prompt and reply, in no particular order.</summary>
    public IEnumerable<CallRecord> Entries => _byKey.Values;

    /// <summary>This provider's recording of the call (by <see cref="LlmRequest.Key"/>); false when there is none.</summary>
    public bool TryGet(LlmRequest request, out CallRecord record) => _byKey.TryGetValue(request.Key, out record!);

    /// <summary>Any provider's recording of the same model, messages, settings and sample.</summary>
    public bool TryGetAnyProvider(LlmRequest request, out CallRecord record) =>
        _byKey.TryGetValue(request.Key, out record!) || _byContent.TryGetValue(request.ContentKey, out record!);

    /// <summary>
    /// Writes a finished call's entry atomically and indexes it, replacing an entry with the same key. A record without its
    /// messages or reply throws <see cref="ArgumentException"/>.
    /// </summary>
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
