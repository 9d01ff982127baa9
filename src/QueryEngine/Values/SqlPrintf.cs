using System.Text;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Values;

/// <summary>
/// SQLite 3.40.1's printf (sqlite3_str_vappendf of printf.c), conversion for conversion: the SQL function
/// printf()/format() takes its arguments from SQL values (SQLITE_PRINTF_SQLFUNC), and the engine's own callers
/// (quote(), round(), the shell's insert mode) format one REAL. Widths and precisions count UTF-8 bytes, as SQLite's do
/// (characters with the '!' flag); a precision that cuts a character is refused by name, as FastDb's text is UTF-8. Reals are rendered in the x87 80-bit long double SQLite computes them in
/// (<see cref="Float80"/>), which decides every digit past the 17th.
/// An output over <see cref="EngineLimits.MaxValueBytes"/> makes printf() NULL, as sqlite3's StrAccum does past
/// SQLITE_LIMIT_LENGTH (it records TOOBIG but the SQL function returns no text); it is never built.
/// </summary>
public static class SqlPrintf
{
    private const int BufferSize = 70; // etBUFSIZE
    private static readonly double[] RoundingTerms = [5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10];
    private const string Digits = "0123456789ABCDEF0123456789abcdef";

    private enum Kind : byte { Radix, Float, Exp, Generic, Size, String, Percent, Char, Escape, Escape2, Escape3, Pointer, Ordinal, Decimal, Internal, Invalid }

    /// <summary>One row of fmtinfo: conversion letter, base, signed, kind, offset into the digit set, prefix for '#'.</summary>
    private readonly record struct Info(char Letter, byte Base, bool Signed, Kind Kind, byte Charset, string Prefix);

    private static readonly Info[] Conversions =
    [
        new('d', 10, true, Kind.Decimal, 0, ""), new('s', 0, false, Kind.String, 0, ""), new('g', 0, true, Kind.Generic, 30, ""),
        new('z', 0, false, Kind.String, 0, ""), new('q', 0, false, Kind.Escape, 0, ""), new('Q', 0, false, Kind.Escape2, 0, ""),
        new('w', 0, false, Kind.Escape3, 0, ""), new('c', 0, false, Kind.Char, 0, ""), new('o', 8, false, Kind.Radix, 0, "0"),
        new('u', 10, false, Kind.Decimal, 0, ""), new('x', 16, false, Kind.Radix, 16, "0x"), new('X', 16, false, Kind.Radix, 0, "0X"),
        new('f', 0, true, Kind.Float, 0, ""), new('e', 0, true, Kind.Exp, 30, ""), new('E', 0, true, Kind.Exp, 14, ""),
        new('G', 0, true, Kind.Generic, 14, ""), new('i', 10, true, Kind.Decimal, 0, ""), new('n', 0, false, Kind.Size, 0, ""),
        new('%', 0, false, Kind.Percent, 0, ""), new('p', 16, false, Kind.Pointer, 0, "0x"), new('T', 0, false, Kind.Internal, 0, ""),
        new('S', 0, false, Kind.Internal, 0, ""), new('r', 10, true, Kind.Ordinal, 0, ""),
    ];

    /// <summary>The accumulating output, in UTF-8 bytes, with SQLite's length limit.</summary>
    private sealed class Output
    {
        public byte[] Bytes = new byte[64];
        public int Length;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            Reserve(bytes.Length);
            bytes.CopyTo(Bytes.AsSpan(Length));
            Length += bytes.Length;
        }

        public void Append(byte b, long count)
        {
            if (count <= 0) return;
            Reserve(count);
            Bytes.AsSpan(Length, (int)count).Fill(b);
            Length += (int)count;
        }

        private void Reserve(long more)
        {
            if (EngineLimits.IsTooBig(Length + more)) throw new TooLong();
            if (Length + more <= Bytes.Length) return;
            Array.Resize(ref Bytes, (int)Math.Min(EngineLimits.MaxValueBytes + 1L, Math.Max(Bytes.Length * 2L, Length + more)));
        }

        public override string ToString() => Encoding.UTF8.GetString(Bytes, 0, Length);

