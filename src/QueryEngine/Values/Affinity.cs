namespace FastDb.QueryEngine.Values;

/// <summary>Column affinities, ordered as SQLite orders them (None is "an expression, not a column").</summary>
public enum Affinity : byte { None = 0, Blob = 1, Text = 2, Numeric = 3, Integer = 4, Real = 5 }

public static class AffinityRules
{
    /// <summary>sqlite3AffinityType: the affinity a declared column type gives.</summary>
    public static Affinity FromDeclaredType(string? declared)
    {
        if (string.IsNullOrEmpty(declared)) return Affinity.Blob;
        string t = declared.ToUpperInvariant();
        if (t.Contains("INT", StringComparison.Ordinal)) return Affinity.Integer;
        if (t.Contains("CHAR", StringComparison.Ordinal) || t.Contains("CLOB", StringComparison.Ordinal) || t.Contains("TEXT", StringComparison.Ordinal)) return Affinity.Text;
        if (t.Contains("BLOB", StringComparison.Ordinal)) return Affinity.Blob;
        if (t.Contains("REAL", StringComparison.Ordinal) || t.Contains("FLOA", StringComparison.Ordinal) || t.Contains("DOUB", StringComparison.Ordinal)) return Affinity.Real;
        return Affinity.Numeric;
    }

    public static bool IsNumeric(Affinity a) => a >= Affinity.Numeric;

    /// <summary>Applies a column's affinity to a value being stored.</summary>
    public static SqlValue Apply(Affinity affinity, SqlValue v)
    {
        switch (affinity)
        {
            case Affinity.Text:
                return v.IsNumeric ? SqlValue.FromText(v.AsText()!) : v;
            case Affinity.Numeric:
            case Affinity.Integer:
                if (v.Type == SqlType.Text) return NumericText.TryWholeNumber(v.Text!, true, out var n) ? n : v;
                if (v.Type == SqlType.Real) return RealToIntegerIfExact(v.Real);
                return v;
            case Affinity.Real:
                if (v.Type == SqlType.Text)
                {
                    if (!NumericText.TryWholeNumber(v.Text!, false, out var r)) return v;
                    v = r;
                }
                // OP_MakeRecord stores an integral real of a REAL column as an integer (MEM_IntReal) and reads it
                // back as a real: the same value, except that -0.0 comes back as 0.0 (ieee754() and atan2() see it).
                if (v.Type == SqlType.Real && v.Real == 0 && double.IsNegative(v.Real)) return SqlValue.FromReal(0.0);
                return v.Type == SqlType.Integer ? SqlValue.FromReal(v.Integer) : v;
            default:
                return v;
        }
    }

    /// <summary>sqlite3VdbeIntegerAffinity: an integral real strictly inside the 64-bit range becomes an integer.</summary>
    public static SqlValue RealToIntegerIfExact(double r)
    {
        if (r > -9.2233720368547758e18 && r < 9.2233720368547758e18)
        {
            long i = (long)r;
            if (i == r && i != long.MinValue && i != long.MaxValue) return SqlValue.FromInteger(i);
        }
        return SqlValue.FromReal(r);
    }

    /// <summary>sqlite3CompareAffinity: the affinity applied to both operands of a comparison.</summary>
    public static Affinity ForComparison(Affinity left, Affinity right)
    {
        if (left != Affinity.None && right != Affinity.None)
            return IsNumeric(left) || IsNumeric(right) ? Affinity.Numeric : Affinity.Blob;
        return left == Affinity.None ? right : left;
    }

    /// <summary>The conversion a comparison applies to one operand (never turns reals into integers).</summary>
    public static SqlValue ForCompare(Affinity affinity, SqlValue v)
    {
        if (IsNumeric(affinity))
            return v.Type == SqlType.Text && NumericText.TryWholeNumber(v.Text!, false, out var n) ? n : v;
        if (affinity == Affinity.Text && v.IsNumeric) return SqlValue.FromText(v.AsText()!);
        return v;
    }
}

public static class ValueComparer
{
    /// <summary>sqlite3MemCompare with BINARY collation: NULL &lt; numbers &lt; text &lt; blobs; text by UTF-8 bytes,
    /// blobs by memcmp.</summary>
    public static int Compare(in SqlValue a, in SqlValue b)
    {
        int ca = Class(a.Type), cb = Class(b.Type);
        if (ca != cb) return ca < cb ? -1 : 1;
        switch (a.Type)
        {
            case SqlType.Null: return 0;
            case SqlType.Text: return CompareUtf8Order(a.Text!, b.Text!);
            case SqlType.Blob: return BlobText.Compare(a.Blob!, b.Blob!);
        }
        if (a.Type == SqlType.Integer && b.Type == SqlType.Integer) return a.Integer.CompareTo(b.Integer);
        if (a.Type == SqlType.Real && b.Type == SqlType.Real) return CompareReal(a.Real, b.Real);
        if (a.Type == SqlType.Integer) return -CompareRealInteger(b.Real, a.Integer);
        return CompareRealInteger(a.Real, b.Integer);
    }

    private static int Class(SqlType t) => t switch { SqlType.Null => 0, SqlType.Integer or SqlType.Real => 1, SqlType.Text => 2, _ => 3 };

    private static int CompareReal(double x, double y) => x < y ? -1 : x > y ? 1 : 0;

    /// <summary>Exact comparison of a real with an integer (sqlite3IntFloatCompare).</summary>
    private static int CompareRealInteger(double r, long i)
    {
        if (r < -9.2233720368547758e18) return -1;
        if (r >= 9.2233720368547758e18) return 1;
        long y = (long)r;
        if (y < i) return -1;
        if (y > i) return 1;
        double s = y;
        return CompareReal(r, s);
    }

    /// <summary>Ordinal order of UTF-8 bytes: like UTF-16 ordinal except surrogates sort above U+E000..U+FFFF.</summary>
    public static int CompareUtf8Order(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            bool sx = char.IsSurrogate(x), sy = char.IsSurrogate(y);
            if (sx != sy) return sx ? 1 : -1;
            return x < y ? -1 : 1;
        }
        return a.Length.CompareTo(b.Length);
    }

    public static bool SameKey(in SqlValue a, in SqlValue b) => Compare(a, b) == 0;
}
