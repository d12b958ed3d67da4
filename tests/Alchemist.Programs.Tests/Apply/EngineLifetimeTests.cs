using Alchemist.Programs.Apply;
using Alchemist.Programs.Isolation;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>What outlives one apply: the executor's reusable threads and a program's loaded copies.</summary>
public sealed class EngineLifetimeTests
{
    [Fact]
    public async Task A_reusable_thread_reports_what_an_action_threw_and_runs_the_next_one()
    {
        using var thread = new ReusableThread("test-reusable");
        var failed = thread.Run(() => throw new InvalidOperationException("boom"));
        var ranOn = 0;
        var next = thread.Run(() => ranOn = Environment.CurrentManagedThreadId);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Equal("boom", error.Message);
        await next;
        Assert.NotEqual(0, ranOn);

        thread.Dispose();
        thread.Dispose(); // a second dispose does nothing
        Assert.IsType<ObjectDisposedException>(Record.Exception(() => { _ = thread.Run(() => { }); }));
    }

    [Fact]
    public void A_labeler_handed_back_after_its_program_was_disposed_is_not_reused()
    {
        var program = new SandboxedProgram(ApplyTestKit.Compile(ApplyTestKit.Benign[2].Name, ApplyTestKit.Benign[2].Source));
        var labeler = (IDisposable)program.CreateLabeler();
        Assert.Equal(1, program.LoadedCopies);

        program.Dispose();
        labeler.Dispose();

        Assert.Equal(0, program.LoadedCopies);
        Assert.Throws<ObjectDisposedException>(() => program.CreateLabeler());
    }
}
