using System.Text.Json;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alchemist.Studio;

/// <summary>
/// The studio's web server: Kestrel on 127.0.0.1 only, every request checked by <see cref="StudioAccess"/>, serving one page
/// and a JSON API over a <see cref="StudioProject"/>: <c>GET /api/project</c>, <c>GET /api/programs</c> and
/// <c>GET /api/programs/{name}/evidence</c>.
/// </summary>
public sealed class StudioServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;

    private StudioServer(WebApplication app, StudioAccess access, Uri address)
    {
        _app = app;
        Access = access;
        Address = address;
    }

    /// <summary>The base address, without the token.</summary>
    public Uri Address { get; }

    /// <summary>The address to open: the page, with the one-time token.</summary>
    public Uri PageAddress => new(Address, "/?token=" + Access.Token);

    /// <summary>Who may drive this server.</summary>
    public StudioAccess Access { get; }

    /// <summary>Starts serving <paramref name="project"/> on 127.0.0.1 (port 0: one the system picks) with a new token.</summary>
    public static async Task<StudioServer> StartAsync(StudioProject project, int port = 0, CancellationToken cancellation = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var token = StudioAccess.NewToken();
        StudioAccess? access = null;
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (access is null)
            {
                // Only between binding and learning the port; no request can carry the token yet.
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            var decision = access.Check(request.Headers.Host.ToString(), request.Headers.Origin.Count > 0 ? request.Headers.Origin.ToString() : null,
                [request.Query["token"].ToString(), request.Headers[StudioAccess.HeaderName].ToString(), request.Cookies[StudioAccess.CookieName]]);
            if (!decision.Allowed)
            {
                context.Response.StatusCode = decision.Status;
                await context.Response.WriteAsJsonAsync(new { error = decision.Reason }, Json).ConfigureAwait(false);
                return;
            }

            // Pages of other sites may neither frame this one nor read its answers; the browser sends the cookie to this
            // origin only, and only from its own pages.
            context.Response.Headers.XFrameOptions = "DENY";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
            if (request.Query.ContainsKey("token"))
            {
                context.Response.Cookies.Append(StudioAccess.CookieName, access.Token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            }

            await next(context).ConfigureAwait(false);
        });

        var finish = new StudioFinish();
        app.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        app.MapGet("/assets/editor.js", () => Results.Content(Editor.Value, "text/javascript; charset=utf-8"));
        app.MapGet("/api/project", () => Results.Json(new
        {
            name = project.Spec.Name,
            description = project.Spec.Description,
            classes = project.Spec.ClassNames,
            folder = project.Spec.ProjectDirectory,
            changedSinceRun = project.ChangedSinceRun,
            running = finish.Running,
            validMajorityAccuracy = project.ValidMajorityAccuracy,
        }, Json));
        app.MapGet("/api/programs", () => Results.Json(project.Programs, Json));
        app.MapGet("/api/views", () => Results.Json(project.Views(), Json));
        app.MapGet("/api/programs/{name}/evidence", (string name) =>
            ProgramFile.IsValidName(name) && project.Evidence(name) is { } evidence
                ? Results.Json(evidence, Json)
                : Results.Json(new { error = $"no program named '{ProgramFile.Printable(name)}' voted in the last run" }, Json, statusCode: 404));

        app.MapGet("/api/programs/{name}/history", (string name) =>
            Results.Json(ProgramHistory.Of(new ProjectLayout(project.Spec.ProjectDirectory), name), Json));

        foreach (var (verb, enabled) in new[] { ("enable", true), ("disable", false) })
        {
            app.MapPost($"/api/programs/{{name}}/{verb}", async (string name) =>
                await Task.Run(() => project.SetEnabled(name, enabled)).ConfigureAwait(false) is { } result
                    ? Results.Json(result, Json, statusCode: result.Saved ? 200 : 422)
                    : Results.Json(new { error = $"no {(enabled ? "disabled" : "active")} program named '{ProgramFile.Printable(name)}'" }, Json, statusCode: 404));
        }

        app.MapPut("/api/programs/{name}", async (string name, HttpRequest request) =>
        {
            ProgramSave? save;
            try
            {
                save = await request.ReadFromJsonAsync<ProgramSave>(Json).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Results.Json(new { error = $"the request body is not a program to save: {e.Message}" }, Json, statusCode: 400);
            }

            if (save is null || string.IsNullOrWhiteSpace(save.Source) || string.IsNullOrEmpty(save.BaseHash))
            {
                return Results.Json(new { error = "a save needs the source and the hash of the version it changes" }, Json, statusCode: 400);
            }

            // Compiling and applying take seconds; Kestrel's thread pool has other requests to answer meanwhile.
            var result = await Task.Run(() => project.Save(name, save.Source, save.BaseHash, save.Author)).ConfigureAwait(false);
            var status = result switch
            {
                { Saved: true } => 200,
                { Conflict: true } => 409,
                { Refusal: not null } => 404,
                _ => 422,
            };
            return Results.Json(result, Json, statusCode: status);
        });

        app.MapPost("/api/llm/estimate", async (HttpRequest request) =>
            await ReadBody<LlmAsk>(request).ConfigureAwait(false) is not { } ask
                ? BadBody("an ask")
                : Answer(() => Results.Json(project.Estimate(ask), Json)));
        app.MapPost("/api/llm/ask", async (HttpRequest request, CancellationToken aborted) =>
        {
            if (await ReadBody<LlmAsk>(request).ConfigureAwait(false) is not { } ask)
            {
                return BadBody("an ask");
            }

            try
            {
                return Results.Json(await project.AskAsync(ask, aborted).ConfigureAwait(false), Json);
            }
            catch (UserError e)
            {
                return Results.Json(new { error = e.Message }, Json, statusCode: 422);
            }
        });
        app.MapPost("/api/programs", async (HttpRequest request) =>
        {
            if (await ReadBody<ProgramCreate>(request).ConfigureAwait(false) is not { Name: { } name } create)
            {
                return BadBody("a new program (its name, and the program to copy if any)");
            }

            var result = await Task.Run(() => project.Create(name, create.CopyOf, create.Author)).ConfigureAwait(false);
            return Results.Json(result, Json, statusCode: result.Saved ? 200 : result.Conflict ? 409 : 422);
        });
        app.MapDelete("/api/programs/{name}", async (string name) =>
            await Task.Run(() => project.Delete(name)).ConfigureAwait(false) is { } result
                ? Results.Json(result, Json)
                : Results.Json(new { error = $"no active program named '{ProgramFile.Printable(name)}'" }, Json, statusCode: 404));

        app.MapPost("/api/finish", () =>
        {
            var started = finish.TryStart(project.Spec.ProjectDirectory, _ =>
            {
                // The run wrote new votes, final labels and a report: the page reads them from here on.
                var previous = project;
                project = StudioProject.Load(previous.Spec.ProjectDirectory);
                previous.Dispose();
            }, app.Lifetime.ApplicationStopping);
            return started
                ? Results.Json(new { started = true }, Json, statusCode: 202)
                : Results.Json(new { error = "a run is going on already" }, Json, statusCode: 409);
        });
        app.MapGet("/api/finish/events", async (HttpContext context, int? from) =>
        {
            // Server-sent events: one JSON event per message, as the run says it.
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await foreach (var e in finish.Events(from ?? 0, context.RequestAborted).ConfigureAwait(false))
            {
                await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(e, Json) + "\n\n", context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        });

        // Programs and classes must not change under a run: it reads them as it goes.
        app.Use(async (context, next) =>
        {
            if (finish.Running && context.Request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status409Conflict;
                await context.Response.WriteAsJsonAsync(new { error = "a run is going on: wait for it to finish, then change the programs" }, Json).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });

        app.MapPost("/api/classes", async (HttpRequest request) =>
        {
            ClassChangeRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<ClassChangeRequest>(Json).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return Results.Json(new { error = $"the request body is not a class change: {e.Message}" }, Json, statusCode: 400);
            }

            if (body?.ToEdit() is not { } edit)
            {
                return Results.Json(new { error = "a class change names its kind (rename, add, remove, merge, split) and the classes it needs" }, Json, statusCode: 400);
            }

            try
            {
                var (next, change) = await Task.Run(() => project.ChangeClasses(edit)).ConfigureAwait(false);
                project = next;
                return Results.Json(change, Json);
            }
            catch (UserError e)
            {
                return Results.Json(new { error = "the classes were not changed: " + e.Message }, Json, statusCode: 422);
            }
        });

        await app.StartAsync(cancellation).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var actualPort = new Uri(bound).Port;
        access = new StudioAccess(token, actualPort);
        return new StudioServer(app, access, new Uri($"http://127.0.0.1:{actualPort}/"));
    }

    private static async Task<T?> ReadBody<T>(HttpRequest request)
        where T : class
    {
        try
        {
            return await request.ReadFromJsonAsync<T>(Json).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult BadBody(string what) => Results.Json(new { error = $"the request body is not {what}" }, Json, statusCode: 400);

    /// <summary>The answer of <paramref name="answer"/>, or its <see cref="UserError"/> as a 422 with the message.</summary>
    private static IResult Answer(Func<IResult> answer)
    {
        try
        {
            return answer();
        }
        catch (UserError e)
        {
            return Results.Json(new { error = e.Message }, Json, statusCode: 422);
        }
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private static readonly Lazy<string> Page = new(() => Resource("studio.html"));

    /// <summary>CodeMirror 6 with C#, bundled by scripts/build-editor into Assets/editor.js (no CDN: the page works offline).</summary>
    private static readonly Lazy<string> Editor = new(() => Resource("editor.js"));

    private static string Resource(string name)
    {
        using var stream = typeof(StudioServer).Assembly.GetManifestResourceStream("Alchemist.Studio." + name)
            ?? throw new InvalidOperationException($"the studio's {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>The body of a save: the new source, the hash of the version it changes, and who wrote it.</summary>
/// <param name="Source">The program's C# source, without the header.</param>
/// <param name="BaseHash">The <see cref="ProgramEvidence.SourceHash"/> of the version the person started from.</param>
/// <param name="Author">The person's name, for the header's <c>author: person NAME</c>.</param>
public sealed record ProgramSave(string Source, string BaseHash, string? Author);

/// <summary>The body of a class change: its kind and the names it needs.</summary>
/// <param name="Kind">rename, add, remove, merge or split.</param>
/// <param name="Name">The class renamed, added, removed or split.</param>
/// <param name="To">A rename's new name, or a merge's merged class.</param>
/// <param name="Names">The classes a merge joins, or the parts a split makes.</param>
/// <param name="Description">What belongs in an added or merged class.</param>
public sealed record ClassChangeRequest(string? Kind, string? Name, string? To, IReadOnlyList<string>? Names, string? Description)
{
    /// <summary>The change asked for; null when a name it needs is missing.</summary>
    public ClassEdit? ToEdit() => Kind switch
    {
        "rename" when Name is not null && To is not null => new RenameClass(Name, To),
        "add" when Name is not null => new AddClass(Name, Description),
        "remove" when Name is not null => new RemoveClass(Name),
        "merge" when Names is { Count: >= 2 } && To is not null => new MergeClasses(Names, To, Description),
        "split" when Name is not null && Names is { Count: >= 2 } => new SplitClass(Name, Names),
        _ => null,
    };
}

/// <summary>The body of a new program: its name, the program it copies (null: the template), and who writes it.</summary>
public sealed record ProgramCreate(string? Name, string? CopyOf, string? Author);
