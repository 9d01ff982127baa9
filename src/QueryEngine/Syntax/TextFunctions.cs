using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// The core scalar functions of SQLite 3.40.1's func.c over FastDb's values: substr, replace, trim, instr, round,
/// hex, quote, printf, char, unicode and zeroblob. A blob is bytes to substr, instr (of two blobs), hex, quote and
/// length; the others read it as text, as func.c does (see <see cref="BlobText"/>). Each follows its C original's argument conversions (a number given
/// where text is expected is its text; NULL in, NULL out, except where func.c says otherwise) and counts characters
/// as UTF-8 code points. Results over the value limit are sqlite3's "string or blob too big".
/// </summary>
public static class TextFunctions
{
    /// <summary>substr(X, Y[, Z]) / substring: characters from Y (1-based; negative counts from the end), Z of them
    /// (negative: the Z before Y). Of a blob: bytes, and a blob (an empty blob gives NULL, as func.c's does).</summary>
    public static SqlValue Substr(ReadOnlySpan<SqlValue> a)
    {
        if (a[1].IsNull || (a.Length == 3 && a[2].IsNull)) return SqlValue.Null;
        if (a[0].IsNull) return SqlValue.Null;
        if (a[0].Type == SqlType.Blob)
        {
            var blob = a[0].Blob!;
            if (blob.Length == 0) return SqlValue.Null;
            var (from, count) = SubstrRange(a, blob.Length);
            if (from + count > blob.Length) count = Math.Max(0, blob.Length - from);
            return SqlValue.FromBlob(count == 0 ? [] : blob.AsSpan((int)from, (int)count).ToArray());
        }
        string z = CText(a[0]);
        var (p1, p2) = SubstrRange(a, -1, z);
        int start = 0;
        while (start < z.Length && p1 > 0) { start = NextCodePoint(z, start); p1--; }
        int end = start;
        while (end < z.Length && p2 > 0) { end = NextCodePoint(z, end); p2--; }
        return SqlValue.FromText(z[start..end]);
    }

    /// <summary>substr's start (0-based) and count from Y and Z, in characters of <paramref name="text"/> or, for a
    /// blob, bytes of one <paramref name="length"/> long.</summary>
    private static (long From, long Count) SubstrRange(ReadOnlySpan<SqlValue> a, long length, string? text = null)
    {
        long p1 = unchecked((int)a[1].AsInteger()); // sqlite3_value_int: the low 32 bits
        long p2;
        bool negP2 = false;
        if (a.Length == 3)
        {
            p2 = unchecked((int)a[2].AsInteger());
            if (p2 < 0) { p2 = -p2; negP2 = true; }
        }
        else p2 = 1_000_000_000; // SQLITE_LIMIT_LENGTH
        if (p1 < 0)
        {
            long len = text is null ? length : CodePointCount(text);
            p1 += len;
            if (p1 < 0) { p2 += p1; if (p2 < 0) p2 = 0; p1 = 0; }
        }
        else if (p1 > 0) p1--;
        else if (p2 > 0) p2--;
        if (negP2)
        {
            p1 -= p2;
            if (p1 < 0) { p2 += p1; p1 = 0; }
        }
        return (p1, p2);
    }

    /// <summary>replace(X, Y, Z): every Y in X becomes Z; an empty Y gives X back unchanged (its type too).</summary>
    public static SqlValue Replace(ReadOnlySpan<SqlValue> a)
    {
        if (a[0].IsNull || a[1].IsNull) return SqlValue.Null;
        string pattern = a[1].AsText()!;
        // replaceFunc hands back its first argument, which sqlite3_value_text has already made text: a blob comes
        // back as text (MEM_Blob|MEM_Str reads as SQLITE_TEXT), a number stays a number (soak seed 27760).
        if (pattern.Length == 0 || pattern[0] == '\0') return a[0].Type == SqlType.Blob ? SqlValue.FromText(a[0].AsText()!) : a[0];
        if (a[2].IsNull) return SqlValue.Null;
        string text = a[0].AsText()!, replacement = a[2].AsText()!;
        if (replacement.Length > pattern.Length)
        {
            // Bound the result before building it: count the matches first.
            long count = 0;
            for (int i = text.IndexOf(pattern, StringComparison.Ordinal); i >= 0; i = text.IndexOf(pattern, i + pattern.Length, StringComparison.Ordinal)) count++;
            if (EngineLimits.IsTooBig(text.Length + count * (replacement.Length - pattern.Length)))
                throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
        }
        return SqlValue.FromText(EngineLimits.CheckValue(text.Replace(pattern, replacement, StringComparison.Ordinal)));
    }

