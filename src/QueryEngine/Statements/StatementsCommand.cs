using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using FastDb.QueryEngine.Commands;

namespace FastDb.QueryEngine.Statements;

/// <summary>What a statement list answers with: rqlite's execute results, query results, or each as its kind (request).</summary>
public enum StatementsMode : byte { Execute = 0, Query = 1, Request = 2 }

/// <summary>
/// An rqlite statement list as one log command: the SQL texts with their parameter values (bound at apply, see
/// <see cref="ParameterBinder"/>), the answer shape, and whether the list is one transaction. Layout:
/// [4][flags: mode | transaction &lt;&lt; 2][count] then per statement [sql][positional count][values][named count]
/// ([name][value])*; a value is [kind] then an 8-byte integer or real, a text, or [length][bytes] for a blob.
/// Decoding checks every count against the bytes left, so a bad entry is a <see cref="FormatException"/>.
/// </summary>
public sealed class StatementsCommand(StatementsMode mode, bool transaction, IReadOnlyList<StatementRequest> statements) : SqlCommand
{
    public const byte Kind = 4;

    public StatementsMode Mode { get; } = mode;
    public bool Transaction { get; } = transaction;
    public IReadOnlyList<StatementRequest> Statements { get; } = statements;

    /// <summary>The texts as written (unbound), for logs; the engine runs the list through <see cref="StatementRunner"/>.</summary>
    public override string Script => string.Join(";\n", Statements.Select(s => s.Sql));

    public override void WriteTo(IBufferWriter<byte> output)
    {
        WriteByte(output, Kind);
        WriteByte(output, (byte)((byte)Mode | (Transaction ? 4 : 0)));
        WriteVarint(output, (uint)Statements.Count);
        foreach (var statement in Statements)
        {
            WriteText(output, statement.Sql);
            WriteVarint(output, (uint)statement.Positional.Count);
            foreach (var value in statement.Positional) WriteValue(output, value);
            WriteVarint(output, (uint)statement.Named.Count);
            foreach (var (name, value) in statement.Named)
            {
                WriteText(output, name);
                WriteValue(output, value);
            }
        }
    }

    /// <summary>Reads the bytes after the kind byte; <paramref name="pos"/> ends after the command.</summary>
    public static StatementsCommand Read(ReadOnlySpan<byte> encoded, ref int pos)
    {
        if (pos >= encoded.Length) throw new FormatException("statement list truncated");
        byte flags = encoded[pos++];
        if ((flags & 3) > 2 || flags > 7) throw new FormatException("unknown statement list flags " + flags);
        uint count = CommandCodec.ReadVarint(encoded, ref pos);
        if (count > encoded.Length - pos) throw new FormatException("statement count runs past the end");
        var statements = new List<StatementRequest>((int)count);
        for (uint i = 0; i < count; i++)
        {
            string sql = CommandCodec.ReadString(encoded, ref pos);
            uint positional = CommandCodec.ReadVarint(encoded, ref pos);
            if (positional > encoded.Length - pos) throw new FormatException("parameter count runs past the end");
            var values = new List<ParameterValue>((int)positional);
            for (uint p = 0; p < positional; p++) values.Add(ReadValue(encoded, ref pos));
            uint named = CommandCodec.ReadVarint(encoded, ref pos);
            if (named > encoded.Length - pos) throw new FormatException("named parameter count runs past the end");
            var pairs = new List<KeyValuePair<string, ParameterValue>>((int)named);
            for (uint p = 0; p < named; p++)
            {
                string name = CommandCodec.ReadString(encoded, ref pos);
                pairs.Add(new(name, ReadValue(encoded, ref pos)));
            }
            statements.Add(new StatementRequest(sql, values, pairs));
        }
        return new StatementsCommand((StatementsMode)(flags & 3), (flags & 4) != 0, statements);
    }

    private static ParameterValue ReadValue(ReadOnlySpan<byte> encoded, ref int pos)
    {
        if (pos >= encoded.Length) throw new FormatException("parameter value truncated");
        var kind = (ParameterKind)encoded[pos++];
        switch (kind)
        {
            case ParameterKind.Null:
                return ParameterValue.Null;
            case ParameterKind.Integer:
            case ParameterKind.Real:
                if (encoded.Length - pos < 8) throw new FormatException("parameter value truncated");
                long bits = BinaryPrimitives.ReadInt64LittleEndian(encoded[pos..]);
                pos += 8;
                return kind == ParameterKind.Integer ? ParameterValue.FromInteger(bits) : ParameterValue.FromReal(BitConverter.Int64BitsToDouble(bits));
            case ParameterKind.Text:
                return ParameterValue.FromText(CommandCodec.ReadString(encoded, ref pos));
            case ParameterKind.Blob:
                uint length = CommandCodec.ReadVarint(encoded, ref pos);
                if (length > encoded.Length - pos) throw new FormatException("blob parameter runs past the end");
                var blob = encoded.Slice(pos, (int)length).ToArray();
                pos += (int)length;
                return ParameterValue.FromBlob(blob);
            default:
                throw new FormatException("unknown parameter kind " + (byte)kind);
        }
    }

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteVarint(IBufferWriter<byte> output, uint value) =>
        output.Advance(CommandCodec.WriteVarint(output.GetSpan(5), value));

    private static void WriteText(IBufferWriter<byte> output, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteVarint(output, (uint)bytes.Length);
        output.Write(bytes);
    }

    private static void WriteValue(IBufferWriter<byte> output, ParameterValue value)
    {
        WriteByte(output, (byte)value.Kind);
        switch (value.Kind)
        {
            case ParameterKind.Integer:
                BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value.Integer);
                output.Advance(8);
                break;
            case ParameterKind.Real:
                BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), BitConverter.DoubleToInt64Bits(value.Real));
                output.Advance(8);
                break;
            case ParameterKind.Text:
                WriteText(output, value.Text!);
                break;
            case ParameterKind.Blob:
                WriteVarint(output, (uint)value.Blob!.Length);
                output.Write(value.Blob);
                break;
        }
    }
}
