using Alchemist.Spec;
using Xunit;

namespace Alchemist.Core.Tests.Spec;

public sealed class IdHashesTests
{
    [Fact]
    public void Repeats_are_found_within_a_block_across_blocks_and_in_the_last_partial_block()
    {
        // Blocks of 4: [9 3 7 3] [1 9 5 2] [8 6 5] — 3 repeats in the first block, 9 across the first two, 5 across the last two.
        var hashes = new IdHashes(blockLength: 4);
        foreach (var hash in new long[] { 9, 3, 7, 3, 1, 9, 5, 2, 8, 6, 5 })
        {
            hashes.Add(hash);
        }

        Assert.Equal([3L, 5L, 9L], hashes.TakeRepeated().Order());
    }

    [Fact]
    public void Distinct_hashes_have_no_repeats_whether_in_one_block_or_many()
    {
        foreach (var blockLength in new[] { 1, 3, 1000 })
        {
            var hashes = new IdHashes(blockLength);
            foreach (var hash in new long[] { long.MinValue, -1, 0, 1, long.MaxValue, 42 })
            {
                hashes.Add(hash);
            }

            Assert.Empty(hashes.TakeRepeated());
        }
    }

    [Fact]
    public void A_hash_added_three_times_is_one_repeat_and_none_added_gives_none()
    {
        var hashes = new IdHashes(blockLength: 2);
        Assert.Empty(hashes.TakeRepeated());
        foreach (var hash in new long[] { 5, 5, 5 })
        {
            hashes.Add(hash);
        }

        Assert.Equal([5L], hashes.TakeRepeated());
    }
}
