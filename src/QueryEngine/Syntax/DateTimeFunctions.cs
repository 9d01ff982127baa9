using System.Globalization;
using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// SQLite 3.40.1's date.c: date, time, datetime, julianday, unixepoch and strftime, on its julian-day-in-milliseconds
/// arithmetic, its parsers (YYYY-MM-DD, HH:MM[:SS[.SSS]], a T or spaces between, a [+-]HH:MM or Z zone, a julian
/// day number, 'now') and its modifiers (NNN days/hours/minutes/seconds/months/years, [+-]HH:MM[:SS[.SSS]], start of
/// day/month/year, weekday N, unixepoch, julianday, auto). 'now' is <see cref="NowUnixMs"/>: the server sets it from
/// the log entry's timestamp (fixed by the node that took the request, so every node computes the same value); exec
/// mode uses the clock. 'localtime' and 'utc' depend on the node's time zone and are refused by name.
/// </summary>
public static class DateTimeFunctions
{
    /// <summary>The time 'now' stands for during one script (Unix milliseconds); null: the system clock.</summary>
    [ThreadStatic] public static long? NowUnixMs;

    private const long UnixEpochJdMs = 210866760000000L;

    /// <summary>date.c's DateTime.</summary>
    private struct DateTime
    {
        public long JD;
        public int Y, M, D, h, m, tz;
        public double s;
        public bool ValidJD, RawS, ValidYMD, ValidHMS, ValidTZ, IsError;
    }

    /// <summary>Refuses, when the script is prepared, a modifier FastDb cannot make the same on every node.</summary>
    public static void CheckLiteralArguments(Expr[] args, int firstModifier)
    {
        for (int i = firstModifier; i < args.Length; i++)
            if (args[i] is LiteralExpr { Value.Type: SqlType.Text } lit && IsZoneModifier(lit.Value.Text!))
                throw new SqlParseException("FastDb does not support the date and time modifier '" + lit.Value.Text + "'");
    }

    private static bool IsZoneModifier(string z) =>
        z.Equals("localtime", StringComparison.OrdinalIgnoreCase) || z.Equals("utc", StringComparison.OrdinalIgnoreCase);

    public static SqlValue Call(ScalarFunction function, SqlValue[] v)
    {
        if (function == ScalarFunction.StrFTime) return StrFTime(v);
        if (!IsDate(v, 0, out var x)) return SqlValue.Null;
        switch (function)
        {
            case ScalarFunction.JulianDay: return SqlValue.FromReal(x.JD / 86400000.0);
            case ScalarFunction.UnixEpoch: return SqlValue.FromInteger(x.JD / 1000 - 21086676L * 10000);
            case ScalarFunction.Date:
                ComputeYMD(ref x);
                return SqlValue.FromText(YearMonthDay(x));
            case ScalarFunction.Time:
                ComputeHMS(ref x);
                return SqlValue.FromText(HourMinuteSecond(x));
            default:
                ComputeYMD(ref x);
                ComputeHMS(ref x);
                return SqlValue.FromText(YearMonthDay(x) + " " + HourMinuteSecond(x));
        }
    }

    private static string YearMonthDay(in DateTime x)
    {
        int y = Math.Abs(x.Y);
        var text = (y / 1000 % 10).ToString(CultureInfo.InvariantCulture) + (y / 100 % 10) + (y / 10 % 10) + (y % 10)
                   + "-" + x.M.ToString("00", CultureInfo.InvariantCulture) + "-" + x.D.ToString("00", CultureInfo.InvariantCulture);
        return x.Y < 0 ? "-" + text : text;
    }

    private static string HourMinuteSecond(in DateTime x) =>
        x.h.ToString("00", CultureInfo.InvariantCulture) + ":" + x.m.ToString("00", CultureInfo.InvariantCulture) + ":" +
        ((int)x.s).ToString("00", CultureInfo.InvariantCulture);

