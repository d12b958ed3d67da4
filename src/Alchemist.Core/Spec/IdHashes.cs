namespace Alchemist.Spec;

/// <summary>
/// The 64-bit hashes of a streamed split's row ids, kept to find the ones that repeat. They are held in fixed blocks, each
/// sorted on its own and then merged, rather than in one growing list sorted whole: at 10 million rows the list's last
/// doubling held its old and new arrays at once (200 MB for 80 MB of hashes), the largest thing the run's reading held,
/// and memory the process kept through the apply.
/// </summary>
internal sealed class IdHashes
{
    private readonly List<long[]> _blocks = [];
    private readonly int _blockLength;
    private int _inLastBlock;

    /// <param name="blockLength">Hashes per block: 8 MB of them by default.</param>
    public IdHashes(int blockLength = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 1);
        _blockLength = blockLength;
        _inLastBlock = _blockLength;
    }

    public void Add(long hash)
    {
        if (_inLastBlock == _blockLength)
        {
            _blocks.Add(new long[_blockLength]);
            _inLastBlock = 0;
        }

        _blocks[^1][_inLastBlock++] = hash;
    }

    /// <summary>The hashes added more than once; the blocks are released, so this is called once.</summary>
    public HashSet<long> TakeRepeated()
    {
        var blocks = _blocks.Select((block, b) => b == _blocks.Count - 1 ? block.AsMemory(0, _inLastBlock) : block.AsMemory()).ToList();
        foreach (var block in blocks)
        {
            block.Span.Sort();
        }

        var repeated = new HashSet<long>();
        if (blocks.Count == 1)
        {
            var sorted = blocks[0].Span;
            for (var i = 1; i < sorted.Length; i++)
            {
                if (sorted[i] == sorted[i - 1])
                {
                    repeated.Add(sorted[i]);
                }
            }

            Release();
            return repeated;
        }

        // Merged through a queue of each block's next hash: equal hashes come out one after another, whichever blocks hold them.
        var next = new int[blocks.Count];
        var queue = new PriorityQueue<int, long>();
        for (var b = 0; b < blocks.Count; b++)
        {
            if (blocks[b].Length > 0)
            {
                queue.Enqueue(b, blocks[b].Span[0]);
            }
        }

        long? previous = null;
        while (queue.TryDequeue(out var b, out var hash))
        {
            if (hash == previous)
            {
                repeated.Add(hash);
            }

            previous = hash;
            if (++next[b] < blocks[b].Length)
            {
                queue.Enqueue(b, blocks[b].Span[next[b]]);
            }
        }

        Release();
        return repeated;
    }

    private void Release()
    {
        _blocks.Clear();
        _inLastBlock = _blockLength;
    }
}
