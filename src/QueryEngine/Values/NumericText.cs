namespace FastDb.QueryEngine.Values;

/// <summary>Text-to-number rules of SQLite (sqlite3AtoF / sqlite3Atoi64 and the affinities built on them).</summary>
public static class NumericText
{
    /// <summary>What a text spells as a number: its extent and shape.</summary>
    private readonly struct Scan
    {
        public readonly int End;        // index after the numeric prefix (0 when there are no digits)
        public readonly bool HasDigits;
        public readonly bool IsIntegerShape; // no '.' and no exponent
        public readonly bool Whole;     // only whitespace after the prefix
        public Scan(int end, bool hasDigits, bool intShape, bool whole) { End = end; HasDigits = hasDigits; IsIntegerShape = intShape; Whole = whole; }
    }

    public static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private static Scan ScanNumber(string s)
    {
        int i = 0, n = s.Length;
        while (i < n && IsSpace(s[i])) i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        int digits = 0;
        bool intShape = true;
        while (i < n && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (i < n && s[i] == '.')
        {
            intShape = false;
            i++;
            while (i < n && char.IsAsciiDigit(s[i])) { i++; digits++; }
        }
        if (digits > 0 && i < n && (s[i] == 'e' || s[i] == 'E'))
        {
            int j = i + 1;
            if (j < n && (s[j] == '+' || s[j] == '-')) j++;
            if (j < n && char.IsAsciiDigit(s[j]))
            {
                while (j < n && char.IsAsciiDigit(s[j])) j++;
                i = j;
                intShape = false;
            }
        }
        if (digits == 0) return new Scan(0, false, true, false);
        int end = i;
        while (i < n && IsSpace(s[i])) i++;
        return new Scan(end, true, intShape, i == n);
    }

    private static double ParseReal(string s, int end)
    {
        var span = s.AsSpan(0, end).Trim(" \t\n\v\f\r");
        if (span.Length > 0 && span[^1] == '.') span = span[..^1];
        if (span.Length > 0 && span[0] == '.') return double.Parse("0" + span.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        if (span.Length > 1 && (span[0] == '-' || span[0] == '+') && span[1] == '.')
            return double.Parse(span[0] + "0" + span[1..].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        return double.Parse(span, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Parses an integer-shaped prefix; false on 64-bit overflow.</summary>
    private static bool TryParseInteger(string s, int end, out long value)
    {
        var span = s.AsSpan(0, end).Trim(" \t\n\v\f\r");
        return long.TryParse(span, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    /// <summary>sqlite3_value_double of a text.</summary>
    public static double PrefixToReal(string s)
    {
        var scan = ScanNumber(s);
        return scan.HasDigits ? ParseReal(s, scan.End) : 0.0;
    }

    /// <summary>sqlite3_value_int64 of a text: the integer prefix (no fraction, no exponent), saturating.</summary>
    public static long PrefixToInteger(string s)
    {
        int i = 0, n = s.Length;
        while (i < n && IsSpace(s[i])) i++;
        bool neg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        ulong acc = 0;
        bool overflow = false;
        while (i < n && char.IsAsciiDigit(s[i]))
        {
            if (acc > (ulong.MaxValue - 9) / 10) overflow = true;
            else acc = acc * 10 + (ulong)(s[i] - '0');
            i++;
        }
        if (neg) return overflow || acc > 9223372036854775808UL ? long.MinValue : (long)(0 - acc);
        return overflow || acc > long.MaxValue ? long.MaxValue : (long)acc;
    }

    /// <summary>The number a text contributes to arithmetic (computeNumericType): integer when the prefix is an integer that fits.</summary>
    public static SqlValue PrefixToNumber(string s)
    {
        var scan = ScanNumber(s);
        if (!scan.HasDigits) return SqlValue.FromInteger(0);
        if (scan.IsIntegerShape && TryParseInteger(s, scan.End, out long v)) return SqlValue.FromInteger(v);
        return SqlValue.FromReal(ParseReal(s, scan.End));
    }

    /// <summary>CAST(text AS NUMERIC), sqlite3VdbeMemNumerify: the numeric prefix, as an integer when it is one that
    /// fits (or no number at all: 0), or a real that is the same as a small integer (|x| &lt; 2^51, or 0); else real.</summary>
    public static SqlValue CastToNumeric(string s)
    {
        var scan = ScanNumber(s);
        if (!scan.HasDigits) return SqlValue.FromInteger(0);
        if (scan.IsIntegerShape && TryParseInteger(s, scan.End, out long v)) return SqlValue.FromInteger(v);
        double r = ParseReal(s, scan.End);
        if (r == 0.0) return SqlValue.FromInteger(0);
        if (r >= -2251799813685248.0 && r < 2251799813685248.0 && Math.Floor(r) == r) return SqlValue.FromInteger((long)r);
        return SqlValue.FromReal(r);
    }

    /// <summary>Numeric affinity on a text: converts only a whole well-formed number (whitespace around allowed).
    /// <paramref name="tryForInteger"/> turns integral reals into integers (column affinity does; comparisons do not).</summary>
    public static bool TryWholeNumber(string s, bool tryForInteger, out SqlValue number)
    {
        number = default;
        var scan = ScanNumber(s);
        if (!scan.HasDigits || !scan.Whole) return false;
        if (scan.IsIntegerShape && TryParseInteger(s, scan.End, out long v)) { number = SqlValue.FromInteger(v); return true; }
        double r = ParseReal(s, scan.End);
        number = tryForInteger ? AffinityRules.RealToIntegerIfExact(r) : SqlValue.FromReal(r);
        return true;
    }
}
