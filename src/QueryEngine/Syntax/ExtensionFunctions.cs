// Contract: the pure functions the sqlite3 3.40.1 shell adds to SQLite's own (shell.c embeds ext/misc/shathree.c
// and ext/misc/ieee754.c): sha3(X[, SIZE]) and the ieee754 family, computed exactly as those C files compute them,
// bit for bit, on every node (no clock, no locale, no platform library that could differ).
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

public static class ExtensionFunctions
{
    /// <summary>
    /// sha3(X[, SIZE]) of shathree.c: the SHA3-SIZE digest (224, 256 by default, 384 or 512) of a blob's bytes or of
    /// the UTF-8 text of anything else (a number's text form, embedded NULs included), as a blob; NULL for NULL.
    /// SIZE is read as sqlite3_value_int (an int64 cut to 32 bits) and checked before X is looked at.
    /// </summary>
    public static SqlValue Sha3(ReadOnlySpan<SqlValue> a)
    {
        int size = 256;
        if (a.Length == 2)
        {
            size = unchecked((int)a[1].AsInteger());
            if (size is not (224 or 256 or 384 or 512))
                throw new SqlRuntimeException("SHA3 size should be one of: 224 256 384 512", SqlRuntimeException.Error);
        }
        if (a[0].IsNull) return SqlValue.Null;
        byte[] input = a[0].Type == SqlType.Blob ? a[0].Blob! : Encoding.UTF8.GetBytes(a[0].AsText()!);
        return SqlValue.FromBlob(Keccak.Sha3(input, size));
    }

    /// <summary>The double ieee754.c's one-argument functions read: an 8-byte blob is a big-endian binary64, anything
    /// else is sqlite3_value_double of it.</summary>
    private static double DoubleOf(SqlValue x) =>
        x.Type == SqlType.Blob && x.Blob!.Length == 8
            ? BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(x.Blob))
            : x.IsNull ? 0.0 : x.AsReal();

    /// <summary>ieee754(X), ieee754_mantissa(X), ieee754_exponent(X): X as M*2^E with M odd (or 0), computed on the
    /// bits as 3.40.1's ieee754func does, quirks kept: -0.0 and NaNs go through the same shifts (-0.0 is
    /// ieee754(1,-3071)), since the sign test is <c>r&lt;0.0</c>.</summary>
    public static SqlValue Ieee754Split(SqlValue x, ScalarFunction which)
    {
        double r = DoubleOf(x);
        bool isNeg = r < 0.0;
        if (isNeg) r = -r;
        long bits = BitConverter.DoubleToInt64Bits(r);
        long m;
        int e;
        if (bits == 0)
        {
            e = 0;
            m = 0;
        }
        else
        {
            e = (int)(bits >> 52); // arithmetic shift, as gcc does with a negative int64 (a NaN with its sign set)
            m = bits & ((1L << 52) - 1);
            if (e == 0) m <<= 1;
            else m |= 1L << 52;
            while (e < 1075 && m > 0 && (m & 1) == 0)
            {
                m >>= 1;
                e++;
            }
            if (isNeg) m = -m;
        }
        return which switch
        {
            ScalarFunction.Ieee754Mantissa => SqlValue.FromInteger(m),
            ScalarFunction.Ieee754Exponent => SqlValue.FromInteger(e - 1075),
            _ => SqlValue.FromText("ieee754(" + m.ToString(CultureInfo.InvariantCulture) + "," + (e - 1075).ToString(CultureInfo.InvariantCulture) + ")"),
        };
    }

    /// <summary>ieee754(M, E): M*2^E as a binary64 built from the bits (E clamped to +-10000, overflow to Inf, too
    /// small to 0.0 or a subnormal). M = -9223372036854775808 never returns in 3.40.1 (its negation stays negative
    /// and the normalizing loop shifts it forever), so FastDb refuses it by name rather than hang.</summary>
    public static SqlValue Ieee754Compose(SqlValue mantissa, SqlValue exponent)
    {
        long m = mantissa.AsInteger();
        long e = exponent.AsInteger();
        if (e > 10000) e = 10000;
        else if (e < -10000) e = -10000;
        bool isNeg = false;
        if (m < 0)
        {
            if (m == long.MinValue)
                throw new SqlRuntimeException("FastDb does not support ieee754() of the mantissa -9223372036854775808 (sqlite3 3.40.1 never returns from it)", SqlRuntimeException.Error);
            isNeg = true;
            m = -m;
        }
        else if (m == 0 && e > -1000 && e < 1000) return SqlValue.FromReal(0.0);
        while (((m >> 32) & 0xffe00000L) != 0)
        {
            m >>= 1;
            e++;
        }
        while (m != 0 && ((m >> 32) & 0xfff00000L) == 0)
        {
            m <<= 1;
            e--;
        }
        e += 1075;
        if (e <= 0)
        {
            m = 1 - e >= 64 ? 0 : m >> (int)(1 - e); // subnormal
            e = 0;
        }
        else if (e > 0x7ff) e = 0x7ff;
        long bits = (m & ((1L << 52) - 1)) | (e << 52);
        if (isNeg) bits |= long.MinValue;
        return RealOrNull(BitConverter.Int64BitsToDouble(bits));
    }

    /// <summary>ieee754_from_blob(X): an 8-byte blob as a big-endian binary64; NULL for anything else.</summary>
    public static SqlValue Ieee754FromBlob(SqlValue x) =>
        x.Type == SqlType.Blob && x.Blob!.Length == 8 ? RealOrNull(DoubleOf(x)) : SqlValue.Null;

    /// <summary>ieee754_to_blob(X): an integer or real as the 8 big-endian bytes of its binary64; NULL otherwise
    /// (text included, however numeric it looks).</summary>
    public static SqlValue Ieee754ToBlob(SqlValue x)
    {
        if (x.Type is not (SqlType.Integer or SqlType.Real)) return SqlValue.Null;
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, BitConverter.DoubleToInt64Bits(x.AsReal()));
        return SqlValue.FromBlob(bytes);
    }

    /// <summary>sqlite3_result_double stores a NaN as NULL.</summary>
    private static SqlValue RealOrNull(double r) => double.IsNaN(r) ? SqlValue.Null : SqlValue.FromReal(r);
}

