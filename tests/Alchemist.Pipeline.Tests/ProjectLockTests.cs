using Xunit;

namespace Alchemist.Pipeline.Tests;

public sealed class ProjectLockTests : IDisposable
{
    private readonly string _project = Path.Combine(Path.GetTempPath(), "alchemist-lock-" + Guid.NewGuid().ToString("N"));

    public ProjectLockTests() => Alchemist.Tests.ExampleProject.CopyTo(_project);

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public async Task A_second_run_on_the_same_project_is_refused_naming_the_process_that_holds_it_and_may_go_once_it_ends()
    {
        using (ProjectLock.Acquire(_project))
        {
            var refused = Assert.Throws<UserError>(() => ProjectLock.Acquire(_project));
            Assert.Contains($"another alchemist run is using {_project} (pid {Environment.ProcessId}, since ", refused.Message, StringComparison.Ordinal);
            Assert.Equal(ProjectLock.PathIn(_project), refused.File);

            var run = await Assert.ThrowsAsync<UserError>(() => new RunPipeline(TextWriter.Null).RunAsync(_project, TestContext.Current.CancellationToken));
            Assert.StartsWith("another alchemist run", run.Message, StringComparison.Ordinal);
        }

        using (ProjectLock.Acquire(_project))
        {
            Assert.True(File.Exists(ProjectLock.PathIn(_project)));
        }
    }
}
