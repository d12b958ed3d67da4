using Alchemist.Cli;
using Xunit;

namespace Alchemist.Cli.Tests;

public sealed class RowsProgressTests
{
    [Fact]
    public void Reports_the_count_and_rate_at_most_once_per_interval()
    {
        var time = new SteppedTime();
        using var log = new StringWriter();
        var progress = new RowsProgress(log, "predict", TimeSpan.FromSeconds(2), time);

        time.Advance(1.5);
        progress.Report(16_384);
        time.Advance(1.0);
        progress.Report(32_768);
        time.Advance(1.0);
        progress.Report(49_152);
        time.Advance(1.5);
        progress.Report(65_536);

        // Lines at 2.5 s (32,768 / 2.5 = 13,107 rows/s) and 5.0 s (65,536 / 5 = 13,107); 1.5 s and 3.5 s were too soon after the last.
        Assert.Equal(["predict: 32,768 rows labeled (13,107 rows/s)", "predict: 65,536 rows labeled (13,107 rows/s)"], log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    private sealed class SteppedTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(double seconds) => _ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }
}
