using System.Text;

namespace FastDb.QueryEngine.Commands;

/// <summary>Binary form of commands: a leading kind byte, then the kind's fields (lengths and numbers as LEB128 varints).
/// Decoding validates everything and reports any defect as a <see cref="FormatException"/>.</summary>
public static class CommandCodec
{
    public const byte KindScript = 1;        // [1][len][utf8 script]
    public const byte KindCtfCompact = 2;    // [2][name index][amount][word: 15 letters as 4-bit codes, 8 bytes]
    public const byte KindCtf = 3;           // [3][len][utf8 name][amount][len][utf8 word]
    public const byte KindStatements = Statements.StatementsCommand.Kind; // rqlite statement list (see StatementsCommand)

    public static readonly UTF8Encoding Utf8 = new(false, false);
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static int WriteVarint(Span<byte> dest, uint value)
    {
        int i = 0;
        while (value >= 0x80) { dest[i++] = (byte)(value | 0x80); value >>= 7; }
        dest[i++] = (byte)value;
        return i;
    }

    public static uint ReadVarint(ReadOnlySpan<byte> src, ref int pos)
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= src.Length) throw new FormatException("command truncated inside a number");
            byte b = src[pos++];
            if (shift == 28 && b > 0x0f) throw new FormatException("number too large in command");
            result |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("number too long in command");
    }

    public static string ReadString(ReadOnlySpan<byte> src, ref int pos)
    {
        uint len = ReadVarint(src, ref pos);
        if (len > src.Length - pos) throw new FormatException("command truncated inside a text");
        try
        {
            string s = StrictUtf8.GetString(src.Slice(pos, (int)len));
            pos += (int)len;
            return s;
        }
        catch (DecoderFallbackException e) { throw new FormatException("command text is not UTF-8", e); }
    }

    public static SqlCommand Read(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty) throw new FormatException("empty command");
        int pos = 1;
        SqlCommand result;
        switch (encoded[0])
        {
            case KindScript:
                result = new ScriptCommand(ReadString(encoded, ref pos));
                break;
            case KindCtfCompact:
            {
                if (encoded.Length < 2) throw new FormatException("command truncated");
                int nameIndex = encoded[pos++];
                if (nameIndex >= CtfUpdateCommand.KnownNames.Length) throw new FormatException("unknown name index in command");
                uint amount = ReadVarint(encoded, ref pos);
                if (amount > CtfUpdateCommand.MaxAmount) throw new FormatException("amount out of range in command");
                if (encoded.Length - pos < 8) throw new FormatException("command truncated inside a word");
                string word = CtfUpdateCommand.UnpackWord(encoded.Slice(pos, 8));
                pos += 8;
                result = new CtfUpdateCommand(CtfUpdateCommand.KnownNames[nameIndex], (int)amount, word);
                break;
            }
            case KindCtf:
            {
                string name = ReadString(encoded, ref pos);
                uint amount = ReadVarint(encoded, ref pos);
                if (amount > CtfUpdateCommand.MaxAmount) throw new FormatException("amount out of range in command");
                string word = ReadString(encoded, ref pos);
                if (!CtfUpdateCommand.IsPlainWord(name) || !CtfUpdateCommand.IsPlainWord(word))
                    throw new FormatException("invalid name or word in command");
                result = new CtfUpdateCommand(name, (int)amount, word);
                break;
            }
            case KindStatements:
                result = Statements.StatementsCommand.Read(encoded, ref pos);
                break;
            default:
                throw new FormatException("unknown command kind " + encoded[0]);
        }
        if (pos != encoded.Length) throw new FormatException("trailing bytes after command");
        return result;
    }
}
