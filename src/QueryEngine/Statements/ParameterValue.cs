using System.Globalization;
using System.Text;

namespace FastDb.QueryEngine.Statements;

public enum ParameterKind : byte { Null = 0, Integer = 1, Real = 2, Text = 3, Blob = 4 }

/// <summary>
/// One bound parameter value of an rqlite-style statement, as it travels in the log. At apply it becomes an SQL
/// literal (<see cref="ToSqlLiteral"/>) substituted for its placeholder, so every node runs the very same text.
/// </summary>
public readonly record struct ParameterValue(ParameterKind Kind, long Integer = 0, double Real = 0, string? Text = null, byte[]? Blob = null)
{
    public static readonly ParameterValue Null = new(ParameterKind.Null);
    public static ParameterValue FromInteger(long v) => new(ParameterKind.Integer, Integer: v);
    public static ParameterValue FromReal(double v) => new(ParameterKind.Real, Real: v);
    public static ParameterValue FromText(string v) => new(ParameterKind.Text, Text: v);
    public static ParameterValue FromBlob(byte[] v) => new(ParameterKind.Blob, Blob: v);

    /// <summary>
    /// The SQL literal for this value: integers in decimal, reals with round-trip digits (always with a '.' or an
    /// exponent, so they stay REAL), text in single quotes with '' doubled, blobs as X'hex', NULL. Infinities, which
    /// JSON cannot carry but the log format could, become 1e999 and -1e999 as SQLite writes them.
    /// </summary>
    public string ToSqlLiteral()
    {
        switch (Kind)
        {
            case ParameterKind.Integer:
                return Integer.ToString(CultureInfo.InvariantCulture);
            case ParameterKind.Real:
                if (double.IsPositiveInfinity(Real)) return "1e999";
                if (double.IsNegativeInfinity(Real)) return "-1e999";
                if (double.IsNaN(Real)) return "NULL";
                var text = Real.ToString("R", CultureInfo.InvariantCulture);
                return text.AsSpan().IndexOfAny('.', 'E', 'e') < 0 ? text + ".0" : text;
            case ParameterKind.Text:
                return "'" + Text!.Replace("'", "''", StringComparison.Ordinal) + "'";
            case ParameterKind.Blob:
                var hex = new StringBuilder(3 + Blob!.Length * 2).Append("X'");
                foreach (var b in Blob) hex.Append(b.ToString("X2", CultureInfo.InvariantCulture));
                return hex.Append('\'').ToString();
            default:
                return "NULL";
        }
    }
}

/// <summary>One statement of an rqlite request: its SQL and the values for its placeholders (positional and named).</summary>
public sealed record StatementRequest(string Sql, IReadOnlyList<ParameterValue> Positional, IReadOnlyList<KeyValuePair<string, ParameterValue>> Named)
{
    public static StatementRequest Plain(string sql) => new(sql, [], []);
}
