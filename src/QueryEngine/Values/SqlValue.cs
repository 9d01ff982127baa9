namespace FastDb.QueryEngine.Values;

/// <summary>SQLite's storage classes that FastDb supports (no BLOB values: blob literals are rejected by the parser).</summary>
public enum SqlType : byte { Null = 0, Integer = 1, Real = 2, Text = 3 }

/// <summary>One SQL value. A struct so rows are flat arrays without boxing.</summary>
public readonly struct SqlValue
{
    public readonly SqlType Type;
    public readonly long Integer;
    public readonly double Real;
    public readonly string? Text;

    private SqlValue(SqlType type, long i, double r, string? s) { Type = type; Integer = i; Real = r; Text = s; }

    public static readonly SqlValue Null = default;
    public static SqlValue FromInteger(long v) => new(SqlType.Integer, v, 0, null);
    /// <summary>SQLite stores NaN as NULL.</summary>
    public static SqlValue FromReal(double v) => double.IsNaN(v) ? Null : new(SqlType.Real, 0, v, null);
    public static SqlValue FromText(string v) => new(SqlType.Text, 0, 0, v);
    public static SqlValue FromBool(bool v) => FromInteger(v ? 1 : 0);

    public bool IsNull => Type == SqlType.Null;
    public bool IsNumeric => Type is SqlType.Integer or SqlType.Real;

    /// <summary>The value as REAL (text parsed by its numeric prefix, as sqlite3_value_double).</summary>
    public double AsReal() => Type switch
    {
        SqlType.Integer => Integer,
        SqlType.Real => Real,
        SqlType.Text => NumericText.PrefixToReal(Text!),
        _ => 0,
    };

    /// <summary>The value as INTEGER (as sqlite3_value_int64: reals truncate and saturate, text by prefix).</summary>
    public long AsInteger() => Type switch
    {
        SqlType.Integer => Integer,
        SqlType.Real => RealToInteger(Real),
        SqlType.Text => NumericText.PrefixToInteger(Text!),
        _ => 0,
    };

    public static long RealToInteger(double r)
    {
        if (double.IsNaN(r)) return 0;
        if (r <= -9.2233720368547758e18) return long.MinValue;
        if (r >= 9.2233720368547758e18) return long.MaxValue;
        return (long)r;
    }

    /// <summary>For arithmetic: integers stay integers, reals stay reals, text becomes the number its prefix spells.</summary>
    public SqlValue ToNumeric() => Type == SqlType.Text ? NumericText.PrefixToNumber(Text!) : Type == SqlType.Null ? FromInteger(0) : this;

    /// <summary>The text form, as sqlite3_value_text (reals use %!.15g).</summary>
    public string? AsText() => Type switch
    {
        SqlType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SqlType.Real => RealFormat.Format(Real),
        SqlType.Text => Text,
        _ => null,
    };

    public override string ToString() => AsText() ?? "NULL";
}
