using System.Buffers;

namespace FastDb.Server.Binary;

/// <summary>LEB128 unsigned varints: the log and the request codec store small numbers in one or two bytes.</summary>
public static class Varint
{
    public const int MaxLength = 10;

    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    public static void Write(IBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(MaxLength);
        output.Advance(Write(span, value));
    }

    /// <summary>Reads one varint; throws <see cref="FormatException"/> when the bytes end early or overflow 64 bits.</summary>
    public static ulong Read(ReadOnlySpan<byte> source, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= source.Length) throw new FormatException("varint runs past the end of the data");
            var b = source[position++];
            if (shift == 63 && b > 1) throw new FormatException("varint overflows 64 bits");
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new FormatException("varint longer than 10 bytes");
    }
}