    /// <summary>trim / ltrim / rtrim (X[, Y]): characters of Y (a space by default) removed from the chosen ends.</summary>
    public static SqlValue Trim(ReadOnlySpan<SqlValue> a, bool left, bool right)
    {
        if (a[0].IsNull) return SqlValue.Null;
        string s = a[0].AsText()!;
        string set = " ";
        if (a.Length == 2)
        {
            if (a[1].IsNull) return SqlValue.Null;
            set = CText(a[1]);
        }
        if (set.Length == 0) return SqlValue.FromText(s);
        int start = 0, end = s.Length;
        if (left)
            while (start < end && InSet(s, start, set, out int n)) start += n;
        if (right)
            while (end > start && EndsInSet(s, start, end, set, out int n)) end -= n;
        return SqlValue.FromText(s[start..end]);
    }

    private static bool InSet(string s, int i, string set, out int length)
    {
        length = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return ContainsCodePoint(set, s.AsSpan(i, length));
    }

    private static bool EndsInSet(string s, int start, int end, string set, out int length)
    {
        length = end - 2 >= start && char.IsLowSurrogate(s[end - 1]) && char.IsHighSurrogate(s[end - 2]) ? 2 : 1;
        return ContainsCodePoint(set, s.AsSpan(end - length, length));
    }

    private static bool ContainsCodePoint(string set, ReadOnlySpan<char> c)
    {
        for (int j = 0; j < set.Length; j = NextCodePoint(set, j))
        {
            int n = NextCodePoint(set, j) - j;
            if (set.AsSpan(j, n).SequenceEqual(c)) return true;
        }
        return false;
    }

    /// <summary>instr(X, Y): the 1-based character position of the first Y in X, 0 when there is none; of two blobs,
    /// the byte position (one blob and a text are compared as text).</summary>
    public static SqlValue Instr(ReadOnlySpan<SqlValue> a)
    {
        if (a[0].IsNull || a[1].IsNull) return SqlValue.Null;
        if (a[0].Type == SqlType.Blob && a[1].Type == SqlType.Blob)
            return SqlValue.FromInteger(a[1].Blob!.Length == 0 ? 1 : a[0].Blob!.AsSpan().IndexOf(a[1].Blob) + 1);
        string haystack = a[0].AsText()!, needle = a[1].AsText()!;
        int at = haystack.IndexOf(needle, StringComparison.Ordinal);
        if (at < 0) return SqlValue.FromInteger(0);
        return SqlValue.FromInteger(CodePointCount(haystack.AsSpan(0, at)) + 1);
    }

    /// <summary>round(X[, Y]): always a REAL; Y digits (0..30) through "%.*f" and back, as func.c does.</summary>
    public static SqlValue Round(ReadOnlySpan<SqlValue> a)
    {
        int n = 0;
        if (a.Length == 2)
        {
            if (a[1].IsNull) return SqlValue.Null;
            n = unchecked((int)a[1].AsInteger()); // sqlite3_value_int
            if (n > 30) n = 30;
            if (n < 0) n = 0;
        }
        if (a[0].IsNull) return SqlValue.Null;
        double r = a[0].AsReal();
        if (r < -4503599627370496.0 || r > 4503599627370496.0) { }
        else if (n == 0) r = (double)(long)(r + (r < 0 ? -0.5 : 0.5));
        else r = NumericText.PrefixToReal(SqlPrintf.Real(r, 'f', n, false));
        return SqlValue.FromReal(r);
    }

    /// <summary>hex(X): the upper-case hex of a blob's bytes or of X's UTF-8 text (a number's text form; NULL gives '').</summary>
    public static SqlValue Hex(SqlValue x)
    {
        if (x.IsNull) return SqlValue.FromText("");
        var bytes = x.AsBlob();
        // contextMalloc(2n+1): the terminating NUL counts against the limit too.
        if (EngineLimits.IsTooBig(2L * bytes.Length + 1)) throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
        return SqlValue.FromText(Convert.ToHexString(bytes));
    }

