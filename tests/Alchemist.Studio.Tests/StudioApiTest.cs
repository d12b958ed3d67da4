using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>
/// A test that drives one studio over its own copy of the run example (<see cref="RunExample"/>) through its HTTP API,
/// with the token in every request's header.
/// </summary>
public abstract class StudioApiTest(string prefix) : IAsyncLifetime
{
    /// <summary>The project folder this test's studio serves.</summary>
    protected string ProjectFolder { get; private set; } = null!;

    /// <summary>A client that sends the studio's token.</summary>
    protected HttpClient Client { get; } = new();

    /// <summary>The project the studio serves (as loaded when the test began).</summary>
    protected StudioProject Project { get; private set; } = null!;

    /// <summary>The running studio.</summary>
    protected StudioServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        ProjectFolder = await RunExample.CopyAsync(prefix);
        Project = StudioProject.Load(ProjectFolder);
        Server = await StudioServer.StartAsync(Project);
        Client.DefaultRequestHeaders.Add(StudioAccess.HeaderName, Server.Access.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Project.Dispose();
        Directory.Delete(ProjectFolder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