        /// <summary>The output as text, refused by name where a byte-counted precision (%.Ns, %.Nq without '!') cut a
        /// character: sqlite3 returns those partial bytes, which FastDb's text cannot hold.</summary>
        public string ToValidText()
        {
            try { return StrictUtf8.GetString(Bytes, 0, Length); }
            catch (DecoderFallbackException) { throw new SqlParseException(CutCharacterMessage); }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public const string CutCharacterMessage =
        "FastDb does not support printf precisions that cut a UTF-8 character (sqlite3 counts bytes; use the ! flag to count characters)";

    /// <summary>The accumulator's TOOBIG state.</summary>
    private sealed class TooLong : Exception;

    /// <summary>The SQL function printf(format, ...): NULL when there is no format, it is NULL, or the result would be
    /// over the length limit.</summary>
    public static SqlValue Function(ReadOnlySpan<SqlValue> args)
    {
        if (args.Length == 0 || args[0].IsNull) return SqlValue.Null;
        var output = new Output();
        try { Append(output, CString(args[0].AsText()!), args[1..]); }
        catch (TooLong) { return SqlValue.Null; }
        return SqlValue.FromText(output.ToValidText());
    }

    /// <summary>One REAL through a single conversion (%f %e %E %g %G) with the '!' flag or not, as SQLite's own
    /// callers use it (the shell's "%!.20g", quote()'s "%!.15g" and "%!.20e", round()'s "%.*f").</summary>
    public static string Real(double value, char conversion, int precision, bool altForm2)
    {
        var output = new Output();
        var info = Array.Find(Conversions, c => c.Letter == conversion);
        AppendReal(output, value, info, precision, 0, altForm2, false, false, false, 0);
        return output.ToString();
    }

    /// <summary>A text argument as C sees it: its UTF-8 bytes up to the first NUL.</summary>
    private static byte[] CString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        int nul = Array.IndexOf(bytes, (byte)0);
        return nul < 0 ? bytes : bytes[..nul];
    }

    private sealed class Arguments(SqlValue[] values)
    {
        private int _used;
        public long Int() => _used < values.Length ? values[_used++].AsInteger() : 0;
        public double Double() => _used < values.Length ? values[_used++].AsReal() : 0.0;
        public byte[]? Text()
        {
            if (_used >= values.Length) return null;
            var v = values[_used++];
            return v.IsNull ? null : CString(v.AsText()!);
        }
    }

