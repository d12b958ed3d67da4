using Alchemist.Data;

namespace Alchemist.Bench;

/// <summary>
/// Generated YouTube-style comments, a fixed function of (seed, row): some ham, some spam with URLs, e-mail addresses,
/// phone numbers, spam keywords and runs of '!'. As a data source it produces rows batch by batch, so 10 million rows
/// never sit in memory.
/// </summary>
internal sealed class ApplyCorpus(long rows, int seed) : IDataSource
{
    private static readonly string[] Openers = ["I love", "this is", "wow", "omg", "honestly", "who else thinks", "my kids like", "lol", "best", "can't stop playing"];
    private static readonly string[] Subjects = ["this song", "the video", "her voice", "the beat", "this channel", "the ending", "the dance", "the lyrics"];
    private static readonly string[] Tails = ["so much", "forever", "every day", "since 2012", "on repeat", "with my friends", "", "tbh"];
    private static readonly string[] SpamBits =
    [
        "check out my channel", "subscribe to me", "free gift cards at", "win a free iphone", "click here", "giveaway today",
        "make money from home", "visit", "follow me on", "promo code",
    ];

    private static readonly string[] Domains = ["http://bit.ly/x{0}", "https://www.example{0}.com/offer", "www.win{0}.net", "http://tinyurl.com/{0}"];

    public string Path => $"generated-comments({rows},{seed})";

    public string Format => "generated";

    public IReadOnlyList<string>? ClassNames => null;

    public static string[] Texts(int rows, int seed)
    {
        var texts = new string[rows];
        for (var i = 0; i < rows; i++)
        {
            texts[i] = Comment(seed, i);
        }

        return texts;
    }

    public static string Comment(int seed, long row)
    {
        // HashCode.Combine is seeded per process; the corpus must be the same in every process and run.
        var random = new Random(unchecked((int)Mix(((ulong)(uint)seed << 40) ^ (ulong)row)));
        var kind = random.Next(10);
        if (kind < 6)
        {
            var ham = $"{Pick(random, Openers)} {Pick(random, Subjects)} {Pick(random, Tails)}";
            return random.Next(8) == 0 ? ham + "!!!" : ham;
        }

        return kind switch
        {
            6 => $"{Pick(random, SpamBits)} {string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(random, Domains), random.Next(1000))}",
            7 => $"{Pick(random, SpamBits)}, mail me at user{random.Next(10_000)}@mail{random.Next(50)}.com",
            8 => $"call {random.Next(200, 999)}-{random.Next(100, 999)}-{random.Next(1000, 9999)} to {Pick(random, SpamBits)}",
            _ => $"{Pick(random, SpamBits)} {Pick(random, Subjects)}" + new string('!', random.Next(1, 6)),
        };
    }

    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        for (long start = 0; start < rows; start += batchSize)
        {
            var count = (int)Math.Min(batchSize, rows - start);
            var texts = new string[count];
            for (var i = 0; i < count; i++)
            {
                texts[i] = Comment(seed, start + i);
            }

            var ids = new string[count];
            Array.Fill(ids, string.Empty);
            yield return new DataBatch(start, ids, new Dictionary<string, string[]> { ["text"] = texts }, new Dictionary<string, double[]>(), new int[count]);
        }
    }

    public string ContentHash() => $"generated-comments-v1;rows={rows};seed={seed}";

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];
}
