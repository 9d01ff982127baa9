using System.Numerics;
using System.Text;

namespace FastDb.QueryEngine.Shell;

/// <summary>
/// SQLite 3.40.1's "%!.20g" (what the shell's insert and json modes print a REAL with), digit for digit. SQLite
/// computes those digits in the C compiler's long double, which on x86-64 Linux is the x87 80-bit format (64-bit
/// significand, round to nearest even); beyond the 17th digit they are artifacts of that arithmetic (1e300 prints
/// as 1.0000000000000000047e+300, not the exact ...0525e+300), so the algorithm is replayed in a software 80-bit float.
/// </summary>
public static class ExtendedPrecisionReal
{
    private static readonly double[] Round = [5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10];

    /// <summary>printf("%!.20g", value) as SQLite 3.40.1 writes it (finite values; the shell spells infinities itself).</summary>
    public static string Format20(double value)
    {
        const int requested = 20;
        var text = new StringBuilder(32);
        var real = Float80.From(value);
        if (real.Negative)
        {
            real = real.Negate();
            text.Append('-');
        }
        int precision = requested - 1; // etGENERIC counts the digit before the point
        int idx = precision & 0xfff;
        var rounder = Float80.From(Round[idx % 10]);
        while (idx >= 10) { rounder = rounder * Float80.From(1.0e-10); idx -= 10; }
        int exp = 0;
        if (!real.IsZero)
        {
            var scale = Float80.One;
            while (real >= Float80.From(1e100) * scale && exp <= 350) { scale *= Float80.From(1e100); exp += 100; }
            while (real >= Float80.From(1e10) * scale && exp <= 350) { scale *= Float80.From(1e10); exp += 10; }
            while (real >= Float80.From(10.0) * scale && exp <= 350) { scale *= Float80.From(10.0); exp++; }
            real /= scale;
            while (real < Float80.From(1e-8)) { real *= Float80.From(1e8); exp -= 8; }
            while (real < Float80.One) { real *= Float80.From(10.0); exp--; }
        }
        real += rounder;
        if (real >= Float80.From(10.0)) { real *= Float80.From(0.1); exp++; }
        bool exponentForm = exp < -4 || exp > precision;
        if (!exponentForm) precision -= exp;
        int e2 = exponentForm ? 0 : exp;
        int significant = 26; // nsd with the '!' flag
        if (e2 < 0) text.Append('0');
        else for (; e2 >= 0; e2--) text.Append(NextDigit(ref real, ref significant));
        text.Append('.');
        for (e2++; e2 < 0; precision--, e2++) text.Append('0');
        while (precision-- > 0) text.Append(NextDigit(ref real, ref significant));
        // Trailing zeros go, but the '!' flag keeps one digit after the point.
        int end = text.Length;
        while (text[end - 1] == '0') end--;
        text.Length = end;
        if (text[end - 1] == '.') text.Append('0');
        if (exponentForm)
        {
            text.Append('e').Append(exp < 0 ? '-' : '+');
            int a = Math.Abs(exp);
            if (a >= 100) { text.Append((char)('0' + a / 100)); a %= 100; }
            text.Append((char)('0' + a / 10)).Append((char)('0' + a % 10));
        }
        return text.ToString();
    }

    /// <summary>et_getdigit: the integer part of the value as a digit, then the value minus it, times ten.</summary>
    private static char NextDigit(ref Float80 value, ref int significant)
    {
        if (significant <= 0) return '0';
        significant--;
        int digit = value.IntegerPart();
        value = (value - Float80.From(digit)) * Float80.From(10.0);
        return (char)('0' + digit);
    }

    /// <summary>An x87 extended-precision value: sign, 64-bit significand with its top bit set (or zero), binary
    /// exponent of the significand's lowest bit. Every operation rounds to nearest, ties to even, as the FPU does.</summary>
    private readonly struct Float80
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

        /// <summary>(int) of a value in [0, 10).</summary>
        public int IntegerPart()
        {
            if (IsZero || _exponent <= -64) return 0;
            if (_exponent >= 0) throw new InvalidOperationException("digit out of range");
            return (int)(_mantissa >> -_exponent);
        }
    }
}
