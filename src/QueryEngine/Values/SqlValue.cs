namespace FastDb.QueryEngine.Values;

/// <summary>SQLite's storage classes. The numbers are the snapshot's and the command codecs' value tags.</summary>
public enum SqlType : byte { Null = 0, Integer = 1, Real = 2, Text = 3, Blob = 4 }

/// <summary>
/// One SQL value. A struct so rows are flat arrays without boxing. Text and blob share one reference field (a string
/// or a byte[]), so adding blobs kept the struct at its size. A blob's bytes are never changed once the value exists.
/// </summary>
public readonly struct SqlValue
{
    public readonly SqlType Type;
    public readonly long Integer;
    public readonly double Real;
    private readonly object? _ref;

    private SqlValue(SqlType type, long i, double r, object? s) { Type = type; Integer = i; Real = r; _ref = s; }

    /// <summary>The text of a TEXT value; null for every other type.</summary>
    public string? Text => _ref as string;

    /// <summary>The bytes of a BLOB value; null for every other type.</summary>
    public byte[]? Blob => _ref as byte[];

    public static readonly SqlValue Null = default;
    public static SqlValue FromInteger(long v) => new(SqlType.Integer, v, 0, null);
    /// <summary>SQLite stores NaN as NULL.</summary>
    public static SqlValue FromReal(double v) => double.IsNaN(v) ? Null : new(SqlType.Real, 0, v, null);
    public static SqlValue FromText(string v) => new(SqlType.Text, 0, 0, v);
    /// <summary>A blob over <paramref name="v"/>, which the caller hands over and no longer changes.</summary>
    public static SqlValue FromBlob(byte[] v) => new(SqlType.Blob, 0, 0, v);
    public static SqlValue FromBool(bool v) => FromInteger(v ? 1 : 0);

    public bool IsNull => Type == SqlType.Null;
    public bool IsNumeric => Type is SqlType.Integer or SqlType.Real;

    /// <summary>The value as REAL (text parsed by its numeric prefix, as sqlite3_value_double; a blob by its bytes').</summary>
    public double AsReal() => Type switch
    {
        SqlType.Integer => Integer,
        SqlType.Real => Real,
        SqlType.Text => NumericText.PrefixToReal(Text!),
        SqlType.Blob => NumericText.PrefixToReal(BlobText.NumericView(Blob!)),
        _ => 0,
    };

    /// <summary>The value as INTEGER (as sqlite3_value_int64: reals truncate and saturate, text and blobs by prefix).</summary>
    public long AsInteger() => Type switch
    {
        SqlType.Integer => Integer,
        SqlType.Real => RealToInteger(Real),
        SqlType.Text => NumericText.PrefixToInteger(Text!),
        SqlType.Blob => NumericText.PrefixToInteger(BlobText.NumericView(Blob!)),
        _ => 0,
    };

    public static long RealToInteger(double r)
    {
        if (double.IsNaN(r)) return 0;
        if (r <= -9.2233720368547758e18) return long.MinValue;
        if (r >= 9.2233720368547758e18) return long.MaxValue;
        return (long)r;
    }

    /// <summary>For arithmetic: integers stay integers, reals stay reals, text and blobs become the number their
    /// prefix spells.</summary>
    public SqlValue ToNumeric() => Type switch
    {
        SqlType.Text => NumericText.PrefixToNumber(Text!),
        SqlType.Blob => NumericText.PrefixToNumber(BlobText.NumericView(Blob!)),
        SqlType.Null => FromInteger(0),
        _ => this,
    };

    /// <summary>The text form, as sqlite3_value_text (reals use %!.15g; a blob's bytes read as UTF-8, refused by
    /// name when they are not, see <see cref="BlobText.ToText"/>).</summary>
    public string? AsText() => Type switch
    {
        SqlType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SqlType.Real => RealFormat.Format(Real),
        SqlType.Text => Text,
        SqlType.Blob => BlobText.ToText(Blob!),
        _ => null,
    };

    /// <summary>The bytes of the value as sqlite3_value_blob gives them: a blob's own, otherwise its text's UTF-8.</summary>
    public byte[] AsBlob() => Type == SqlType.Blob ? Blob! : IsNull ? [] : System.Text.Encoding.UTF8.GetBytes(AsText()!);

    public override string ToString() => Type == SqlType.Blob ? BlobText.Literal(Blob!) : AsText() ?? "NULL";
}
