using System.Globalization;
using Alchemist.Data;
using Alchemist.Programs.Apply;
using Xunit;

namespace Alchemist.Cluster.Tests;

/// <summary>The pieces of a cluster apply that need no cluster: shards, their rows, their files and the columns put together.</summary>
public sealed class ShardTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "alchemist-shards-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_gateway_nobody_answers_is_a_user_error_within_the_connect_timeout()
    {
        // A port just freed: nothing listens on it.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var project = ClusterProject.Make(_folder, rows: 100);
        await using var apply = new ClusterApply([new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)], new ClusterApplyOptions { ConnectTimeout = TimeSpan.FromSeconds(2) });
        // Without the timeout the client waited for ever; this bound turns that into a cancellation, not the error asserted.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<UserError>(() => apply.ApplyAsync(Spec.SpecReader.Load(project), 100, _ => { }, null, bound.Token));

        Assert.StartsWith($"cannot connect to the cluster at 127.0.0.1:{port} (the silos' gateway ports): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_is_cut_into_even_consecutive_shards_at_least_one_per_silo()
    {
        Assert.Equal([new ShardRange(0, 4), new ShardRange(4, 3), new ShardRange(7, 3)], ShardRange.Cut(10, 4));
        Assert.Equal([new ShardRange(0, 100_000), new ShardRange(100_000, 100_000)], ShardRange.Cut(200_000, 100_000));
        // Three silos and one shard's worth of rows: three shards, so no silo idles.
        Assert.Equal([new ShardRange(0, 34), new ShardRange(34, 33), new ShardRange(67, 33)], ShardRange.Cut(100, 100_000, minShards: 3));
        // Never an empty shard.
        Assert.Equal([new ShardRange(0, 1), new ShardRange(1, 1)], ShardRange.Cut(2, 100, minShards: 3));
        Assert.Empty(ShardRange.Cut(0, 100, 3));
        var million = ShardRange.Cut(1_000_000, 100_000, 3);
        Assert.Equal(10, million.Count);
        Assert.Equal(1_000_000, million.Sum(s => (long)s.Count));
        Assert.Equal("rows 100,000-199,999", million[1].ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(100)]
    public void A_row_range_reads_its_rows_numbered_from_zero_whatever_the_batch_size(int batchSize)
    {
        var range = new RowRangeSource(new RowsSource(10), 3, 4);
        var batches = range.ReadBatches(batchSize).ToList();
        Assert.All(batches, b => Assert.InRange(b.Count, 1, batchSize));
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => batches.Take(i).Sum(b => (long)b.Count)), batches.Select(b => b.FirstRow));
        Assert.Equal(["r3", "r4", "r5", "r6"], batches.SelectMany(b => b.RowIds));
        Assert.Equal(["text 3", "text 4", "text 5", "text 6"], batches.SelectMany(b => b.Text("text")));
        Assert.Equal([3, 4, 5, 6], batches.SelectMany(b => b.Labels));
        Assert.EndsWith(";rows=3+4", range.ContentHash(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_range_stops_reading_at_its_end_and_fails_past_the_file()
    {
        Assert.Equal(["r8", "r9"], new RowRangeSource(new RowsSource(10), 8, 2).ReadBatches(3).SelectMany(b => b.RowIds));
        var source = new RowsSource(10);
        Assert.Equal(["r0"], new RowRangeSource(source, 0, 1).ReadBatches(4).SelectMany(b => b.RowIds));
        Assert.Equal(4, source.RowsRead);
        var error = Assert.Throws<InvalidDataException>(() => new RowRangeSource(source, 8, 5).ReadBatches(4).ToList());
        Assert.Contains("has 10 rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_file_reads_back_as_written_and_only_for_its_own_shard()
    {
        var output = Output(new ShardRange(100, 3), Ok("a", [0, -1, 1], errors: 1, firstFaultRow: 101, firstFault: "boom"), Disabled("b"), Rejected("c"));
        var path = Path.Combine(_folder, "train-100-3.shard");
        ShardFile.Write(path, output);
        var back = ShardFile.Read(path);
        Assert.Equal((output.ProgramSetHash, output.DataHash, output.Split, output.Range), (back.ProgramSetHash, back.DataHash, back.Split, back.Range));
        Assert.Equal(3, back.Programs.Count);
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(output.Programs[j] with { Votes = null }, back.Programs[j] with { Votes = null });
            Assert.Equal(output.Programs[j].Votes, back.Programs[j].Votes);
        }

        Assert.NotNull(ShardFile.TryRead(path, "set", "data", "train", new ShardRange(100, 3)));
        Assert.Null(ShardFile.TryRead(path, "other set", "data", "train", new ShardRange(100, 3)));
        Assert.Null(ShardFile.TryRead(path, "set", "data", "train", new ShardRange(100, 4)));
        Assert.Null(ShardFile.TryRead(Path.Combine(_folder, "missing.shard"), "set", "data", "train", new ShardRange(100, 3)));

        // Written twice (a retried shard), the file is the same bytes; cut short, it is as good as missing.
        var bytes = File.ReadAllBytes(path);
        ShardFile.Write(path, output);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
        File.WriteAllBytes(path, bytes[..^5]);
        Assert.Null(ShardFile.TryRead(path, "set", "data", "train", new ShardRange(100, 3)));
        Assert.Throws<InvalidDataException>(() => ShardFile.Read(path));
    }

    [Fact]
    public void A_shard_whose_file_is_there_is_not_computed_again()
    {
        // No project at this path: a silo that found the output would not even read the spec.
        var set = ClusterKeys.ProgramSetHash([("a", "hash-a")]);
        var request = new ShardRequest(Path.Combine(_folder, "project"), "train", 0, 2, "data", set, [new ShardProgramRef("a", "hash-a")], false);
        ShardFile.Write(request.OutputPath, new ShardOutput(set, "data", "train", new ShardRange(0, 2), [Ok("a", [1, 0])]));
        using var runner = new ShardRunner("silo", _folder);
        var reply = runner.Run(request, TestContext.Current.CancellationToken);
        Assert.Null(reply.Error);
        Assert.True(reply.Reused);
        Assert.StartsWith(Path.Combine(_folder, "project", ".alchemist", "cluster", set) + Path.DirectorySeparatorChar, request.OutputPath, StringComparison.Ordinal);
        Assert.EndsWith($"{Path.DirectorySeparatorChar}train-0-2.shard", request.OutputPath, StringComparison.Ordinal);

        // Without its file the silo reads the project, which is not there: an error of the shard's own, not a crash.
        var missing = runner.Run(request with { FirstRow = 2 }, TestContext.Current.CancellationToken);
        Assert.False(missing.Reused);
        Assert.Contains("alchemist.yaml", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_refuses_a_request_it_did_not_agree_to_before_reading_or_writing_anything()
    {
        // The ports are not authenticated: a client could name any project, forge the set hash that names the output
        // folder, or ask for programs in the silo's own process.
        var served = Path.Combine(_folder, "served");
        var outside = Path.Combine(_folder, "outside");
        Directory.CreateDirectory(served);
        var set = ClusterKeys.ProgramSetHash([("a", "hash-a")]);
        var good = new ShardRequest(Path.Combine(served, "project"), "train", 0, 2, "data", set, [new ShardProgramRef("a", "hash-a")], false);
        using var runner = new ShardRunner("silo", served);
        Assert.Null(runner.Refusal(good));

        (ShardRequest Request, string Reason)[] attacks =
        [
            (good with { ProjectDirectory = Path.Combine(outside, "project") }, "is not under"),
            (good with { ProjectDirectory = Path.Combine(served, "..", "outside", "project") }, "is not under"),
            (good with { ProjectDirectory = served + "-twin" }, "is not under"),
            (good with { ProgramSetHash = Path.Combine("..", "..", "..", "..", "outside") }, "is not the hash of its programs"),
            (good with { Split = Path.Combine("..", "train") }, "is not a split"),
            (good with { FirstRow = -5 }, "are not a range"),
            (good with { TrustPrograms = true }, "was not started to allow"),
        ];
        foreach (var (request, reason) in attacks)
        {
            var reply = runner.Run(request, TestContext.Current.CancellationToken);
            Assert.Contains(reason, reply.Error, StringComparison.Ordinal);
            Assert.StartsWith("refused by silo silo: ", reply.Error, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(outside), "nothing was written outside the served folder");
        Assert.Empty(Directory.GetFileSystemEntries(served));
        using var trusting = new ShardRunner("silo", served, trustPrograms: true);
        Assert.Null(trusting.Refusal(good with { TrustPrograms = true }));
    }

    [Fact]
    public void Columns_are_put_together_in_row_order_with_faults_summed_and_the_earliest_first()
    {
        // Two programs over 7 rows in three shards, given out of order.
        ShardOutput[] shards =
        [
            Output(new ShardRange(3, 2), Ok("a", [1, 1], errors: 1, firstFaultRow: 4, firstFault: "second"), Ok("b", [-1, -1])),
            Output(new ShardRange(0, 3), Ok("a", [0, -1, 1], budget: 1, firstFaultRow: 2, firstFault: "first"), Ok("b", [0, 0, 0])),
            Output(new ShardRange(5, 2), Ok("a", [-1, 0], errors: 2, firstFaultRow: 5, firstFault: "third"), Ok("b", [1, -1], time: 2)),
        ];
        // Shares: a has 4 faults in 7 rows; the limit is lifted here to see the sums.
        var columns = ColumnAssembly.Assemble(shards, 7, maxFaultShare: 1, minRowsBeforeDisabling: 1);
        Assert.Equal(["a", "b"], columns.Select(c => c.Name));
        var a = columns[0].Column!;
        Assert.Equal([0, -1, 1, 1, 1, -1, 0], a.Votes);
        Assert.Equal((3, 1, 2L, "first"), (a.Errors, a.BudgetExceeded, a.FirstFaultRow, a.FirstFault));
        Assert.Equal(TimeSpan.FromSeconds(3), a.Time);
        var b = columns[1].Column!;
        Assert.Equal([0, 0, 0, -1, -1, 1, -1], b.Votes);
        Assert.Equal((0, 0, -1L, (string?)null), (b.Errors, b.BudgetExceeded, b.FirstFaultRow, b.FirstFault));
        Assert.Equal(TimeSpan.FromSeconds(4), b.Time);

        Assert.Throws<ArgumentException>(() => ColumnAssembly.Assemble(shards[..2], 7, 1, 1));
        Assert.Throws<ArgumentException>(() => ColumnAssembly.Assemble(shards, 8, 1, 1));
    }

    [Fact]
    public void A_program_disabled_on_a_shard_or_possibly_over_the_fault_share_is_left_to_the_local_apply()
    {
        // 1,000 rows in two shards, a limit of 5 %: "steady" fails on 5 rows of each, which stays under the limit even if the
        // second shard's 5 came first (10 / 505); "late" fails on 40 of the second shard's rows, which could be its first 40:
        // 40 / 540 = 7.4 % there, over the limit, though 4 % of all rows (the local apply, reading the rows, decides); "off"
        // was disabled on the first shard.
        var first = new ShardRange(0, 500);
        var second = new ShardRange(500, 500);
        ShardOutput[] shards =
        [
            Output(first, Ok("steady", new sbyte[500], errors: 5, firstFaultRow: 7, firstFault: "x"), Ok("late", new sbyte[500]), Disabled("off")),
            Output(second, Ok("steady", new sbyte[500], budget: 5, firstFaultRow: 600, firstFault: "y"), Ok("late", new sbyte[500], errors: 40, firstFaultRow: 510, firstFault: "z"), Ok("off", new sbyte[500])),
        ];
        var columns = ColumnAssembly.Assemble(shards, 1000, maxFaultShare: 0.05, minRowsBeforeDisabling: 200);
        Assert.NotNull(columns[0].Column);
        Assert.Equal((5, 5, 7L), (columns[0].Column!.Errors, columns[0].Column!.BudgetExceeded, columns[0].Column!.FirstFaultRow));
        Assert.Null(columns[1].Column);
        Assert.Contains("7.4 %", columns[1].LeftToLocal, StringComparison.Ordinal);
        Assert.Null(columns[2].Column);
        Assert.Equal("disabled on rows 0-499: too many faults", columns[2].LeftToLocal);
    }

    [Fact]
    public void Endpoints_are_read_as_host_and_port()
    {
        var endpoints = ClusterEndpoints.Parse("127.0.0.1:30000, localhost:30001", "--cluster");
        Assert.Equal(["127.0.0.1:30000", "127.0.0.1:30001"], endpoints.Select(e => e.ToString()));
        Assert.Contains("not host:port", Assert.Throws<UserError>(() => ClusterEndpoints.Parse("127.0.0.1", "--cluster")).Message, StringComparison.Ordinal);
        Assert.Contains("not host:port", Assert.Throws<UserError>(() => ClusterEndpoints.Parse("127.0.0.1:70000", "--cluster")).Message, StringComparison.Ordinal);
        Assert.Throws<UserError>(() => ClusterEndpoints.Parse(" , ", "--cluster"));
    }

    [Fact]
    public void A_retried_shard_is_the_same_grain_and_a_program_set_ignores_order()
    {
        var set = ClusterKeys.ProgramSetHash([("a", "1"), ("b", "2")]);
        Assert.Equal(set, ClusterKeys.ProgramSetHash([("b", "2"), ("a", "1")]));
        Assert.NotEqual(set, ClusterKeys.ProgramSetHash([("a", "1"), ("b", "3")]));
        Assert.Equal(ClusterKeys.GrainKey(set, "data", "train", new ShardRange(5, 10)), ClusterKeys.GrainKey(set, "data", "train", new ShardRange(5, 10)));
        Assert.NotEqual(ClusterKeys.GrainKey(set, "data", "train", new ShardRange(5, 10)), ClusterKeys.GrainKey(set, "data2", "train", new ShardRange(5, 10)));
    }

    private static ShardOutput Output(ShardRange range, params ShardProgramOutput[] programs) => new("set", "data", "train", range, programs);

    private static ShardProgramOutput Ok(string name, sbyte[] votes, int errors = 0, int budget = 0, long firstFaultRow = -1, string? firstFault = null, int time = 1) =>
        new(name, "hash-" + name, ShardProgramStatus.Ok, null, errors, budget, firstFaultRow, firstFault, TimeSpan.FromSeconds(time), votes);

    private static ShardProgramOutput Disabled(string name) =>
        new(name, "hash-" + name, ShardProgramStatus.Disabled, "too many faults", 300, 0, 0, "boom", TimeSpan.FromSeconds(1), null);

    private static ShardProgramOutput Rejected(string name) =>
        new(name, "hash-" + name, ShardProgramStatus.Rejected, "CS0103: no such name", 0, 0, -1, null, TimeSpan.Zero, null);

    /// <summary>Rows r0, r1, ... with text "text r" and gold label r, in batches as asked; counts the rows it handed out.</summary>
    private sealed class RowsSource(int rows) : IDataSource
    {
        public int RowsRead { get; private set; }

        public string Path => "rows.jsonl";

        public string Format => "memory";

        public IReadOnlyList<string>? ClassNames => null;

        public string ContentHash() => "rows";

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
        {
            for (var first = 0; first < rows; first += batchSize)
            {
                var count = Math.Min(batchSize, rows - first);
                RowsRead += count;
                var ids = Enumerable.Range(first, count).ToArray();
                yield return new DataBatch(
                    first,
                    [.. ids.Select(r => "r" + r.ToString(CultureInfo.InvariantCulture))],
                    new Dictionary<string, string[]> { ["text"] = [.. ids.Select(r => "text " + r.ToString(CultureInfo.InvariantCulture))] },
                    new Dictionary<string, double[]>(),
                    ids);
            }
        }
    }
}
