namespace FastDb.Harness.Randomness;

/// <summary>
/// A small deterministic generator (xoshiro256**, seeded through SplitMix64) with the helpers octopus takes from Go's
/// math/rand: Intn, Float64, ExpFloat64, NormFloat64 and Perm. It is not bit-identical to Go's generator; what matters
/// is that the same seed always yields the same sequence on every machine and .NET version (System.Random does not
/// promise that for the non-legacy algorithm). Not thread-safe: each stream belongs to one user.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, n). Like Go's rand.Intn it refuses n &lt;= 0.</summary>
    public int Intn(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Intn needs a positive bound");
        // Lemire's multiply-shift with rejection: unbiased.
        ulong bound = (ulong)n;
        while (true)
        {
            UInt128 m = (UInt128)NextUInt64() * bound;
            ulong low = (ulong)m;
            if (low >= bound || low >= (0UL - bound) % bound) return (int)(ulong)(m >> 64);
        }
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double Float64() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Exponential with mean 1 (Go's ExpFloat64).</summary>
    public double ExpFloat64() => -Math.Log(1.0 - Float64());

    /// <summary>Standard normal (Go's NormFloat64), by Box-Muller; one value per call keeps the stream simple.</summary>
    public double NormFloat64()
    {
        double u1 = 1.0 - Float64(); // (0, 1]
        double u2 = Float64();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A random permutation of 0..n-1, built the way Go's rand.Perm builds it.</summary>
    public int[] Perm(int n)
    {
        var m = new int[n];
        for (int i = 0; i < n; i++)
        {
            int j = Intn(i + 1);
            m[i] = m[j];
            m[j] = i;
        }
        return m;
    }
}
