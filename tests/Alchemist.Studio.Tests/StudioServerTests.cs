using System.Net;
using System.Text.Json;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Pipeline;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>The studio served over HTTP on the bundled example after one run: its doors, its table and its evidence.</summary>
public sealed class StudioServerTests(StudioServerTests.ServedExample served) : IClassFixture<StudioServerTests.ServedExample>
{
    public sealed class ServedExample : IAsyncLifetime
    {
        public string Directory { get; } = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-studio-" + Guid.NewGuid().ToString("N")));

        public StudioServer Server { get; private set; } = null!;

        public StudioProject Project { get; private set; } = null!;

        public HttpClient Client { get; } = new(new HttpClientHandler { UseCookies = false });

        public async ValueTask InitializeAsync()
        {
            await new RunPipeline(TextWriter.Null).RunAsync(Directory);
            Project = StudioProject.Load(Directory);
            Server = await StudioServer.StartAsync(Project);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Server.DisposeAsync();
            Project.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private Task<HttpResponseMessage> Get(string path, string? token = null, string? host = null, string? origin = null, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(served.Server.Address, path));
        if (token is not null)
        {
            request.Headers.Add(StudioAccess.HeaderName, token);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return served.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Every_door_is_shut_without_the_token_or_from_a_foreign_host_or_origin()
    {
        var token = served.Server.Access.Token;
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get("/api/programs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get("/api/programs", token, host: "evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get("/api/programs", token, origin: "http://evil.example")).StatusCode);
        var refused = await Get("/api/programs", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain(token, await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Get("/api/programs", token)).StatusCode);
    }

    [Fact]
    public async Task The_printed_address_sets_a_same_site_http_only_cookie_that_the_pages_requests_carry()
    {
        var page = await Get(served.Server.PageAddress.PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookie = Assert.Single(page.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("DENY", Assert.Single(page.Headers.GetValues("X-Frame-Options")));
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<title>Alchemist studio</title>", html, StringComparison.Ordinal);
        // Row texts and program names are data: the page never turns them into markup.
        Assert.DoesNotContain("innerHTML", html, StringComparison.Ordinal);

        var withCookie = await Get("/api/project", cookie: cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        using var project = JsonDocument.Parse(await withCookie.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["HAM", "SPAM"], project.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        // The example's valid split: 120 rows, 64 of them HAM.
        Assert.Equal(64 / 120.0, project.RootElement.GetProperty("validMajorityAccuracy").GetDouble(), 12);
    }

    [Fact]
    public async Task The_programs_table_gives_each_programs_figures_as_its_votes_and_valids_gold_say()
    {
        var response = await Get("/api/programs", served.Server.Access.Token);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var rows = json.RootElement.EnumerateArray().ToArray();

        // Counted here from the files the run wrote, without the studio's code.
        var spec = SpecReader.Load(served.Directory);
        var trainVotes = LabelMatrixFile.Read(ProjectApply.MatrixPath(served.Directory, SplitName.Train));
        var validVotes = LabelMatrixFile.Read(ProjectApply.MatrixPath(served.Directory, SplitName.Valid));
        var gold = SpecData.LoadDataset(spec).Valid!.Rows.Labels;
        Assert.Equal(trainVotes.ProgramNames, rows.Select(r => r.GetProperty("name").GetString()));
        for (var j = 0; j < rows.Length; j++)
        {
            var column = validVotes.Column(j).ToArray();
            var right = column.Where((v, r) => v != LabelMatrix.Abstain && gold[r] >= 0 && v == gold[r]).Count();
            var wrong = column.Where((v, r) => v != LabelMatrix.Abstain && gold[r] >= 0 && v != gold[r]).Count();
            var train = trainVotes.Column(j).ToArray();
            Assert.Equal(right, rows[j].GetProperty("validRight").GetInt32());
            Assert.Equal(wrong, rows[j].GetProperty("validWrong").GetInt32());
            Assert.Equal(train.Count(v => v != LabelMatrix.Abstain) / (double)train.Length, rows[j].GetProperty("coverage").GetDouble(), 12);
            Assert.Equal("active", rows[j].GetProperty("state").GetString());
            Assert.InRange(rows[j].GetProperty("estimatedAccuracy").GetDouble(), 0, 1);
        }
    }

    [Fact]
    public async Task The_project_views_count_uncovered_and_conflicting_rows_and_each_classs_coverage_as_the_votes_say()
    {
        using var views = JsonDocument.Parse(await (await Get("/api/views", served.Server.Access.Token)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = views.RootElement;

        // Counted here from the run's train vote file.
        var votes = LabelMatrixFile.Read(ProjectApply.MatrixPath(served.Directory, SplitName.Train));
        var rows = Enumerable.Range(0, votes.Rows).Select(r => Enumerable.Range(0, votes.Programs).Select(j => votes[r, j]).Where(v => v != LabelMatrix.Abstain).ToArray()).ToArray();
        Assert.Equal(votes.Rows, root.GetProperty("trainRows").GetInt32());
        Assert.Equal(rows.Count(v => v.Length == 0), root.GetProperty("uncovered").GetInt64());
        Assert.Equal(rows.Count(v => v.Distinct().Count() > 1), root.GetProperty("conflicting").GetInt64());
        Assert.Equal(Math.Min(StudioProject.EvidenceRows, rows.Count(v => v.Length == 0)), root.GetProperty("uncoveredRows").GetArrayLength());
        var classes = root.GetProperty("classes").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("coverage").GetDouble());
        Assert.Equal(rows.Count(v => v.Contains((sbyte)0)) / (double)votes.Rows, classes["HAM"], 12);
        Assert.Equal(rows.Count(v => v.Contains((sbyte)1)) / (double)votes.Rows, classes["SPAM"], 12);
    }

    [Fact]
    public async Task A_programs_evidence_is_its_right_and_wrong_valid_rows_and_path_tricks_name_no_program()
    {
        var token = served.Server.Access.Token;
        using var table = JsonDocument.Parse(await (await Get("/api/programs", token)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var program = table.RootElement.EnumerateArray().First(r => r.GetProperty("validWrong").GetInt32() > 0);
        var name = program.GetProperty("name").GetString()!;

        var response = await Get($"/api/programs/{name}/evidence", token);
        using var evidence = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var wrong = evidence.RootElement.GetProperty("wrong").EnumerateArray().ToArray();
        var right = evidence.RootElement.GetProperty("right").EnumerateArray().ToArray();
        Assert.Equal(Math.Min(StudioProject.EvidenceRows, program.GetProperty("validWrong").GetInt32()), wrong.Length);
        Assert.Equal(Math.Min(StudioProject.EvidenceRows, program.GetProperty("validRight").GetInt32()), right.Length);
        Assert.All(wrong, r => Assert.NotEqual(r.GetProperty("gold").GetString(), r.GetProperty("vote").GetString()));
        Assert.All(right, r => Assert.Equal(r.GetProperty("gold").GetString(), r.GetProperty("vote").GetString()));
        Assert.Contains("public static int Label", evidence.RootElement.GetProperty("source").GetString(), StringComparison.Ordinal);

        // Kestrel refuses some of these itself (400); the studio answers the rest with 404. None reaches a file.
        foreach (var trick in new[] { "..%2F..%2Fetc%2Fpasswd", "..", "%2Fetc%2Fpasswd", "spam-keywords%00", "no-such-program" })
        {
            Assert.Contains((await Get($"/api/programs/{trick}/evidence", token)).StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.BadRequest });
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Get("/api/programs/..%2F..%2Fetc%2Fpasswd/evidence", token)).StatusCode);
    }
}
