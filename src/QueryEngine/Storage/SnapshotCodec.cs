using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Storage;

/// <summary>Snapshot format: "FDBS", version byte, then per table its schema (columns, rowid alias, index order)
/// and its rows with their rowids. Reading validates everything and reports defects as FormatException.</summary>
public static class SnapshotCodec
{
    private static readonly byte[] Magic = "FDBS"u8.ToArray();
    private const byte Version = 1;
    private const int MaxCount = 100_000_000;

    public static void Write(Catalog catalog, Stream output)
    {
        using var w = new BinaryWriter(output, new UTF8Encoding(false, false), leaveOpen: true);
        w.Write(Magic);
        w.Write(Version);
        w.Write7BitEncodedInt(catalog.Tables.Count);
        foreach (var t in catalog.Tables)
        {
            w.Write(t.Name);
            w.Write7BitEncodedInt(t.Columns.Length);
            foreach (var c in t.Columns)
            {
                w.Write(c.Name);
                w.Write(c.DeclaredType != null);
                if (c.DeclaredType != null) w.Write(c.DeclaredType);
                w.Write((byte)((c.NotNull ? 1 : 0) | (c.PrimaryKey ? 2 : 0) | (c.Unique ? 4 : 0)));
                WriteValue(w, c.Default);
            }
            w.Write7BitEncodedInt(t.RowIdColumn + 1);
            w.Write7BitEncodedInt(t.Indexes.Count);
            foreach (var ix in t.Indexes) w.Write7BitEncodedInt(ix.Column);
            w.Write7BitEncodedInt(t.Rows.Count);
            foreach (var r in t.Rows)
            {
                w.Write7BitEncodedInt64(r.RowId);
                foreach (var v in r.Values) WriteValue(w, v);
            }
        }
    }

    private static void WriteValue(BinaryWriter w, SqlValue v)
    {
        w.Write((byte)v.Type);
        switch (v.Type)
        {
            case SqlType.Integer: w.Write7BitEncodedInt64(v.Integer); break;
            case SqlType.Real: w.Write(v.Real); break;
            case SqlType.Text: w.Write(v.Text!); break;
        }
    }

    public static Catalog Read(Stream input)
    {
        try
        {
            return ReadUnchecked(input);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or DecoderFallbackException or ArgumentException or InvalidOperationException or OverflowException)
        {
            throw new FormatException("corrupt snapshot: " + e.Message, e);
        }
    }

    private static Catalog ReadUnchecked(Stream input)
    {
        using var r = new BinaryReader(input, new UTF8Encoding(false, true), leaveOpen: true);
        var magic = r.ReadBytes(4);
        if (!magic.AsSpan().SequenceEqual(Magic)) throw new FormatException("not a FastDb snapshot");
        if (r.ReadByte() != Version) throw new FormatException("unsupported snapshot version");
        var catalog = new Catalog();
        int tables = Count(r);
        for (int ti = 0; ti < tables; ti++)
        {
            string name = r.ReadString();
            int ncols = Count(r);
            if (ncols == 0) throw new FormatException("table without columns in snapshot");
            var cols = new Column[ncols];
            for (int i = 0; i < ncols; i++)
            {
                string cname = r.ReadString();
                string? type = r.ReadBoolean() ? r.ReadString() : null;
                byte flags = r.ReadByte();
                if (flags > 7) throw new FormatException("bad column flags in snapshot");
                cols[i] = new Column
                {
                    Name = cname, DeclaredType = type, Affinity = AffinityRules.FromDeclaredType(type),
                    NotNull = (flags & 1) != 0, PrimaryKey = (flags & 2) != 0, Unique = (flags & 4) != 0,
                    Default = ReadValue(r),
                };
            }
            var table = new Table { Name = name, Columns = cols };
            table.RowIdColumn = Count(r) - 1;
            if (table.RowIdColumn >= ncols) throw new FormatException("bad rowid column in snapshot");
            table.BuildColumnIndex();
            int nix = Count(r);
            for (int i = 0; i < nix; i++)
            {
                int c = Count(r);
                if (c >= ncols || table.IndexOn(c) != null) throw new FormatException("bad index in snapshot");
                table.Indexes.Add(new UniqueIndex(c, name + "." + cols[c].Name));
            }
            int nrows = Count(r);
            long last = long.MinValue;
            for (int i = 0; i < nrows; i++)
            {
                long rowId = r.Read7BitEncodedInt64();
                if (i > 0 && rowId <= last) throw new FormatException("rows out of order in snapshot");
                last = rowId;
                var values = new SqlValue[ncols];
                for (int c = 0; c < ncols; c++) values[c] = ReadValue(r);
                foreach (var ix in table.Indexes)
                    if (!values[ix.Column].IsNull && ix.Map.ContainsKey(values[ix.Column])) throw new FormatException("duplicate key in snapshot");
                table.Add(new Row(rowId, values));
            }
            if (catalog.Exists(name)) throw new FormatException("duplicate table in snapshot");
            catalog.Add(table);
        }
        if (input.ReadByte() != -1) throw new FormatException("trailing bytes after snapshot");
        return catalog;
    }

    private static int Count(BinaryReader r)
    {
        int n = r.Read7BitEncodedInt();
        if (n < 0 || n > MaxCount) throw new FormatException("count out of range in snapshot");
        return n;
    }

    private static SqlValue ReadValue(BinaryReader r)
    {
        byte type = r.ReadByte();
        return type switch
        {
            (byte)SqlType.Null => SqlValue.Null,
            (byte)SqlType.Integer => SqlValue.FromInteger(r.Read7BitEncodedInt64()),
            (byte)SqlType.Real => SqlValue.FromReal(r.ReadDouble()),
            (byte)SqlType.Text => SqlValue.FromText(r.ReadString()),
            _ => throw new FormatException("bad value type in snapshot"),
        };
    }
}
