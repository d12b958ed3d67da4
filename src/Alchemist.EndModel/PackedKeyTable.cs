using System.Runtime.CompilerServices;
namespace Alchemist.EndModel;

/// <summary>
/// A map from 64-bit keys (packed characters, pairs of word ids) to slots numbered in order of insertion: open addressing
/// with linear probing over one array, a lookup a multiply and a probe or two. Featurizing a row looks up every character
/// n-gram of it; through <see cref="Dictionary{TKey, TValue}"/> with a hashing comparer that ran at 145,000 rows/s on one core.
/// </summary>
internal sealed class PackedKeyTable
{
    // Key and slot side by side: a probe touches one cache line, not two (the table of a large vocabulary is far bigger than the caches).
    private Entry[] _entries;
    private int _mask;

    public PackedKeyTable(int capacity = 16)
    {
        var size = 16;
        while (size < capacity * 2)
        {
            size *= 2;
        }

        _entries = new Entry[size];
        _mask = size - 1;
    }

    public int Count { get; private set; }

    /// <summary>The key's slot, or -1 when it is not in the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Find(ulong key)
    {
        for (var i = Hash(key) & _mask; ; i = (i + 1) & _mask)
        {
            ref readonly var entry = ref _entries[i];
            if (entry.Slot == 0)
            {
                return -1;
            }

            if (entry.Key == key)
            {
                return entry.Slot - 1;
            }
        }
    }

    /// <summary>Adds the key with the next slot unless it is there already.</summary>
    public void Add(ulong key)
    {
        if ((Count + 1) * 2 > _entries.Length)
        {
            Grow();
        }

        for (var i = Hash(key) & _mask; ; i = (i + 1) & _mask)
        {
            ref var entry = ref _entries[i];
            if (entry.Slot == 0)
            {
                entry = new Entry(key, ++Count);
                return;
            }

            if (entry.Key == key)
            {
                return;
            }
        }
    }

    /// <summary>The keys in slot order, as <see cref="Add"/> numbered them.</summary>
    public ulong[] KeysInOrder()
    {
        var keys = new ulong[Count];
        foreach (var entry in _entries)
        {
            if (entry.Slot != 0)
            {
                keys[entry.Slot - 1] = entry.Key;
            }
        }

        return keys;
    }

    private void Grow()
    {
        var entries = _entries;
        _entries = new Entry[entries.Length * 2];
        _mask = _entries.Length - 1;
        foreach (var entry in entries)
        {
            if (entry.Slot != 0)
            {
                var j = Hash(entry.Key) & _mask;
                while (_entries[j].Slot != 0)
                {
                    j = (j + 1) & _mask;
                }

                _entries[j] = entry;
            }
        }
    }

    // Packed characters and word ids are small numbers in each 16 or 32 bits; the multiply spreads them over the high bits.
    private static int Hash(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32);

    /// <summary>A key and its slot plus one (0: the entry is empty).</summary>
    private readonly record struct Entry(ulong Key, int Slot);
}