    /// <summary>quote(X): X as an SQL literal. A REAL is "%!.15g" unless that does not read back exactly, then "%!.20e".</summary>
    public static SqlValue Quote(SqlValue x)
    {
        switch (x.Type)
        {
            case SqlType.Null: return SqlValue.FromText("NULL");
            case SqlType.Integer: return SqlValue.FromText(x.AsText()!);
            case SqlType.Blob:
                // sqlite3StrAccumEnlarge(2n+4) on an empty accumulator: 2n+5 bytes must fit the limit.
                if (EngineLimits.IsTooBig(2L * x.Blob!.Length + 5)) throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
                return SqlValue.FromText(BlobText.Literal(x.Blob));
            case SqlType.Real:
            {
                string text = SqlPrintf.Real(x.Real, 'g', 15, true);
                if (NumericText.PrefixToReal(text) != x.Real) text = SqlPrintf.Real(x.Real, 'e', 20, true);
                return SqlValue.FromText(text);
            }
            default:
            {
                string s = CText(x);
                var sb = new StringBuilder(s.Length + 2).Append('\'');
                foreach (char c in s) { sb.Append(c); if (c == '\'') sb.Append('\''); }
                return SqlValue.FromText(EngineLimits.CheckValue(sb.Append('\'').ToString()));
            }
        }
    }

    /// <summary>zeroblob(N): N zero bytes (N taken as an integer, negative as 0), at most the value limit.</summary>
    public static SqlValue ZeroBlob(SqlValue count)
    {
        long n = Math.Max(0, count.AsInteger());
        if (EngineLimits.IsTooBig(n)) throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
        return SqlValue.FromBlob(new byte[n]);
    }

    /// <summary>char(X1, ..., XN): the characters with those code points (out of range: U+FFFD).</summary>
    public static SqlValue Char(ReadOnlySpan<SqlValue> a)
    {
        var sb = new StringBuilder(a.Length);
        foreach (var v in a)
        {
            long x = v.AsInteger();
            if (x < 0 || x > 0x10ffff || (x >= 0xd800 && x <= 0xdfff)) x = 0xfffd; // FastDb text is valid UTF-8
            sb.Append(char.ConvertFromUtf32((int)x));
        }
        return SqlValue.FromText(sb.ToString());
    }

    /// <summary>unicode(X): the code point of X's first character; NULL for NULL or ''.</summary>
    public static SqlValue Unicode(SqlValue x)
    {
        if (x.IsNull) return SqlValue.Null;
        string s = x.AsText()!;
        if (s.Length == 0 || s[0] == '\0') return SqlValue.Null;
        return SqlValue.FromInteger(char.IsHighSurrogate(s[0]) && s.Length > 1 ? char.ConvertToUtf32(s[0], s[1]) : s[0]);
    }

    /// <summary>The text as sqlite3_value_text hands it to C: up to its first NUL.</summary>
    /// <summary>func.c's soundex table: the code of each byte's low 7 bits (so the bytes of a UTF-8 character
    /// count as the ASCII letters they mask to, as in C).</summary>
    private static readonly byte[] SoundexCode =
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5, 5, 0,
        1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0,
        0, 0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5, 5, 0,
        1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0,
    ];

    /// <summary>soundex(X) (func.c, SQLITE_SOUNDEX): over the bytes of X's text (a blob's own bytes), up to a NUL:
    /// the first ASCII letter upper-cased, then up to three digits of the codes that follow, a repeated code written
    /// once unless an uncoded byte separates them, padded with '0'; "?000" when there is no ASCII letter (NULL too).</summary>
    public static SqlValue Soundex(SqlValue x)
    {
        byte[] z = x.IsNull ? [] : x.Type == SqlType.Blob ? x.Blob! : Encoding.UTF8.GetBytes(x.AsText()!);
        int end = Array.IndexOf(z, (byte)0);
        if (end < 0) end = z.Length;
        int i = 0;
        while (i < end && !char.IsAsciiLetter((char)z[i])) i++;
        if (i == end) return SqlValue.FromText("?000");
        var result = new char[4];
        result[0] = char.ToUpperInvariant((char)z[i]);
        int prev = SoundexCode[z[i] & 0x7f];
        int j = 1;
        for (; j < 4 && i < end; i++)
        {
            int code = SoundexCode[z[i] & 0x7f];
            if (code == 0) prev = 0;
            else if (code != prev)
            {
                prev = code;
                result[j++] = (char)('0' + code);
            }
        }
        while (j < 4) result[j++] = '0';
        return SqlValue.FromText(new string(result));
    }

    private static string CText(SqlValue v)
    {
        string s = v.AsText()!;
        int nul = s.IndexOf('\0');
        return nul < 0 ? s : s[..nul];
    }

    private static int NextCodePoint(string s, int i) =>
        char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? i + 2 : i + 1;

    private static long CodePointCount(ReadOnlySpan<char> s)
    {
        long n = 0;
        foreach (char c in s) if (!char.IsLowSurrogate(c)) n++;
        return n;
    }
}
