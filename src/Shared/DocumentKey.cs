namespace FastDb.Shared;

/// <summary>
/// The one rule for a document's key, compiled into both the server (src/Server/Http/DocumentCommand.cs, which refuses
/// a bad key) and the shell (src/Shell/Input/DocumentCommand.cs, which refuses it before a round trip), so the two can
/// never disagree. Linked as source: the shell references no server project, and this is all they share.
/// </summary>
internal static class DocumentKey
{
    public const string BadKeyMessage = "Error: Key is not a proper UUID4";

    /// <summary>
    /// A UUID version 4 in its canonical 8-4-4-4-12 hex form, either case (normalized to lower case): version nibble
    /// 4, variant 10xx (8, 9, a or b). Anything else is refused, which also keeps the key safe to quote into SQL.
    /// </summary>
    public static bool TryNormalize(string text, out string key)
    {
        key = "";
        if (text.Length != 36) return false;
        for (var i = 0; i < 36; i++)
        {
            var c = text[i];
            if (i is 8 or 13 or 18 or 23)
            {
                if (c != '-') return false;
            }
            else if (!char.IsAsciiHexDigit(c)) return false;
        }
        if (text[14] != '4' || "89abAB".IndexOf(text[19]) < 0) return false;
        key = text.ToLowerInvariant();
        return true;
    }
}
