using System.Globalization;
using System.Text;

namespace FastDb.QueryEngine.Tests.Support;

/// <summary>
/// The shell's text form of values, written independently of the engine so the two can be compared: integers in
/// decimal, reals as sqlite's "%!.15g", NULL as the empty string, text as is.
/// </summary>
public static class SqliteText
{
    public static string FormatValue(object? value) => value switch
    {
        null or DBNull => "",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => FormatReal(d),
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        _ => throw new ArgumentException($"unexpected value type {value.GetType()}"),
    };

    /// <summary>sqlite3's "%!.15g": 15 significant digits, trailing zeros dropped but at least one after the point.</summary>
    public static string FormatReal(double value)
    {
        if (double.IsNaN(value)) return ""; // sqlite never stores NaN: it becomes NULL
        if (double.IsPositiveInfinity(value)) return "Inf";
        if (double.IsNegativeInfinity(value)) return "-Inf";
        if (value == 0) return "0.0"; // negative zero included

        // "d.ddddddddddddddE+xxx": correctly rounded to 15 significant digits.
        var e = Math.Abs(value).ToString("E14", CultureInfo.InvariantCulture);
        var digits = e[0] + e.Substring(2, 14);
        var exponent = int.Parse(e.AsSpan(17), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        if (value < 0) sb.Append('-');
        if (exponent < -4 || exponent > 14)
        {
            var fraction = digits[1..].TrimEnd('0');
            sb.Append(digits[0]).Append('.').Append(fraction.Length == 0 ? "0" : fraction);
            sb.Append('e').Append(exponent < 0 ? '-' : '+');
            sb.Append(Math.Abs(exponent).ToString(Math.Abs(exponent) >= 100 ? "000" : "00", CultureInfo.InvariantCulture));
        }
        else
        {
            string integerPart, fraction;
            if (exponent >= 0)
            {
                integerPart = digits[..(exponent + 1)];
                fraction = digits[(exponent + 1)..];
            }
            else
            {
                integerPart = "0";
                fraction = new string('0', -exponent - 1) + digits;
            }
            fraction = fraction.TrimEnd('0');
            sb.Append(integerPart).Append('.').Append(fraction.Length == 0 ? "0" : fraction);
        }
        return sb.ToString();
    }
}
