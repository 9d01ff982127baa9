using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace FastDb.Server.Startup;

/// <summary>
/// The node's stderr as a plain file descriptor. The server never uses System.Console: its first use sets up the
/// runtime's terminal handling (keypad mode, cached terminal settings written back on SIGCONT and SIGCHLD), which a
/// node started in the background of a terminal must not have; see <see cref="TerminalGuard"/>. A write(2) to fd 2
/// never changes terminal settings.
/// </summary>
public static class StandardError
{
    public static TextWriter Writer { get; } = TextWriter.Synchronized(
        new StreamWriter(new FileStream(new SafeFileHandle(2, ownsHandle: false), FileAccess.Write, bufferSize: 0), new UTF8Encoding(false))
        {
            AutoFlush = true,
        });
}

/// <summary>
/// Log lines on <see cref="StandardError"/>, one per event, as the console logger's single-line format printed them
/// ("HH:mm:ss.fff warn: Category[0] message", then the exception if any).
/// </summary>
public sealed class StandardErrorLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            var line = new StringBuilder()
                .Append(DateTime.Now.ToString("HH:mm:ss.fff ", System.Globalization.CultureInfo.InvariantCulture))
                .Append(level).Append(": ").Append(category).Append('[').Append(eventId.Id).Append("] ")
                .Append(formatter(state, exception).ReplaceLineEndings(" "));
            if (exception is not null) line.Append('\n').Append(exception);
            StandardError.Writer.WriteLine(line.ToString());
        }
    }
}
