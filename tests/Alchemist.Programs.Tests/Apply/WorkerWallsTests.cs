using Alchemist.Data;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Isolation;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// What a worker holds and can reach: red-team findings were that workers inherited the whole environment (API keys
/// included) and left their folders in the temp folder. The walls a kernel cannot raise are reported as down, never as up.
/// </summary>
public sealed class WorkerWallsTests
{
    private const string KeyVariable = "ANTHROPIC_API_KEY";

    [Fact]
    public void A_worker_holds_no_key_has_its_own_temp_folder_removed_at_the_end_and_raises_the_walls_the_kernel_allows()
    {
        var previous = Environment.GetEnvironmentVariable(KeyVariable);
        Environment.SetEnvironmentVariable(KeyVariable, "sk-ant-test-not-for-workers");
        SandboxWalls walls;
        try
        {
            using var engine = new ApplyEngine(ApplyTestKit.Options(IsolationMode.Process));
            engine.Apply("train", InMemoryDataSource.FromTexts("c", "text", ["hello", "buy now http://x.example"]), ApplyTestKit.BenignPrograms(), 2,
                cancel: TestContext.Current.CancellationToken);
            walls = engine.Walls!;
            Assert.True(Directory.Exists(walls.TempFolderPath), walls.TempFolderPath);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KeyVariable, previous);
        }

        Assert.False(Directory.Exists(walls.TempFolderPath), $"{walls.TempFolderPath} was left behind");
        Assert.StartsWith($"alchemist-worker-{Environment.ProcessId}-", Path.GetFileName(walls.TempFolderPath), StringComparison.Ordinal);
        Assert.True(walls.CleanEnvironment, string.Join(", ", walls.EnvironmentNames));
        Assert.DoesNotContain(KeyVariable, walls.EnvironmentNames);
        Assert.DoesNotContain("PATH", walls.EnvironmentNames);
        Assert.True(walls.OwnTempFolder);
        Assert.True(walls.HeapLimitBytes > 0);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Where the kernel offers Landlock (ABI 4 denies TCP too) the walls must be up, and the worker's own probes agree.
        var abi = WorkerWallBuilder.LandlockAbi();
        Assert.Equal(abi, walls.LandlockAbi);
        if (abi > 0)
        {
            Assert.True(walls.WritesConfined && walls.WritesBlocked, walls.WriteProbe);
        }

        if (abi >= 4 || Environment.UserName == "root")
        {
            Assert.True(walls.NetworkBlocked, walls.NetworkProbe);
        }

        Assert.Equal(walls.NetworkBlocked, !walls.NetworkProbe.StartsWith("connected", StringComparison.Ordinal));
    }

    [Fact]
    public void Folders_left_by_an_engine_that_died_are_swept_and_live_ones_kept()
    {
        var dead = Path.Combine(Path.GetTempPath(), $"alchemist-worker-{int.MaxValue - 7}-left");
        var live = Path.Combine(Path.GetTempPath(), $"alchemist-worker-{Environment.ProcessId}-mine");
        Directory.CreateDirectory(dead);
        Directory.CreateDirectory(live);
        try
        {
            Assert.True(WorkerFolders.SweepStale() >= 1);
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(live));
        }
        finally
        {
            Directory.Delete(live, recursive: true);
            if (Directory.Exists(dead))
            {
                Directory.Delete(dead, recursive: true);
            }
        }
    }
}
