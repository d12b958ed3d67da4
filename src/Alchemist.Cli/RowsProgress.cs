using System.Globalization;

namespace Alchemist.Cli;

/// <summary>
/// Tells the progress writer (standard error, or nothing under --quiet) how far a long stream of rows has got: a line with
/// the running count and rate at most once per <paramref name="every"/>, so that `predict` over millions of rows is not silent
/// for a minute and a log of it stays short.
/// </summary>
internal sealed class RowsProgress(TextWriter writer, string command, TimeSpan every, TimeProvider? time = null) : IProgress<long>
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly long _started = (time ?? TimeProvider.System).GetTimestamp();
    private long _lastLine = (time ?? TimeProvider.System).GetTimestamp();

    public void Report(long rows)
    {
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastLine, now) < every)
        {
            return;
        }

        _lastLine = now;
        var seconds = _time.GetElapsedTime(_started, now).TotalSeconds;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{command}: {rows:N0} rows labeled ({rows / seconds:N0} rows/s)"));
    }
}
