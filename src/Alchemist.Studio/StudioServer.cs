using System.Text.Json;
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

        app.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        app.MapGet("/api/project", () => Results.Json(new
        {
            name = project.Spec.Name,
            description = project.Spec.Description,
            classes = project.Spec.ClassNames,
            folder = project.Spec.ProjectDirectory,
            changedSinceRun = project.ChangedSinceRun,
            validMajorityAccuracy = project.ValidMajorityAccuracy,
        }, Json));
        app.MapGet("/api/programs", () => Results.Json(project.Programs, Json));
        app.MapGet("/api/views", () => Results.Json(project.Views(), Json));
        app.MapGet("/api/programs/{name}/evidence", (string name) =>
            ProgramFile.IsValidName(name) && project.Evidence(name) is { } evidence
                ? Results.Json(evidence, Json)
                : Results.Json(new { error = $"no program named '{ProgramFile.Printable(name)}' voted in the last run" }, Json, statusCode: 404));

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

        await app.StartAsync(cancellation).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var actualPort = new Uri(bound).Port;
        access = new StudioAccess(token, actualPort);
        return new StudioServer(app, access, new Uri($"http://127.0.0.1:{actualPort}/"));
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(StudioServer).Assembly.GetManifestResourceStream("Alchemist.Studio.studio.html")
            ?? throw new InvalidOperationException("the studio page (studio.html) is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}

/// <summary>The body of a save: the new source, the hash of the version it changes, and who wrote it.</summary>
/// <param name="Source">The program's C# source, without the header.</param>
/// <param name="BaseHash">The <see cref="ProgramEvidence.SourceHash"/> of the version the person started from.</param>
/// <param name="Author">The person's name, for the header's <c>author: person NAME</c>.</param>
public sealed record ProgramSave(string Source, string BaseHash, string? Author);
