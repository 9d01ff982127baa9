using System.Text;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Values;

/// <summary>
/// Where a blob meets text. FastDb's text is a .NET string, which holds only valid UTF-8's characters, while SQLite
/// lets any bytes pass as text. So a blob becomes text only when its bytes are valid UTF-8 (then exactly as SQLite
/// reads it); otherwise FastDb refuses by name rather than print or store a different text. Numbers read from a blob
/// need no text: only its ASCII bytes matter to SQLite's number scanner.
/// </summary>
public static class BlobText
{
    private static readonly UTF8Encoding Strict = new(false, true);

    public const string NotUtf8Message = "FastDb does not support blobs that are not valid UTF-8 as text (use hex() or quote())";

    /// <summary>The blob's bytes as UTF-8 text (a NUL byte stays a NUL character, as in SQLite's text).</summary>
    public static string ToText(byte[] blob)
    {
        if (blob.Length == 0) return "";
        try { return Strict.GetString(blob); }
        catch (DecoderFallbackException) { throw new SqlParseException(NotUtf8Message); }
    }

    /// <summary>The blob for sqlite3AtoF / sqlite3Atoi64: ASCII bytes as themselves, every other byte a character
    /// that is neither a digit, a sign nor a space (each stops the scan where SQLite's stops).</summary>
    public static string NumericView(byte[] blob) =>
        string.Create(blob.Length, blob, static (span, b) => { for (int i = 0; i < span.Length; i++) span[i] = b[i] < 0x80 ? (char)b[i] : '\uFFFD'; });

    /// <summary>X'..' with upper-case hex, as quote() writes a blob; lower-case, as the shell's insert mode does
    /// (shell.c's "%02x").</summary>
    public static string Literal(byte[] blob, bool lowerCase = false) =>
        string.Concat("X'", lowerCase ? Convert.ToHexStringLower(blob) : Convert.ToHexString(blob), "'");

    /// <summary>The value of an X'..' token's hex digits (the tokenizer has checked them).</summary>
    public static byte[] FromHex(ReadOnlySpan<char> digits) => Convert.FromHexString(digits);

    /// <summary>A hash of the bytes, for the hash indexes and DISTINCT sets (equal blobs, equal hashes).</summary>
    public static int Hash(byte[] blob)
    {
        var h = new HashCode();
        h.AddBytes(blob);
        return h.ToHashCode();
    }

    /// <summary>memcmp order, then length: SQLite's order of two blobs.</summary>
    public static int Compare(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);
}
