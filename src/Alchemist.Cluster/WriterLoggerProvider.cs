using Microsoft.Extensions.Logging;

namespace Alchemist.Cluster;

/// <summary>Orleans' log lines, one per entry, to a text writer (standard error): level, category and message, and the exception's message.</summary>
internal sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(writer, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{DateTime.UtcNow:HH:mm:ss} {logLevel.ToString().ToLowerInvariant()} {category}: {formatter(state, exception)}"
                + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
            lock (writer)
            {
                writer.WriteLine(line.ReplaceLineEndings(" "));
            }
        }
    }
}
