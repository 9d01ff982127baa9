using System.Buffers.Binary;
using System.Numerics;

namespace FastDb.Server.Binary;

/// <summary>CRC-32C over a span, using the CPU's CRC instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data, uint seed = 0)
    {
        var crc = ~seed;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
