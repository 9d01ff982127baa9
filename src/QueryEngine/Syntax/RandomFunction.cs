namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// random(): a 64-bit integer as SQLite makes it (a negative draw r becomes -(r &amp; INT64_MAX)). Its numbers come from
/// <see cref="Seeded"/> when the caller fixed a seed (the server derives it from the request's identity, which every
/// node applies alike, so answers and stored values agree across nodes), else from a shared generator (exec mode,
/// where sqlite3's own values are unpredictable too). randomblob() needs blobs and stays refused.
/// </summary>
public static class RandomFunction
{
    [ThreadStatic] public static SplitMix64? Seeded;

    public static long Next()
    {
        long r = Seeded is { } seeded ? (long)seeded.Next() : Random.Shared.NextInt64() ^ (Random.Shared.NextInt64() << 1);
        return r < 0 ? -(r & long.MaxValue) : r;
    }
}

/// <summary>SplitMix64: a fixed algorithm (unlike System.Random's), so every node and every build draws the same.</summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
