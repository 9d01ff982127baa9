// What 'now' and random() mean while a logged entry is applied, fixed by the caller so every node computes the same.
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine;

public sealed partial class Database
{
    /// <summary>
    /// Until the returned scope is disposed, 'now' (and date() etc. without arguments) on this thread is
    /// <paramref name="unixMs"/>: the server passes the log entry's timestamp, which the node that took the request
    /// fixed before proposing it, so every node applies the same value. Without a scope the system clock is read.
    /// </summary>
    public static EntryScope FixNow(long unixMs) => new(unixMs, null);

    /// <summary>As <see cref="FixNow"/>, and random() draws from a generator seeded with <paramref name="seed"/> (the
    /// server derives it from the request's identity), so a script's random values are the same on every node.</summary>
    public static EntryScope FixEntry(long unixMs, ulong seed) => new(unixMs, seed);

    public readonly struct EntryScope : IDisposable
    {
        private readonly long? _previousNow;
        private readonly SplitMix64? _previousRandom;

        internal EntryScope(long unixMs, ulong? seed)
        {
            _previousNow = DateTimeFunctions.NowUnixMs;
            _previousRandom = RandomFunction.Seeded;
            DateTimeFunctions.NowUnixMs = unixMs;
            if (seed is { } s) RandomFunction.Seeded = new SplitMix64(s);
        }

        public void Dispose()
        {
            DateTimeFunctions.NowUnixMs = _previousNow;
            RandomFunction.Seeded = _previousRandom;
        }
    }
}
