using System.Numerics;

namespace FastDb.QueryEngine.Values;

/// <summary>An x87 extended-precision value: sign, 64-bit significand with its top bit set (or zero), binary
/// exponent of the significand's lowest bit. Every operation rounds to nearest, ties to even, as the FPU does.</summary>
internal readonly struct Float80
{
    private readonly ulong _mantissa;
    private readonly int _exponent; // value = mantissa * 2^exponent
    public readonly bool Negative;

    private Float80(ulong mantissa, int exponent, bool negative)
    {
        _mantissa = mantissa;
        _exponent = exponent;
        Negative = negative;
    }

    public static readonly Float80 One = From(1.0);

    public bool IsZero => _mantissa == 0;

    public Float80 Negate() => new(_mantissa, _exponent, !Negative);

    public static Float80 From(double d)
    {
        if (d == 0) return default;
        long bits = BitConverter.DoubleToInt64Bits(d);
        bool negative = bits < 0;
        int biased = (int)((bits >> 52) & 0x7ff);
        ulong fraction = (ulong)bits & 0xfffffffffffffUL;
        ulong m = biased == 0 ? fraction : fraction | (1UL << 52);
        int e = (biased == 0 ? 1 : biased) - 1075;
        return Normalize(m, e, negative);
    }

    private static Float80 Normalize(ulong m, int e, bool negative)
    {
        if (m == 0) return default;
        int shift = BitOperations.LeadingZeroCount(m);
        return new Float80(m << shift, e - shift, negative);
    }

    /// <summary>Rounds a wide significand (value = wide * 2^e, plus a sticky bit for anything below) to 64 bits.</summary>
    private static Float80 Round(UInt128 wide, int e, bool sticky, bool negative)
    {
        if (wide == UInt128.Zero) return default;
        int top = 127 - (int)UInt128.LeadingZeroCount(wide);
        if (top <= 63) return Normalize((ulong)wide, e, negative);
        int drop = top - 63;
        UInt128 kept = wide >> drop;
        UInt128 rest = wide & ((UInt128.One << drop) - 1);
        UInt128 half = UInt128.One << (drop - 1);
        bool up = rest > half || (rest == half && (sticky || (kept & 1) == 1));
        e += drop;
        if (up)
        {
            kept++;
            if (kept >> 64 != 0) { kept >>= 1; e++; }
        }
        return new Float80((ulong)kept, e, negative);
    }

    public static Float80 operator *(Float80 a, Float80 b)
    {
        if (a.IsZero || b.IsZero) return default;
        return Round((UInt128)a._mantissa * b._mantissa, a._exponent + b._exponent, false, a.Negative != b.Negative);
    }

    public static Float80 operator /(Float80 a, Float80 b)
    {
        if (a.IsZero) return default;
        UInt128 numerator = (UInt128)a._mantissa << 64;
        UInt128 q = numerator / b._mantissa;
        UInt128 r = numerator % b._mantissa;
        int e = a._exponent - 64 - b._exponent;
        // Two more quotient bits than the 64 kept, so the rounding sees its round bit; the remainder is the sticky bit.
        for (int i = 0; i < 2; i++)
        {
            r <<= 1;
            q <<= 1;
            if (r >= b._mantissa) { r -= b._mantissa; q |= 1; }
            e--;
        }
        return Round(q, e, r != UInt128.Zero, a.Negative != b.Negative);
    }

    public static Float80 operator +(Float80 a, Float80 b) => Add(a, b, b.Negative);

    public static Float80 operator -(Float80 a, Float80 b) => Add(a, b, !b.Negative);

    private static Float80 Add(Float80 a, Float80 b, bool bNegative)
    {
        if (b.IsZero) return a;
        if (a.IsZero) return new Float80(b._mantissa, b._exponent, bNegative);
        // Both operands with 62 guard bits below the larger one's significand; what shifts out is the sticky bit.
        Float80 big = a, small = new(b._mantissa, b._exponent, bNegative);
        if (Magnitude(big, small) < 0) (big, small) = (small, big);
        int diff = big._exponent - small._exponent;
        UInt128 x = (UInt128)big._mantissa << 62;
        UInt128 y;
        bool sticky;
        if (diff > 126) { y = UInt128.Zero; sticky = true; }
        else
        {
            UInt128 full = (UInt128)small._mantissa << 62;
            y = full >> diff;
            sticky = (y << diff) != full;
        }
        int e = big._exponent - 62;
        if (big.Negative == small.Negative) return Round(x + y, e, sticky, big.Negative);
        // A subtraction with a sticky remainder: borrow one unit below the guard bits so the rounding still sees it.
        if (sticky) return Round(((x - y) << 1) - 1, e - 1, true, big.Negative);
        return Round(x - y, e, false, big.Negative);
    }

    /// <summary>Compares absolute values.</summary>
    private static int Magnitude(Float80 a, Float80 b)
    {
        if (a.IsZero || b.IsZero) return a.IsZero ? (b.IsZero ? 0 : -1) : 1;
        if (a._exponent != b._exponent) return a._exponent.CompareTo(b._exponent);
        return a._mantissa.CompareTo(b._mantissa);
    }

    private static int Compare(Float80 a, Float80 b)
    {
        bool an = a.Negative && !a.IsZero, bn = b.Negative && !b.IsZero;
        if (an != bn) return an ? -1 : 1;
        int m = Magnitude(a, b);
        return an ? -m : m;
    }

    public static bool operator >=(Float80 a, Float80 b) => Compare(a, b) >= 0;
    public static bool operator <=(Float80 a, Float80 b) => Compare(a, b) <= 0;
    public static bool operator <(Float80 a, Float80 b) => Compare(a, b) < 0;
    public static bool operator >(Float80 a, Float80 b) => Compare(a, b) > 0;

    /// <summary>The nearest double (round to nearest even), as a C cast from long double to double.</summary>
    public double ToDouble()
    {
        if (IsZero) return Negative ? -0.0 : 0.0;
        // Keep 53 significant bits of the 64, rounding on the 11 dropped.
        ulong kept = _mantissa >> 11;
        ulong rest = _mantissa & 0x7ff;
        if (rest > 0x400 || (rest == 0x400 && (kept & 1) == 1)) kept++;
        double d = Math.ScaleB(kept, _exponent + 11);
        return Negative ? -d : d;
    }

    /// <summary>(int) of a value in [0, 10).</summary>
    public int IntegerPart()
    {
        if (IsZero || _exponent <= -64) return 0;
        if (_exponent >= 0) throw new InvalidOperationException("digit out of range");
        return (int)(_mantissa >> -_exponent);
    }
}
