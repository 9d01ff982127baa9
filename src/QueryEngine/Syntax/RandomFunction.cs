using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// random(): a 64-bit integer as SQLite makes it (a negative draw r becomes -(r &amp; INT64_MAX)); randomblob(N): N
/// bytes, eight per draw (little-endian) from the same stream, so one script's random() and randomblob() calls share
/// one sequence. Their numbers come from
/// <see cref="Seeded"/> when the caller fixed a seed (the server derives it from the request's identity, which every
/// node applies alike, so answers and stored values agree across nodes), else from a shared generator (exec mode,
/// where sqlite3's own values are unpredictable too).
/// </summary>
public static class RandomFunction
{
    [ThreadStatic] public static SplitMix64? Seeded;

    public static long Next()
    {
        long r = Seeded is { } seeded ? (long)seeded.Next() : Random.Shared.NextInt64() ^ (Random.Shared.NextInt64() << 1);
        return r < 0 ? -(r & long.MaxValue) : r;
    }

    /// <summary>func.c's randomBlob: N taken as an integer, at least 1, at most the value limit.</summary>
    public static SqlValue Blob(SqlValue count)
    {
        long n = Math.Max(1, count.AsInteger());
        if (EngineLimits.IsTooBig(n)) throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
        var bytes = new byte[n];
        if (Seeded is { } seeded)
        {
            Span<byte> draw = stackalloc byte[8];
            for (int i = 0; i < bytes.Length; i += 8)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(draw, seeded.Next());
                draw[..Math.Min(8, bytes.Length - i)].CopyTo(bytes.AsSpan(i));
            }
        }
        else Random.Shared.NextBytes(bytes);
        return SqlValue.FromBlob(bytes);
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