    /// <summary>isDate: the time value and its modifiers, from argument <paramref name="first"/> on.</summary>
    private static bool IsDate(SqlValue[] v, int first, out DateTime p)
    {
        p = default;
        int argc = v.Length - first;
        if (argc == 0) return SetToCurrent(ref p);
        var a = v[first];
        if (a.Type is SqlType.Integer or SqlType.Real) SetRawDateNumber(ref p, a.Type == SqlType.Integer ? a.Integer : a.Real);
        else
        {
            if (a.IsNull || ParseDateOrTime(a.AsText()!, ref p)) return false;
        }
        for (int i = first + 1; i < v.Length; i++)
        {
            if (v[i].IsNull) return false;
            var z = v[i].AsText()!;
            if (IsZoneModifier(z)) throw new SqlRuntimeException("FastDb does not support the date and time modifier '" + z + "'", 1);
            if (ParseModifier(z, ref p, i - first)) return false;
        }
        ComputeJD(ref p);
        return !p.IsError && ValidJulianDay(p.JD);
    }

    private static bool SetToCurrent(ref DateTime p)
    {
        long unixMs = NowUnixMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        p.JD = unixMs + UnixEpochJdMs;
        p.ValidJD = p.JD > 0;
        return p.ValidJD;
    }

    private static bool ValidJulianDay(long jd) => jd >= 0 && jd <= 464269060799999L;

    private static void SetRawDateNumber(ref DateTime p, double r)
    {
        p.s = r;
        p.RawS = true;
        if (r >= 0.0 && r < 5373484.5)
        {
            p.JD = (long)(r * 86400000.0 + 0.5);
            p.ValidJD = true;
        }
    }

    private static void Error(ref DateTime p)
    {
        p = default;
        p.IsError = true;
    }

    private static bool IsDigit(string z, int i) => i < z.Length && z[i] >= '0' && z[i] <= '9';
    private static char At(string z, int i) => i < z.Length ? z[i] : '\0';

    /// <summary>getDigits: fields of N digits within [min, max], each followed by its separator (or the end).</summary>
    private static int GetDigits(string z, int pos, ReadOnlySpan<(int N, int Min, int Max, char Next)> format, Span<int> values)
    {
        int count = 0;
        foreach (var (n, min, max, next) in format)
        {
            int val = 0;
            for (int k = 0; k < n; k++)
            {
                if (!IsDigit(z, pos)) return count;
                val = val * 10 + z[pos] - '0';
                pos++;
            }
            if (val < min || val > max || (next != '\0' && next != At(z, pos))) return count;
            values[count++] = val;
            pos++;
        }
        return count;
    }

    private static bool ParseTimezone(string z, int pos, ref DateTime p)
    {
        while (pos < z.Length && NumericText.IsSpace(z[pos])) pos++;
        p.tz = 0;
        char c = At(z, pos);
        int sign;
        if (c == '-') sign = -1;
        else if (c == '+') sign = 1;
        else if (c is 'Z' or 'z') { pos++; goto Zulu; }
        else return c != '\0';
        pos++;
        Span<int> v = stackalloc int[2];
        if (GetDigits(z, pos, [(2, 0, 14, ':'), (2, 0, 59, '\0')], v) != 2) return true;
        pos += 5;
        p.tz = sign * (v[1] + v[0] * 60);
    Zulu:
        while (pos < z.Length && NumericText.IsSpace(z[pos])) pos++;
        return pos < z.Length;
    }

    private static bool ParseHhMmSs(string z, int pos, ref DateTime p)
    {
        Span<int> v = stackalloc int[2];
        if (GetDigits(z, pos, [(2, 0, 24, ':'), (2, 0, 59, '\0')], v) != 2) return true;
        int h = v[0], m = v[1], s;
        double ms = 0.0;
        pos += 5;
        if (At(z, pos) == ':')
        {
            pos++;
            Span<int> sv = stackalloc int[1];
            if (GetDigits(z, pos, [(2, 0, 59, '\0')], sv) != 1) return true;
            s = sv[0];
            pos += 2;
            if (At(z, pos) == '.' && IsDigit(z, pos + 1))
            {
                double scale = 1.0;
                pos++;
                while (IsDigit(z, pos)) { ms = ms * 10.0 + z[pos] - '0'; scale *= 10.0; pos++; }
                ms /= scale;
            }
        }
        else s = 0;
        p.ValidJD = false;
        p.RawS = false;
        p.ValidHMS = true;
        p.h = h;
        p.m = m;
        p.s = s + ms;
        if (ParseTimezone(z, pos, ref p)) return true;
        p.ValidTZ = p.tz != 0;
        return false;
    }

