using System.Security.Cryptography;
using System.Text;

namespace FastDb.Harness.Randomness;

/// <summary>
/// One run seed, many independent named streams ("director", "querier", "boot", "monkey link", ...), as
/// octopus's state/random.go NewRand(name) does. Octopus meant to hash "name-seed" but calls sha1.New().Sum(source),
/// which appends the hash of nothing to the source and then reads a varint from the source's first byte, so its
/// streams ignore the seed entirely. Here the seed really selects the streams: SHA-256 of "name-seed".
/// </summary>
public static class SeedStreams
{
    public static ulong Derive(long seed, string name)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{name}-{seed}"));
        return BitConverter.ToUInt64(hash, 0);
    }

    public static SeededRandom Create(long seed, string name) => new(Derive(seed, name));
}