    private static void Append(Output output, byte[] fmt, ReadOnlySpan<SqlValue> values)
    {
        var args = new Arguments(values.ToArray());
        int i = 0;
        while (i < fmt.Length)
        {
            if (fmt[i] != '%')
            {
                int start = i;
                while (i < fmt.Length && fmt[i] != '%') i++;
                output.Append(fmt.AsSpan(start, i - start));
                if (i >= fmt.Length) break;
            }
            i++; // past '%'
            if (i >= fmt.Length) { output.Append((byte)'%', 1); break; }
            int c = fmt[i];
            bool leftJustify = false, alternateForm = false, altForm2 = false, zeroPad = false, done = false;
            byte flagPrefix = 0, thousands = 0;
            int width = 0, precision = -1;
            do
            {
                switch (c)
                {
                    case '-': leftJustify = true; break;
                    case '+': flagPrefix = (byte)'+'; break;
                    case ' ': flagPrefix = (byte)' '; break;
                    case '#': alternateForm = true; break;
                    case '!': altForm2 = true; break;
                    case '0': zeroPad = true; break;
                    case ',': thousands = (byte)','; break;
                    case 'l':
                        c = At(fmt, ++i);
                        if (c == 'l') c = At(fmt, ++i);
                        done = true;
                        break;
                    case >= '1' and <= '9':
                    {
                        uint wx = (uint)(c - '0');
                        while ((c = At(fmt, ++i)) >= '0' && c <= '9') wx = unchecked(wx * 10 + (uint)(c - '0'));
                        width = (int)(wx & 0x7fffffff);
                        if (c != '.' && c != 'l') done = true; else i--;
                        break;
                    }
                    case '*':
                    {
                        width = (int)args.Int();
                        if (width < 0)
                        {
                            leftJustify = true;
                            width = width >= -2147483647 ? -width : 0;
                        }
                        if ((c = At(fmt, i + 1)) != '.' && c != 'l') { c = At(fmt, ++i); done = true; }
                        break;
                    }
                    case '.':
                    {
                        c = At(fmt, ++i);
                        if (c == '*')
                        {
                            precision = (int)args.Int();
                            if (precision < 0) precision = precision >= -2147483647 ? -precision : -1;
                            c = At(fmt, ++i);
                        }
                        else
                        {
                            uint px = 0;
                            while (c >= '0' && c <= '9') { px = unchecked(px * 10 + (uint)(c - '0')); c = At(fmt, ++i); }
                            precision = (int)(px & 0x7fffffff);
                        }
                        if (c == 'l') i--; else done = true;
                        break;
                    }
                    default: done = true; break;
                }
            } while (!done && (c = At(fmt, ++i)) != 0);

            Info info = default;
            var kind = Kind.Invalid;
            foreach (var candidate in Conversions)
                if (c == candidate.Letter) { info = candidate; kind = candidate.Kind; break; }

            byte[] text;
            int length;
            switch (kind)
            {
                case Kind.Pointer: case Kind.Ordinal: case Kind.Radix: case Kind.Decimal:
                {
                    if (kind != Kind.Decimal) thousands = 0;
                    ulong value;
                    byte prefix;
                    if (info.Signed)
                    {
                        long v = args.Int();
                        if (v < 0) { value = v == long.MinValue ? 1UL << 63 : (ulong)-v; prefix = (byte)'-'; }
                        else { value = (ulong)v; prefix = flagPrefix; }
                    }
                    else { value = (ulong)args.Int(); prefix = 0; }
                    if (value == 0) alternateForm = false;
                    if (zeroPad && precision < width - (prefix != 0 ? 1 : 0)) precision = width - (prefix != 0 ? 1 : 0);
                    CheckTemporary((long)precision + 10 + (thousands != 0 ? precision / 3 : 0));
                    var digits = new List<byte>(24);
                    if (kind == Kind.Ordinal)
                    {
                        const string suffixes = "thstndrd";
                        int x = (int)(value % 10);
                        if (x >= 4 || (value / 10) % 10 == 1) x = 0;
                        digits.Add((byte)suffixes[x * 2 + 1]);
                        digits.Add((byte)suffixes[x * 2]);
                    }
                    int numberStart = digits.Count;
                    do { digits.Add((byte)Digits[info.Charset + (int)(value % info.Base)]); value /= info.Base; } while (value > 0);
                    while (precision > digits.Count - numberStart) digits.Add((byte)'0');
                    // digits holds the number reversed; comma-separate its digit part.
                    var number = digits.GetRange(numberStart, digits.Count - numberStart);
                    number.Reverse();
                    if (thousands != 0)
                    {
                        var grouped = new List<byte>(number.Count + number.Count / 3);
                        for (int k = 0; k < number.Count; k++)
                        {
                            if (k > 0 && (number.Count - k) % 3 == 0) grouped.Add(thousands);
                            grouped.Add(number[k]);
                        }
                        number = grouped;
                    }
                    var all = new List<byte>(number.Count + 4);
                    if (alternateForm && info.Prefix.Length > 0) foreach (char p in info.Prefix) all.Add((byte)p);
                    if (prefix != 0) all.Add(prefix);
                    all.AddRange(number);
                    for (int k = numberStart - 1; k >= 0; k--) all.Add(digits[k]);
                    text = [.. all];
                    length = text.Length;
                    break;
                }
                case Kind.Float: case Kind.Exp: case Kind.Generic:
                    AppendReal(output, args.Double(), info, precision, width, altForm2, alternateForm, zeroPad, leftJustify, flagPrefix);
                    i++;
                    continue;
                case Kind.Size: text = []; length = 0; width = 0; break;
                case Kind.Percent: text = "%"u8.ToArray(); length = 1; break;
                case Kind.Char:
                {
                    var arg = args.Text();
                    var one = new List<byte>(4);
                    if (arg != null && arg.Length > 0)
                    {
                        int k = 0;
                        one.Add(arg[k++]);
                        if ((one[0] & 0xc0) == 0xc0)
                            while (one.Count < 4 && k < arg.Length && (arg[k] & 0xc0) == 0x80) one.Add(arg[k++]);
                    }
                    else one.Add(0);
                    text = [.. one];
                    length = text.Length;
                    if (precision > 1)
                    {
                        width -= precision - 1;
                        if (width > 1 && !leftJustify) { output.Append((byte)' ', width - 1); width = 0; }
                        CheckTemporary((long)length * (precision - 1));
                        for (int k = 1; k < precision; k++) output.Append(text);
                    }
                    altForm2 = true;
                    width = AdjustWidthForUtf8(text, length, width, altForm2);
                    break;
                }
                case Kind.String:
                {
                    text = args.Text() ?? [];
                    if (precision >= 0)
                    {
                        if (altForm2)
                        {
                            int k = 0;
                            while (precision-- > 0 && k < text.Length) k = SkipUtf8(text, k);
                            length = k;
                        }
                        else length = Math.Min(precision, text.Length);
                    }
                    else length = text.Length;
                    width = AdjustWidthForUtf8(text, length, width, altForm2);
                    break;
                }
                case Kind.Escape: case Kind.Escape2: case Kind.Escape3:
                {
                    byte quote = kind == Kind.Escape3 ? (byte)'"' : (byte)'\'';
                    var arg = args.Text();
                    bool isNull = arg == null;
                    arg ??= kind == Kind.Escape2 ? "NULL"u8.ToArray() : "(NULL)"u8.ToArray();
                    int k = precision, n = 0;
                    for (n = 0; k != 0 && n < arg.Length; n++, k--)
                        if (altForm2 && (arg[n] & 0xc0) == 0xc0)
                            while (n + 1 < arg.Length && (arg[n + 1] & 0xc0) == 0x80) n++;
                    bool needQuote = !isNull && kind == Kind.Escape2;
                    var escaped = new List<byte>(n + 3);
                    if (needQuote) escaped.Add(quote);
                    for (int j = 0; j < n; j++) { escaped.Add(arg[j]); if (arg[j] == quote) escaped.Add(quote); }
                    if (needQuote) escaped.Add(quote);
                    text = [.. escaped];
                    length = text.Length;
                    width = AdjustWidthForUtf8(text, length, width, altForm2);
                    break;
                }
                default:
                    return; // an unknown conversion (or %T/%S, internal only) ends the output there
            }
            Pad(output, text.AsSpan(0, length), width, leftJustify);
            i++;
        }
    }