    private static bool ParseYyyyMmDd(string z, ref DateTime p)
    {
        int pos = 0;
        bool negative = At(z, 0) == '-';
        if (negative) pos++;
        Span<int> v = stackalloc int[3];
        if (GetDigits(z, pos, [(4, 0, 9999, '-'), (2, 1, 12, '-'), (2, 1, 31, '\0')], v) != 3) return true;
        pos += 10;
        while (pos < z.Length && (NumericText.IsSpace(z[pos]) || z[pos] == 'T')) pos++;
        if (!ParseHhMmSs(z, pos, ref p)) { }
        else if (pos >= z.Length) p.ValidHMS = false;
        else return true;
        p.ValidJD = false;
        p.ValidYMD = true;
        p.Y = negative ? -v[0] : v[0];
        p.M = v[1];
        p.D = v[2];
        if (p.ValidTZ) ComputeJD(ref p);
        return false;
    }

    private static bool ParseDateOrTime(string z, ref DateTime p)
    {
        if (!ParseYyyyMmDd(z, ref p)) return false;
        if (!ParseHhMmSs(z, 0, ref p)) return false;
        if (z.Equals("now", StringComparison.OrdinalIgnoreCase)) return !SetToCurrent(ref p);
        if (IsWholeNumber(z, out double r)) { SetRawDateNumber(ref p, r); return false; }
        return true;
    }

    /// <summary>sqlite3AtoF(...) &gt; 0: the whole text (spaces around allowed) is a number.</summary>
    private static bool IsWholeNumber(string z, out double r)
    {
        r = 0;
        if (!NumericText.TryWholeNumber(z, false, out var n)) return false;
        r = n.Type == SqlType.Integer ? n.Integer : n.Real;
        return true;
    }

    private static void ComputeJD(ref DateTime p)
    {
        if (p.ValidJD) return;
        int y, mo, d;
        if (p.ValidYMD) { y = p.Y; mo = p.M; d = p.D; }
        else { y = 2000; mo = 1; d = 1; }
        if (y < -4713 || y > 9999 || p.RawS) { Error(ref p); return; }
        if (mo <= 2) { y--; mo += 12; }
        int a = y / 100;
        int b = 2 - a + a / 4;
        int x1 = 36525 * (y + 4716) / 100;
        int x2 = 306001 * (mo + 1) / 10000;
        p.JD = (long)((x1 + x2 + d + b - 1524.5) * 86400000);
        p.ValidJD = true;
        if (p.ValidHMS)
        {
            p.JD += p.h * 3600000L + p.m * 60000L + (long)(p.s * 1000 + 0.5);
            if (p.ValidTZ)
            {
                p.JD -= p.tz * 60000L;
                p.ValidYMD = false;
                p.ValidHMS = false;
                p.ValidTZ = false;
            }
        }
    }

    private static void ComputeYMD(ref DateTime p)
    {
        if (p.ValidYMD) return;
        if (!p.ValidJD) { p.Y = 2000; p.M = 1; p.D = 1; }
        else if (!ValidJulianDay(p.JD)) { Error(ref p); return; }
        else
        {
            int z = (int)((p.JD + 43200000) / 86400000);
            int a = (int)((z - 1867216.25) / 36524.25);
            a = z + 1 + a - a / 4;
            int b = a + 1524;
            int c = (int)((b - 122.1) / 365.25);
            int d = 36525 * (c & 32767) / 100;
            int e = (int)((b - d) / 30.6001);
            int x1 = (int)(30.6001 * e);
            p.D = b - d - x1;
            p.M = e < 14 ? e - 1 : e - 13;
            p.Y = p.M > 2 ? c - 4716 : c - 4715;
        }
        p.ValidYMD = true;
    }

    private static void ComputeHMS(ref DateTime p)
    {
        if (p.ValidHMS) return;
        ComputeJD(ref p);
        int s = (int)((p.JD + 43200000) % 86400000);
        p.s = s / 1000.0;
        s = (int)p.s;
        p.s -= s;
        p.h = s / 3600;
        s -= p.h * 3600;
        p.m = s / 60;
        p.s += s - p.m * 60;
        p.RawS = false;
        p.ValidHMS = true;
    }

    private static void ClearYMD_HMS_TZ(ref DateTime p)
    {
        p.ValidYMD = false;
        p.ValidHMS = false;
        p.ValidTZ = false;
    }

