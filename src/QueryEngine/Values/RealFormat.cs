using System.Globalization;

namespace FastDb.QueryEngine.Values;

/// <summary>SQLite's "%!.15g": 15 significant digits, trailing zeros trimmed but at least one digit after the point,
/// exponent form (two-digit minimum exponent) below 1e-4 and from 1e15 up; Inf/-Inf spelled as SQLite does.</summary>
public static class RealFormat
{
    public static string Format(double value)
    {
        Span<char> buffer = stackalloc char[40];
        int n = Format(value, buffer);
        return new string(buffer[..n]);
    }

    /// <summary>Writes the text into <paramref name="output"/> (at least 32 chars) and returns its length.</summary>
    public static int Format(double value, Span<char> output)
    {
        if (double.IsPositiveInfinity(value)) { "Inf".CopyTo(output); return 3; }
        if (double.IsNegativeInfinity(value)) { "-Inf".CopyTo(output); return 4; }
        int pos = 0;
        if (value < 0) { output[pos++] = '-'; value = -value; }
        if (value == 0) { "0.0".CopyTo(output[pos..]); return pos + 3; }

        // SQLite rounds by adding 5e-15 in long double, which differs from correct rounding only when the value is
        // (within long double's error) halfway between two 15-digit neighbours: those go the long way.
        Span<char> near = stackalloc char[32];
        value.TryFormat(near, out _, "E16", CultureInfo.InvariantCulture);
        int tail = (near[16] - '0') * 10 + (near[17] - '0'); // the 16th and 17th significant digits
        if (tail is >= 45 and <= 55)
        {
            string slow = SqlPrintf.Real(value, 'g', 15, altForm2: true);
            slow.CopyTo(output[pos..]);
            return pos + slow.Length;
        }
        // "E14" gives the correctly rounded 15 significant digits and the decimal exponent.
        Span<char> e = stackalloc char[32];
        value.TryFormat(e, out int len, "E14", CultureInfo.InvariantCulture);
        Span<char> digits = stackalloc char[15];
        digits[0] = e[0];
        e.Slice(2, 14).CopyTo(digits[1..]);
        int ePos = e[..len].IndexOf('E');
        int exp = int.Parse(e[(ePos + 1)..len], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int nDigits = 15;
        while (nDigits > 1 && digits[nDigits - 1] == '0') nDigits--;

        if (exp < -4 || exp > 14)
        {
            output[pos++] = digits[0];
            output[pos++] = '.';
            if (nDigits == 1) output[pos++] = '0';
            else for (int i = 1; i < nDigits; i++) output[pos++] = digits[i];
            output[pos++] = 'e';
            output[pos++] = exp < 0 ? '-' : '+';
            int a = Math.Abs(exp);
            if (a >= 100) { output[pos++] = (char)('0' + a / 100); a %= 100; }
            output[pos++] = (char)('0' + a / 10);
            output[pos++] = (char)('0' + a % 10);
            return pos;
        }
        if (exp < 0)
        {
            output[pos++] = '0';
            output[pos++] = '.';
            for (int i = -1; i > exp; i--) output[pos++] = '0';
            for (int i = 0; i < nDigits; i++) output[pos++] = digits[i];
            return pos;
        }
        // exp in 0..14: integer part has exp+1 digits.
        for (int i = 0; i <= exp; i++) output[pos++] = i < nDigits ? digits[i] : '0';
        output[pos++] = '.';
        if (nDigits <= exp + 1) output[pos++] = '0';
        else for (int i = exp + 1; i < nDigits; i++) output[pos++] = digits[i];
        return pos;
    }
}
