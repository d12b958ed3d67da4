using Xunit;

namespace Alchemist.Pipeline.Tests;

public sealed class PrefetchTests
{
    [Fact]
    public void Items_come_in_order_and_are_made_ahead_on_another_thread()
    {
        var consumer = Environment.CurrentManagedThreadId;
        var producers = new HashSet<int>();
        IEnumerable<int> Items()
        {
            for (var i = 0; i < 100; i++)
            {
                lock (producers)
                {
                    producers.Add(Environment.CurrentManagedThreadId);
                }

                yield return i;
            }
        }

        Assert.Equal(Enumerable.Range(0, 100), Prefetch.Ahead(Items(), 2, CancellationToken.None).ToList());
        Assert.DoesNotContain(consumer, producers);
    }

    [Fact]
    public void A_fault_reaches_the_consumer_after_the_items_before_it()
    {
        IEnumerable<int> Items()
        {
            yield return 1;
            yield return 2;
            throw new InvalidDataException("row 3 is bad");
        }

        var seen = new List<int>();
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var item in Prefetch.Ahead(Items(), 2, CancellationToken.None))
            {
                seen.Add(item);
            }
        });
        Assert.Equal("row 3 is bad", error.Message);
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void A_consumer_that_stops_early_stops_the_producer()
    {
        var made = 0;
        IEnumerable<int> Endless()
        {
            while (true)
            {
                Interlocked.Increment(ref made);
                yield return made;
            }
        }

        Assert.Equal(3, Prefetch.Ahead(Endless(), 2, CancellationToken.None).Take(3).Count());
        var after = Volatile.Read(ref made);
        Thread.Sleep(50);
        Assert.Equal(after, Volatile.Read(ref made));
        Assert.InRange(after, 3, 3 + 2 + 1);
    }
}