    /// <summary>aXformType: the unit names of "NNN units", their limits and sizes (single precision, as in C).</summary>
    private static readonly (string Name, float Limit, float Seconds)[] Units =
    [
        ("second", 4.6427e+14f, 1.0f), ("minute", 7.7379e+12f, 60.0f), ("hour", 1.2897e+11f, 3600.0f),
        ("day", 5373485.0f, 86400.0f), ("month", 176546.0f, 2592000.0f), ("year", 14713.0f, 31536000.0f),
    ];

    /// <summary>parseModifier: true when the modifier is not understood (the result is then NULL).</summary>
    private static bool ParseModifier(string z, ref DateTime p, int index)
    {
        if (z.Length == 0) return true;
        char first = char.ToLowerInvariant(z[0]);
        double r;
        switch (first)
        {
            case 'a':
                if (!z.Equals("auto", StringComparison.OrdinalIgnoreCase)) return true;
                if (index > 1) return true;
                if (!p.RawS || p.ValidJD) { p.RawS = false; return false; }
                if (p.s >= -21086676L * 10000 && p.s <= 25340230L * 10000 + 799) return SetFromUnixTime(ref p, p.s * 1000.0 + 210866760000000.0);
                return true;
            case 'j':
                if (!z.Equals("julianday", StringComparison.OrdinalIgnoreCase)) return true;
                if (index > 1) return true;
                if (p.ValidJD && p.RawS) { p.RawS = false; return false; }
                return true;
            case 'u':
                if (!z.Equals("unixepoch", StringComparison.OrdinalIgnoreCase) || !p.RawS) return true;
                if (index > 1) return true;
                r = p.s * 1000.0 + 210866760000000.0;
                return r >= 0.0 && r < 464269060800000.0 ? SetFromUnixTime(ref p, r) : true;
            case 'w':
            {
                if (!z.StartsWith("weekday ", StringComparison.OrdinalIgnoreCase) || !IsWholeNumber(z[8..], out r)) return true;
                int n = (int)r;
                if (n != r || n < 0 || r >= 7) return true;
                ComputeYMD(ref p);
                ComputeHMS(ref p);
                p.ValidTZ = false;
                p.ValidJD = false;
                ComputeJD(ref p);
                long day = (p.JD + 129600000) / 86400000 % 7;
                if (day > n) day -= 7;
                p.JD += (n - day) * 86400000;
                ClearYMD_HMS_TZ(ref p);
                return false;
            }
            case 's':
            {
                if (!z.StartsWith("start of ", StringComparison.OrdinalIgnoreCase)) return true;
                if (!p.ValidJD && !p.ValidYMD && !p.ValidHMS) return true;
                var unit = z[9..];
                ComputeYMD(ref p);
                p.ValidHMS = true;
                p.h = p.m = 0;
                p.s = 0.0;
                p.RawS = false;
                p.ValidTZ = false;
                p.ValidJD = false;
                if (unit.Equals("month", StringComparison.OrdinalIgnoreCase)) { p.D = 1; return false; }
                if (unit.Equals("year", StringComparison.OrdinalIgnoreCase)) { p.M = 1; p.D = 1; return false; }
                return !unit.Equals("day", StringComparison.OrdinalIgnoreCase);
            }
            case '+' or '-' or (>= '0' and <= '9'):
                return ShiftModifier(z, ref p);
            default:
                return true;
        }
    }

    /// <summary>The raw number read as Unix seconds ('unixepoch', 'auto'): <paramref name="jdMs"/> is its julian
    /// day in milliseconds. Returns false (understood).</summary>
    private static bool SetFromUnixTime(ref DateTime p, double jdMs)
    {
        ClearYMD_HMS_TZ(ref p);
        p.JD = (long)(jdMs + 0.5);
        p.ValidJD = true;
        p.RawS = false;
        return false;
    }

