namespace Alchemist.Programs.Apply;

/// <summary>
/// One program's votes while the input streams in and its length is not yet known: fixed blocks of 2^16 votes, so growing
/// never copies, and different threads may write disjoint row ranges at once. The blocks stay below the large object
/// threshold: large blocks on every apply would bring full collections of the caller's whole heap (its texts) with them.
/// </summary>
internal sealed class ColumnBuilder
{
    private const int BlockBits = 16;
    private const int BlockSize = 1 << BlockBits;
    private readonly List<sbyte[]> _blocks = [];
    private readonly Lock _grow = new();

    public void Write(long firstRow, ReadOnlySpan<sbyte> votes)
    {
        while (!votes.IsEmpty)
        {
            var block = Block((int)(firstRow >> BlockBits));
            var offset = (int)(firstRow & (BlockSize - 1));
            var take = Math.Min(votes.Length, BlockSize - offset);
            votes[..take].CopyTo(block.AsSpan(offset));
            votes = votes[take..];
            firstRow += take;
        }
    }

    /// <summary>Copies the first <paramref name="rows"/> votes into one array and releases the blocks.</summary>
    public sbyte[] ToArray(int rows)
    {
        var column = GC.AllocateUninitializedArray<sbyte>(rows);
        for (long start = 0; start < rows; start += BlockSize)
        {
            var take = (int)Math.Min(BlockSize, rows - start);
            var index = (int)(start >> BlockBits);
            if (index < _blocks.Count && _blocks[index] is { } block)
            {
                block.AsSpan(0, take).CopyTo(column.AsSpan((int)start));
                _blocks[index] = null!;
            }
            else
            {
                column.AsSpan((int)start, take).Fill(Labeling.LabelMatrix.Abstain);
            }
        }

        _blocks.Clear();
        return column;
    }

    private sbyte[] Block(int index)
    {
        lock (_grow)
        {
            while (_blocks.Count <= index)
            {
                var block = GC.AllocateUninitializedArray<sbyte>(BlockSize);
                block.AsSpan().Fill(Labeling.LabelMatrix.Abstain);
                _blocks.Add(block);
            }

            return _blocks[index];
        }
    }
}
