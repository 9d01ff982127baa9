using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Commands;

/// <summary>
/// The octopus workload's query, recognized into (name, amount, word):
/// <c>UPDATE ctf3 SET friendCount=friendCount+A, requestCount=requestCount+1, favoriteWord="W" WHERE name="P"; SELECT * FROM ctf3;</c>
/// It encodes in 11 bytes for the five CTF names and a 15-letter word of the CTF alphabet, and runs by direct
/// index lookup when the table has the boot script's shape (otherwise through the general path, same answer).
/// </summary>
public sealed partial class CtfUpdateCommand : SqlCommand
{
    public const int MaxAmount = 999_999_999;
    internal static readonly string[] KnownNames = ["siddarth", "gdb", "christian", "andy", "carl"];
    private const string WordAlphabet = "abcdefghijkmnpq";
    private const string Prefix = "UPDATE ctf3 SET friendCount=friendCount+";
    private const string Middle = ", requestCount=requestCount+1, favoriteWord=\"";
    private const string BeforeName = "\" WHERE name=\"";
    private const string Suffix = "\"; SELECT * FROM ctf3;";

    public string Name { get; }
    public int Amount { get; }
    public string Word { get; }
    /// <summary>WHERE name="P" compares under the column's NUMERIC affinity: a numeric-looking P is a number.
    /// Computed per use (no allocation) to keep the command object small.</summary>
    internal SqlValue NameKey => AffinityRules.ForCompare(Affinity.Numeric, SqlValue.FromText(Name));
    internal SqlValue WordValue => SqlValue.FromText(Word);
    internal SqlValue AmountValue => SqlValue.FromInteger(Amount);
    private string? _script;
    internal readonly bool NamesACtfColumn;

    private static bool IsCtfColumnName(string s) =>
        s.Equals("name", StringComparison.OrdinalIgnoreCase) || s.Equals("friendCount", StringComparison.OrdinalIgnoreCase)
        || s.Equals("requestCount", StringComparison.OrdinalIgnoreCase) || s.Equals("favoriteWord", StringComparison.OrdinalIgnoreCase)
        || Syntax.NameExpr.IsRowIdName(s);

    public CtfUpdateCommand(string name, int amount, string word)
    {
        if (amount < 0 || amount > MaxAmount) throw new ArgumentOutOfRangeException(nameof(amount));
        if (!IsPlainWord(name) || !IsPlainWord(word)) throw new ArgumentException("name and word must be 1-64 letters, digits or _");
        Name = name;
        Amount = amount;
        Word = word;
        // With the boot schema, a name or word spelling a column (or the rowid) is a column reference, not a string.
        NamesACtfColumn = IsCtfColumnName(name) || IsCtfColumnName(word);
    }

    public override string Script => _script ??=
        Prefix + Amount.ToString(CultureInfo.InvariantCulture) + Middle + Word + BeforeName + Name + Suffix;

    [GeneratedRegex("""\AUPDATE ctf3 SET friendCount=friendCount\+[0-9]{1,9}, requestCount=requestCount\+1, favoriteWord="[A-Za-z0-9_]{1,64}" WHERE name="[A-Za-z0-9_]{1,64}"; SELECT \* FROM ctf3;;?\z""", RegexOptions.CultureInvariant)]
    private static partial Regex CtfQuery();

    internal static bool IsPlainWord(string s)
    {
        if (s.Length is 0 or > 64) return false;
        foreach (char c in s) if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return true;
    }

    /// <summary>The command when the text is the CTF query (with one optional extra ";"), else null.</summary>
    public static CtfUpdateCommand? TryRecognize(string script)
    {
        if (script.Length < Prefix.Length || !script.StartsWith(Prefix, StringComparison.Ordinal) || !CtfQuery().IsMatch(script)) return null;
        // The regex fixed the shape: the fields sit between constant texts.
        var s = script.AsSpan(Prefix.Length);
        int comma = s.IndexOf(',');
        int amount = int.Parse(s[..comma], NumberStyles.None, CultureInfo.InvariantCulture);
        s = s[(comma + Middle.Length)..];
        int quote = s.IndexOf('"');
        string word = new(s[..quote]);
        s = s[(quote + BeforeName.Length)..];
        quote = s.IndexOf('"');
        var nameSpan = s[..quote];
        string? name = null;
        foreach (var known in KnownNames) if (nameSpan.SequenceEqual(known)) { name = known; break; }
        return new CtfUpdateCommand(name ?? new string(nameSpan), amount, word);
    }

    public override void WriteTo(IBufferWriter<byte> output)
    {
        int nameIndex = Array.IndexOf(KnownNames, Name);
        if (nameIndex >= 0 && Word.Length == 15 && Word.AsSpan().IndexOfAnyExcept(WordAlphabet) < 0)
        {
            var span = output.GetSpan(16);
            span[0] = CommandCodec.KindCtfCompact;
            span[1] = (byte)nameIndex;
            int n = 2 + CommandCodec.WriteVarint(span[2..], (uint)Amount);
            ulong packed = 0;
            for (int i = 0; i < 15; i++) packed |= (ulong)WordAlphabet.IndexOf(Word[i]) << (4 * i);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span[n..], packed);
            output.Advance(n + 8);
            return;
        }
        var general = output.GetSpan(1 + 5 + 64 + 5 + 5 + 64);
        general[0] = CommandCodec.KindCtf;
        int p = 1;
        p += CommandCodec.WriteVarint(general[p..], (uint)Name.Length);
        p += CommandCodec.Utf8.GetBytes(Name, general[p..]);
        p += CommandCodec.WriteVarint(general[p..], (uint)Amount);
        p += CommandCodec.WriteVarint(general[p..], (uint)Word.Length);
        p += CommandCodec.Utf8.GetBytes(Word, general[p..]);
        output.Advance(p);
    }

    internal static string UnpackWord(ReadOnlySpan<byte> packed8)
    {
        ulong packed = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(packed8);
        if ((packed >> 60) != 0) throw new FormatException("invalid word in command");
        return string.Create(15, packed, static (span, p) =>
        {
            for (int i = 0; i < 15; i++)
            {
                int code = (int)((p >> (4 * i)) & 0xf);
                if (code >= WordAlphabet.Length) throw new FormatException("invalid word letter in command");
                span[i] = WordAlphabet[code];
            }
        });
    }

    public override string ToString() => $"CtfUpdate({Name}, +{Amount}, {Word})";
}