    /// <summary>"[+-]NNN units" and "[+-]HH:MM[:SS[.SSS]]".</summary>
    private static bool ShiftModifier(string z, ref DateTime p)
    {
        int n = 1;
        while (n < z.Length && z[n] != ':' && !NumericText.IsSpace(z[n])) n++;
        if (!IsWholeNumber(z[..n], out double r)) return true;
        if (At(z, n) == ':')
        {
            int start = z[0] is >= '0' and <= '9' ? 0 : 1;
            var tx = default(DateTime);
            if (ParseHhMmSs(z, start, ref tx)) return true;
            ComputeJD(ref tx);
            tx.JD -= 43200000;
            long day = tx.JD / 86400000;
            tx.JD -= day * 86400000;
            if (z[0] == '-') tx.JD = -tx.JD;
            ComputeJD(ref p);
            ClearYMD_HMS_TZ(ref p);
            p.JD += tx.JD;
            return false;
        }
        int pos = n;
        while (pos < z.Length && NumericText.IsSpace(z[pos])) pos++;
        var unit = z[pos..];
        int len = unit.Length;
        if (len > 10 || len < 3) return true;
        if (char.ToLowerInvariant(unit[len - 1]) == 's') len--;
        ComputeJD(ref p);
        bool failed = true;
        double rounder = r < 0 ? -0.5 : 0.5;
        for (int i = 0; i < Units.Length; i++)
        {
            var (name, limit, seconds) = Units[i];
            if (name.Length != len || string.Compare(name, 0, unit, 0, len, StringComparison.OrdinalIgnoreCase) != 0 || !(r > -limit && r < limit)) continue;
            if (i == 4)
            {
                ComputeYMD(ref p);
                ComputeHMS(ref p);
                p.M += (int)r;
                int x = p.M > 0 ? (p.M - 1) / 12 : (p.M - 12) / 12;
                p.Y += x;
                p.M -= x * 12;
                p.ValidJD = false;
                r -= (int)r;
            }
            else if (i == 5)
            {
                ComputeYMD(ref p);
                ComputeHMS(ref p);
                p.Y += (int)r;
                p.ValidJD = false;
                r -= (int)r;
            }
            ComputeJD(ref p);
            p.JD += (long)(r * 1000.0 * seconds + rounder);
            failed = false;
            break;
        }
        ClearYMD_HMS_TZ(ref p);
        return failed;
    }

    private static SqlValue StrFTime(SqlValue[] v)
    {
        if (v.Length == 0 || v[0].IsNull) return SqlValue.Null;
        var format = v[0].AsText()!;
        if (!IsDate(v, 1, out var x)) return SqlValue.Null;
        ComputeJD(ref x);
        ComputeYMD(ref x);
        ComputeHMS(ref x);
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%') { sb.Append(format[i]); continue; }
            i++;
            char c = i < format.Length ? format[i] : '\0';
            switch (c)
            {
                case 'd': sb.Append(x.D.ToString("00", CultureInfo.InvariantCulture)); break;
                case 'f': sb.Append(Printf("%06.3f", SqlValue.FromReal(x.s > 59.999 ? 59.999 : x.s))); break;
                case 'H': sb.Append(x.h.ToString("00", CultureInfo.InvariantCulture)); break;
                case 'W' or 'j':
                {
                    var y = x;
                    y.ValidJD = false;
                    y.M = 1;
                    y.D = 1;
                    ComputeJD(ref y);
                    int nDay = (int)((x.JD - y.JD + 43200000) / 86400000);
                    if (c == 'W')
                    {
                        int wd = (int)((x.JD + 43200000) / 86400000 % 7);
                        sb.Append(((nDay + 7 - wd) / 7).ToString("00", CultureInfo.InvariantCulture));
                    }
                    else sb.Append((nDay + 1).ToString("000", CultureInfo.InvariantCulture));
                    break;
                }
                case 'J': sb.Append(Printf("%.16g", SqlValue.FromReal(x.JD / 86400000.0))); break;
                case 'm': sb.Append(x.M.ToString("00", CultureInfo.InvariantCulture)); break;
                case 'M': sb.Append(x.m.ToString("00", CultureInfo.InvariantCulture)); break;
                case 's': sb.Append((x.JD / 1000 - 21086676L * 10000).ToString(CultureInfo.InvariantCulture)); break;
                case 'S': sb.Append(((int)x.s).ToString("00", CultureInfo.InvariantCulture)); break;
                case 'w': sb.Append((char)('0' + (x.JD + 129600000) / 86400000 % 7)); break;
                case 'Y': sb.Append(Printf("%04d", SqlValue.FromInteger(x.Y))); break;
                case '%': sb.Append('%'); break;
                default: return SqlValue.Null;
            }
        }
        return SqlValue.FromText(sb.ToString());
    }

    private static string Printf(string format, SqlValue value) => SqlPrintf.Function([SqlValue.FromText(format), value]).AsText()!;
}
