// The time 'now' means to the date and time functions, fixed by the caller so every node computes the same answer.
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine;

public sealed partial class Database
{
    /// <summary>
    /// Until the returned scope is disposed, 'now' (and date() etc. without arguments) on this thread is
    /// <paramref name="unixMs"/>: the server passes the log entry's timestamp, which the node that took the request
    /// fixed before proposing it, so every node applies the same value. Without a scope the system clock is read.
    /// </summary>
    public static NowScope FixNow(long unixMs) => new(unixMs);

    public readonly struct NowScope : IDisposable
    {
        private readonly long? _previous;

        internal NowScope(long unixMs)
        {
            _previous = DateTimeFunctions.NowUnixMs;
            DateTimeFunctions.NowUnixMs = unixMs;
        }

        public void Dispose() => DateTimeFunctions.NowUnixMs = _previous;
    }
}
