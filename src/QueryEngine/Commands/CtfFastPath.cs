using System.Buffers;
using System.Buffers.Text;
using System.Text;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Commands;

/// <summary>Runs the CTF update + select by direct lookup when ctf3 has exactly the boot script's shape, with the
/// same arithmetic, affinity and formatting rules as the general path. Declines (returns false, nothing changed)
/// whenever the general path could answer differently: no table, another schema, a name or word that is a column,
/// a table that has held a blob.</summary>
public static class CtfFastPath
{
    [ThreadStatic] private static StringBuilder? t_builder;

    public static bool TryExecute(Catalog catalog, CtfUpdateCommand command, out string? rows)
    {
        rows = null;
        var table = Applicable(catalog, command);
        if (table == null) return false;
        Apply(table, command);
        var sb = t_builder ??= new StringBuilder(256);
        sb.Clear();
        foreach (var row in table.Rows)
        {
            var v = row.Values;
            for (int i = 0; i < v.Length; i++)
            {
                if (i > 0) sb.Append('|');
                Execution.Executor.AppendValue(sb, v[i]);
            }
            sb.Append('\n');
        }
        rows = sb.ToString();
        return true;
    }

    public static bool TryExecute(Catalog catalog, CtfUpdateCommand command, IBufferWriter<byte> body)
    {
        var table = Applicable(catalog, command);
        if (table == null) return false;
        Apply(table, command);
        foreach (var row in table.Rows)
        {
            var v = row.Values;
            for (int i = 0; i < v.Length; i++)
            {
                if (i > 0) WriteByte(body, (byte)'|');
                WriteValue(body, v[i]);
            }
            WriteByte(body, (byte)'\n');
        }
        return true;
    }

    private static void WriteByte(IBufferWriter<byte> body, byte b)
    {
        body.GetSpan(1)[0] = b;
        body.Advance(1);
    }

    private static void WriteValue(IBufferWriter<byte> body, SqlValue v)
    {
        switch (v.Type)
        {
            case SqlType.Integer:
            {
                var span = body.GetSpan(20);
                Utf8Formatter.TryFormat(v.Integer, span, out int n);
                body.Advance(n);
                break;
            }
            case SqlType.Real:
            {
                Span<char> chars = stackalloc char[40];
                int len = RealFormat.Format(v.Real, chars);
                var span = body.GetSpan(len);
                for (int i = 0; i < len; i++) span[i] = (byte)chars[i];
                body.Advance(len);
                break;
            }
            case SqlType.Text:
            {
                var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(v.Text!.Length));
                body.Advance(Encoding.UTF8.GetBytes(v.Text, span));
                break;
            }
        }
    }

    private static void Apply(Table table, CtfUpdateCommand command)
    {
        var index = table.Indexes[0];
        if (!index.Map.TryGetValue(command.NameKey, out var row)) return;
        var values = row.Values;
        long before = StorageSize.Of(values[1]) + StorageSize.Of(values[2]) + StorageSize.Of(values[3]);
        values[1] = AffinityRules.Apply(Affinity.Integer, Arithmetic.Binary(BinaryOp.Add, values[1], command.AmountValue));
        values[2] = AffinityRules.Apply(Affinity.Integer, Arithmetic.Binary(BinaryOp.Add, values[2], One));
        values[3] = command.WordValue;
        long after = StorageSize.Of(values[1]) + StorageSize.Of(values[2]) + StorageSize.Of(values[3]);
        if (after != before) table.AddBytes(after - before);
    }

    /// <summary>The fast path prints every row without counting: it only takes tables whose whole output is surely
    /// under the answer limit (per row at most its text bytes plus 25 per number and the separators; the word is at most
    /// 64 letters), so the limit is the general path's business.</summary>
    private const int MaxRows = 10_000;
    private const long MaxTableBytes = 4 * 1024 * 1024;
    private static bool SmallEnough(Catalog c, Table t) =>
        t.Rows.Count <= MaxRows && t.Bytes <= MaxTableBytes && c.Bytes <= EngineLimits.MaxDatabaseBytes - 1024;

    private static readonly SqlValue One = SqlValue.FromInteger(1);

    /// <summary>ctf3 when it has the boot script's shape and the command's name and word are not column names.</summary>
    private static Table? Applicable(Catalog catalog, CtfUpdateCommand command)
    {
        if (command.NamesACtfColumn) return null;
        if (catalog.CtfTableVersion != catalog.Version)
        {
            var found = catalog.Find("ctf3");
            catalog.CtfTable = found != null && HasBootShape(found) ? found : null;
            catalog.CtfTableVersion = catalog.Version;
        }
        var table = catalog.CtfTable;
        return table != null && !table.MayHoldBlobs && SmallEnough(catalog, table) ? table : null;
    }

    private static bool HasBootShape(Table t)
    {
        var c = t.Columns;
        return c.Length == 4 && t.RowIdColumn < 0 && t.Indexes.Count == 1 && t.Indexes[0] is { KeyPlanned: false, Column: 0 } && t.Checks.Count == 0
            && c[0].Name.Equals("name", StringComparison.OrdinalIgnoreCase) && c[0].Affinity == Affinity.Numeric
            && c[1].Name.Equals("friendCount", StringComparison.OrdinalIgnoreCase) && c[1].Affinity == Affinity.Integer && !c[1].NotNull
            && c[2].Name.Equals("requestCount", StringComparison.OrdinalIgnoreCase) && c[2].Affinity == Affinity.Integer && !c[2].NotNull
            && c[3].Name.Equals("favoriteWord", StringComparison.OrdinalIgnoreCase) && c[3].Affinity == Affinity.Text && !c[3].NotNull;
    }
}
