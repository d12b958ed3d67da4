using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;

namespace Alchemist.Studio.BrowserTests;

/// <summary>
/// One studio over a project, served on a port the system picks, and one page showing it: what a person gets after
/// <c>alchemist studio PROJECT</c> and opening the address it prints. <see cref="Api"/> reads the same server's JSON, to
/// hold the page to it.
/// </summary>
public sealed class StudioSession : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly StudioProject _project;
    private readonly StudioServer _server;
    private readonly IBrowserContext _context;
    private readonly Task _warmUp;
    private readonly HttpClient _client = new();

    private StudioSession(string directory, StudioProject project, StudioServer server, IBrowserContext context, IPage page, Task warmUp)
    {
        Directory = directory;
        _project = project;
        _server = server;
        _context = context;
        _warmUp = warmUp;
        Page = new StudioPage(page);
        _client.DefaultRequestHeaders.Add(StudioAccess.HeaderName, server.Access.Token);
    }

    /// <summary>The project folder the studio serves.</summary>
    public string Directory { get; }

    /// <summary>The page, through what a person sees and does on it.</summary>
    public StudioPage Page { get; }

    /// <summary>A program's file among the active ones.</summary>
    public string ProgramPath(string name) => Path.Combine(Directory, "programs", name + ".cs");

    /// <summary>A program's file once disabled.</summary>
    public string DisabledProgramPath(string name) => Path.Combine(Directory, "programs", StudioProject.DisabledFolder, name + ".cs");

    internal static async Task<StudioSession> StartAsync(IBrowser browser, string directory, bool warmUp)
    {
        var project = StudioProject.Load(directory);
        var warming = warmUp ? project.WarmUpAsync() : Task.CompletedTask;
        var server = await StudioServer.StartAsync(project, cancellation: TestContext.Current.CancellationToken);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        var session = new StudioSession(directory, project, server, context, page, warming);
        await session.Page.OpenAsync(server.PageAddress);
        return session;
    }

    /// <summary>GET /api/programs: the table's figures as the server has them now.</summary>
    public async Task<List<ProgramRow>> ProgramsAsync() =>
        (await _client.GetFromJsonAsync<List<ProgramRow>>(new Uri(_server.Address, "/api/programs"), Json, TestContext.Current.CancellationToken))!;

    /// <summary>GET /api/programs/NAME/evidence.</summary>
    public async Task<ProgramEvidence> EvidenceAsync(string name) =>
        (await _client.GetFromJsonAsync<ProgramEvidence>(new Uri(_server.Address, $"/api/programs/{name}/evidence"), Json, TestContext.Current.CancellationToken))!;

    /// <summary>GET /api/project's valid majority-class accuracy, which a save's outcome is read against.</summary>
    public async Task<double?> ValidMajorityAccuracyAsync()
    {
        using var project = JsonDocument.Parse(await _client.GetStringAsync(new Uri(_server.Address, "/api/project"), TestContext.Current.CancellationToken));
        var value = project.RootElement.GetProperty("validMajorityAccuracy");
        return value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();
    }

    /// <summary>Parses a save's answer, as the page received it.</summary>
    public static SaveResult ParseSave(string body) => JsonSerializer.Deserialize<SaveResult>(body, Json)!;

    /// <summary>A PNG of the whole page, for a failed test's output.</summary>
    public Task<byte[]> ScreenshotAsync() => Page.Raw.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _context.DisposeAsync();
        await _server.DisposeAsync();
        await _warmUp;
        _project.Dispose();
    }
}