    private static int At(byte[] fmt, int i) => i < fmt.Length ? fmt[i] : 0;

    private static int SkipUtf8(byte[] text, int i)
    {
        if (text[i++] >= 0xc0) while (i < text.Length && (text[i] & 0xc0) == 0x80) i++;
        return i;
    }

    /// <summary>With '!' a width counts characters: continuation bytes widen it.</summary>
    private static int AdjustWidthForUtf8(byte[] text, int length, int width, bool altForm2)
    {
        if (altForm2 && width > 0)
            for (int k = length - 1; k >= 0; k--) if ((text[k] & 0xc0) == 0x80) width++;
        return width;
    }

    /// <summary>printfTempBuf's check: a conversion buffer over the length limit is TOOBIG before it is built.</summary>
    private static void CheckTemporary(long bytes)
    {
        if (bytes > BufferSize && EngineLimits.IsTooBig(bytes)) throw new TooLong();
    }

    private static void Pad(Output output, ReadOnlySpan<byte> text, int width, bool leftJustify)
    {
        width -= text.Length;
        if (width > 0 && !leftJustify) output.Append((byte)' ', width);
        output.Append(text);
        if (width > 0 && leftJustify) output.Append((byte)' ', width);
    }

    /// <summary>etFLOAT / etEXP / etGENERIC, in long double, then the field's padding.</summary>
    private static void AppendReal(Output output, double value, Info info, int precision, int width, bool altForm2,
        bool alternateForm, bool zeroPad, bool leftJustify, byte flagPrefix)
    {
        var kind = info.Kind;
        if (precision < 0) precision = 6;
        if (precision > 100000000) precision = 100000000; // SQLITE_FP_PRECISION_LIMIT
        byte prefix;
        if (value < 0) { value = -value; prefix = (byte)'-'; }
        else prefix = flagPrefix;
        if (double.IsInfinity(value))
        {
            // The scaling loop stops at exp 350 and prints "Inf" after the sign.
            Span<byte> inf = stackalloc byte[4];
            int n = 0;
            if (prefix != 0) inf[n++] = prefix;
            "Inf"u8.CopyTo(inf[n..]);
            Pad(output, inf[..(n + 3)], width, leftJustify);
            return;
        }
        if (kind == Kind.Generic && precision > 0) precision--;
        int idx = precision & 0xfff;
        double rounder = RoundingTerms[idx % 10];
        while (idx >= 10) { rounder *= 1.0e-10; idx -= 10; }
        var real = Float80.From(value);
        if (kind == Kind.Float)
        {
            int ex = -1023 + (int)((BitConverter.DoubleToInt64Bits(value) >> 52) & 0x7ff);
            if (precision + ex / 3 < 15) rounder = (Float80.From(rounder) + real * Float80.From(3e-16)).ToDouble();
            real += Float80.From(rounder);
        }
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
        if (kind != Kind.Float)
        {
            real += Float80.From(rounder);
            if (real >= Float80.From(10.0)) { real *= Float80.From(0.1); exp++; }
        }
        bool removeTrailingZeros;
        if (kind == Kind.Generic)
        {
            removeTrailingZeros = !alternateForm;
            if (exp < -4 || exp > precision) kind = Kind.Exp;
            else { precision -= exp; kind = Kind.Float; }
        }
        else removeTrailingZeros = altForm2;
        int e2 = kind == Kind.Exp ? 0 : exp;
        CheckTemporary(Math.Max(e2, 0) + (long)precision + width + 15);
        var text = new List<byte>(Math.Max(e2, 0) + precision + 16);
        int significant = 16 + (altForm2 ? 10 : 0);
        bool decimalPoint = precision > 0 || alternateForm || altForm2;
        if (prefix != 0) text.Add(prefix);
        if (e2 < 0) text.Add((byte)'0');
        else for (; e2 >= 0; e2--) text.Add(NextDigit(ref real, ref significant));
        if (decimalPoint) text.Add((byte)'.');
        for (e2++; e2 < 0; precision--, e2++) text.Add((byte)'0');
        while (precision-- > 0) text.Add(NextDigit(ref real, ref significant));
        if (removeTrailingZeros && decimalPoint)
        {
            while (text[^1] == '0') text.RemoveAt(text.Count - 1);
            if (text[^1] == '.')
            {
                if (altForm2) text.Add((byte)'0');
                else text.RemoveAt(text.Count - 1);
            }
        }
        if (kind == Kind.Exp)
        {
            text.Add((byte)Digits[info.Charset]);
            if (exp < 0) { text.Add((byte)'-'); exp = -exp; }
            else text.Add((byte)'+');
            if (exp >= 100) { text.Add((byte)(exp / 100 + '0')); exp %= 100; }
            text.Add((byte)(exp / 10 + '0'));
            text.Add((byte)(exp % 10 + '0'));
        }
        if (zeroPad && !leftJustify && text.Count < width)
        {
            int pad = width - text.Count;
            text.InsertRange(prefix != 0 ? 1 : 0, Enumerable.Repeat((byte)'0', pad));
        }
        Pad(output, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(text), width, leftJustify);
    }

    /// <summary>et_getdigit: the integer part as a digit, then the rest times ten; '0' once the digits run out.</summary>
    private static byte NextDigit(ref Float80 value, ref int significant)
    {
        if (significant <= 0) return (byte)'0';
        significant--;
        int digit = value.IntegerPart();
        value = (value - Float80.From(digit)) * Float80.From(10.0);
        return (byte)('0' + digit);
    }
}
