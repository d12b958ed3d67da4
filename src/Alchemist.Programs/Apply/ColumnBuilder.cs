namespace Alchemist.Programs.Apply;

/// <summary>
/// One program's votes while the input streams in and its length is not yet known: fixed blocks of 2^16 votes, so growing
/// never copies, and different threads may write disjoint row ranges at once. The blocks stay below the large object
/// threshold: large blocks on every apply would bring full collections of the caller's whole heap (its texts) with them.
/// When the caller knows how many rows come (a streamed train split was counted as it was checked), those rows go into one
/// array of that length from the start, and only rows past it into blocks: at 10 million rows the blocks and the arrays
/// they were copied into held 320 MB at the apply's end for 160 MB of votes, memory the process kept through the label model.
/// </summary>
internal sealed class ColumnBuilder
{
    private const int BlockBits = 16;
    private const int BlockSize = 1 << BlockBits;
    private readonly List<sbyte[]> _blocks = [];
    private readonly Lock _grow = new();

    /// <summary>The first rows, as many as were expected; the blocks hold the rows after them.</summary>
    private sbyte[] _head;

    /// <param name="expectedRows">The rows the split is known to have; 0 when unknown.</param>
    public ColumnBuilder(int expectedRows = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRows);
        _head = expectedRows == 0 ? [] : GC.AllocateUninitializedArray<sbyte>(expectedRows);
        _head.AsSpan().Fill(Labeling.LabelMatrix.Abstain);
    }

    public void Write(long firstRow, ReadOnlySpan<sbyte> votes)
    {
        if (firstRow < _head.Length)
        {
            var inHead = (int)Math.Min(votes.Length, _head.Length - firstRow);
            votes[..inHead].CopyTo(_head.AsSpan((int)firstRow));
            votes = votes[inHead..];
            firstRow += inHead;
        }

        var tailRow = firstRow - _head.Length;
        while (!votes.IsEmpty)
        {
            var block = Block((int)(tailRow >> BlockBits));
            var offset = (int)(tailRow & (BlockSize - 1));
            var take = Math.Min(votes.Length, BlockSize - offset);
            votes[..take].CopyTo(block.AsSpan(offset));
            votes = votes[take..];
            tailRow += take;
        }
    }

    /// <summary>The first <paramref name="rows"/> votes as one array (the expected rows' own array when they were all); the blocks are released.</summary>
    public sbyte[] ToArray(int rows)
    {
        var head = _head;
        _head = [];
        if (rows == head.Length && _blocks.Count == 0)
        {
            return head;
        }

        var column = GC.AllocateUninitializedArray<sbyte>(rows);
        var fromHead = Math.Min(rows, head.Length);
        head.AsSpan(0, fromHead).CopyTo(column);
        for (long start = 0; fromHead + start < rows; start += BlockSize)
        {
            var take = (int)Math.Min(BlockSize, rows - fromHead - start);
            var index = (int)(start >> BlockBits);
            var into = column.AsSpan(fromHead + (int)start, take);
            if (index < _blocks.Count && _blocks[index] is { } block)
            {
                block.AsSpan(0, take).CopyTo(into);
                _blocks[index] = null!;
            }
            else
            {
                into.Fill(Labeling.LabelMatrix.Abstain);
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