/// <summary>
/// Keccak-f[1600] and the SHA-3 padding, as shathree.c implements them (the FIPS 202 SHA3-224/256/384/512).
/// Hand-written rather than System.Security.Cryptography: .NET has no SHA3-224 at all, and its SHA3_256/384/512
/// depend on the platform's OpenSSL (SHA3_256.IsSupported may be false), while every node must answer the same.
/// </summary>
internal static class Keccak
{
    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
        0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
        0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    private static readonly int[] RotationOffsets =
        [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

    public static byte[] Sha3(ReadOnlySpan<byte> input, int bits)
    {
        int rate = (1600 - 2 * bits) / 8;
        var state = new ulong[25];
        var block = new byte[rate];
        int offset = 0;
        while (input.Length - offset >= rate)
        {
            Absorb(state, input.Slice(offset, rate));
            offset += rate;
        }
        // The last, partial block with SHA-3's domain bits (0x06) and the final bit of the pad10*1 (0x80).
        var tail = input[offset..];
        tail.CopyTo(block);
        block[tail.Length] ^= 0x06;
        block[rate - 1] ^= 0x80;
        Absorb(state, block);
        var digest = new byte[bits / 8];
        for (int i = 0; i < digest.Length; i++) digest[i] = (byte)(state[i / 8] >> (8 * (i % 8)));
        return digest;
    }

    private static void Absorb(ulong[] state, ReadOnlySpan<byte> block)
    {
        for (int i = 0; i < block.Length / 8; i++) state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(8 * i, 8));
        Permute(state);
    }

    private static void Permute(ulong[] a)
    {
        Span<ulong> c = stackalloc ulong[5];
        Span<ulong> b = stackalloc ulong[25];
        for (int round = 0; round < 24; round++)
        {
            for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            for (int x = 0; x < 5; x++)
            {
                ulong d = c[(x + 4) % 5] ^ ulong.RotateLeft(c[(x + 1) % 5], 1);
                for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
            }
            // Rho and pi: lane (x, y) rotates and moves to (y, 2x + 3y).
            for (int x = 0; x < 5; x++)
                for (int y = 0; y < 5; y++)
                    b[y + 5 * ((2 * x + 3 * y) % 5)] = ulong.RotateLeft(a[x + 5 * y], RotationOffsets[x + 5 * y]);
            for (int y = 0; y < 25; y += 5)
                for (int x = 0; x < 5; x++) a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
            a[0] ^= RoundConstants[round];
        }
    }
}
