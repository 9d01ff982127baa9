using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Storage;

/// <summary>Snapshot format: "FDBS", version byte, then per table its schema (columns, rowid alias, index order,
/// whether its b-tree may have split) and its rows with their rowids; then (version 2) sqlite_master's rows (type,
/// names, root page, CREATE text, rowid), whether sqlite_master may have split, and the page allocator. Version 3
/// adds, after each table's redundant-index count, whether it is AUTOINCREMENT (its seq lives in sqlite_sequence,
/// an ordinary table of the snapshot, so a restored node allocates the rowids a replaying one does); versions 1 and 2
/// were written before AUTOINCREMENT ran and still read, every table without it. Version 4 gives each index its list
/// of columns (multi-column indexes) and whether it is descending; it is written only when a table has such an index. Version 1 (no sqlite_master) still
/// reads: its CREATE texts and root pages are then unknown, and queries reading them are refused. A value is its type byte (SqlType) then an integer, a real, a text, or a length and the bytes of a
/// blob. A column flag of 16 (versions 2-4) marks a per-row DEFAULT (CURRENT_TIMESTAMP, (datetime('now'))), whose
/// expression comes back from the CREATE TABLE text; builds before it refuse the flag ("bad column flags").
/// Reading validates everything and reports defects as FormatException.</summary>
public static class SnapshotCodec
{
    private static readonly byte[] Magic = "FDBS"u8.ToArray();
    /// <summary>Version 4 writes each index's columns (a count, then the columns), for multi-column indexes; a
    /// snapshot without one is still written as version 3, which older builds read.</summary>
    private const byte Version = 4;
    private const byte OneColumnIndexesVersion = 3;
    private const int MaxCount = 100_000_000;

    public static void Write(Catalog catalog, Stream output)
    {
        using var w = new BinaryWriter(output, new UTF8Encoding(false, false), leaveOpen: true);
        bool composite = catalog.Tables.Any(t => t.HasKeyPlannedIndex);
        w.Write(Magic);
        w.Write(composite ? Version : OneColumnIndexesVersion);
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
                w.Write((byte)((c.NotNull ? 1 : 0) | (c.PrimaryKey ? 2 : 0) | (c.Unique ? 4 : 0) | (c.HasDefault ? 8 : 0) | (c.PerRowDefault != null ? 16 : 0)));
                WriteValue(w, c.Default);
            }
            w.Write7BitEncodedInt(t.RowIdColumn + 1);
            w.Write(t.MayHaveSplit);
            w.Write7BitEncodedInt(t.RedundantRowIdIndexes);
            w.Write(t.Autoincrement);
            w.Write7BitEncodedInt(t.Indexes.Count);
            foreach (var ix in t.Indexes)
            {
                if (composite) w.Write7BitEncodedInt(ix.Columns.Length);
                foreach (int c in composite ? ix.Columns : [ix.Column]) w.Write7BitEncodedInt(c);
                w.Write(ix.Unique);
                w.Write(ix.Name != null);
                if (ix.Name != null) w.Write(ix.Name);
                if (composite) w.Write(ix.Descending);
            }
            w.Write7BitEncodedInt(t.Rows.Count);
            foreach (var r in t.Rows)
            {
                w.Write7BitEncodedInt64(r.RowId);
                foreach (var v in r.Values) WriteValue(w, v);
            }
        }
        w.Write7BitEncodedInt(catalog.Schema.Count);
        foreach (var e in catalog.Schema)
        {
            w.Write(e.Type);
            w.Write(e.Name);
            w.Write(e.TableName);
            w.Write7BitEncodedInt(e.RootPage + 1);
            w.Write(e.Sql != null);
            if (e.Sql != null) w.Write(e.Sql);
            w.Write(e.SqlKnown);
            w.Write7BitEncodedInt64(e.RowId);
        }
        w.Write(catalog.MasterMayHaveSplit);
        catalog.Pages.Write(w);
    }

    private static void WriteValue(BinaryWriter w, SqlValue v)
    {
        w.Write((byte)v.Type);
        switch (v.Type)
        {
            case SqlType.Integer: w.Write7BitEncodedInt64(v.Integer); break;
            case SqlType.Real: w.Write(v.Real); break;
            case SqlType.Text: w.Write(v.Text!); break;
            case SqlType.Blob: w.Write7BitEncodedInt(v.Blob!.Length); w.Write(v.Blob); break;
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
        byte version = r.ReadByte();
        if (version is not (1 or 2 or OneColumnIndexesVersion or Version)) throw new FormatException("unsupported snapshot version");
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
                if (flags > (version >= 2 ? 31 : 7)) throw new FormatException("bad column flags in snapshot");
                cols[i] = new Column
                {
                    Name = cname, DeclaredType = type, Affinity = AffinityRules.FromDeclaredType(type),
                    NotNull = (flags & 1) != 0, PrimaryKey = (flags & 2) != 0, Unique = (flags & 4) != 0,
                    Default = ReadValue(r),
                    // Version 1 did not record DEFAULT NULL: only a non-NULL default is known to exist.
                    HasDefault = (flags & 8) != 0,
                };
                if (version == 1 && !cols[i].Default.IsNull) cols[i].HasDefault = true;
                // Its expression comes from the CREATE text, read after the tables (RecoverDefaultExpressions).
                if ((flags & 16) != 0) cols[i].PerRowDefault = PendingPerRowDefault;
            }
            var table = new Table { Name = name, Columns = cols };
            table.RowIdColumn = Count(r) - 1;
            if (table.RowIdColumn >= ncols) throw new FormatException("bad rowid column in snapshot");
            bool mayHaveSplit = version >= 2 && r.ReadBoolean();
            if (version >= 2)
            {
                table.RedundantRowIdIndexes = Count(r);
                if (table.RedundantRowIdIndexes > 1 || (table.RedundantRowIdIndexes == 1 && table.RowIdColumn < 0))
                    throw new FormatException("bad redundant index count in snapshot");
            }
            if (version >= 3 && r.ReadBoolean())
            {
                if (table.RowIdColumn < 0) throw new FormatException("AUTOINCREMENT without a rowid column in snapshot");
                table.Autoincrement = true;
            }
            table.BuildColumnIndex();
            int nix = Count(r);
            for (int i = 0; i < nix; i++)
            {
                int width = version >= 4 ? Count(r) : 1;
                if (width < 1 || width > ncols) throw new FormatException("bad index in snapshot");
                var key = new int[width];
                for (int k = 0; k < width; k++)
                {
                    key[k] = Count(r);
                    if (key[k] >= ncols || Array.IndexOf(key, key[k], 0, k) >= 0) throw new FormatException("bad index in snapshot");
                }
                bool unique = true;
                string? indexName = null;
                if (version >= 2)
                {
                    unique = r.ReadBoolean();
                    if (r.ReadBoolean()) indexName = r.ReadString();
                }
                bool descending = version >= 4 && r.ReadBoolean();
                if (descending && width > 1) throw new FormatException("bad index in snapshot");
                // Automatic indexes are unique, one per key; CREATE INDEX may add more on any columns.
                if (indexName == null && (!unique || table.Indexes.Any(x => x.Name == null && x.Columns.AsSpan().SequenceEqual(key))))
                    throw new FormatException("bad index in snapshot");
                table.Indexes.Add(new UniqueIndex(key, UniqueIndex.ConstraintNameOf(table, key), unique, indexName, descending));
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
                    if (ix.Conflict(values) != null) throw new FormatException("duplicate key in snapshot");
                table.Add(new Row(rowId, values));
            }
            if (catalog.Exists(name)) throw new FormatException("duplicate table in snapshot");
            // The only table of the sqlite_ namespace a database holds is sqlite_sequence, as SQLite makes it.
            if (name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase) && (name != SequenceTable.Name || !SequenceTable.HasItsShape(table)))
                throw new FormatException("bad internal table in snapshot");
            if (mayHaveSplit) table.MayHaveSplit = true;
            catalog.Add(table);
        }
        if (catalog.Tables.Any(t => t.Autoincrement) && catalog.Find(SequenceTable.Name) == null)
            throw new FormatException("AUTOINCREMENT table without sqlite_sequence in snapshot");
        if (version == 1) RebuildUnknownSchema(catalog);
        else ReadSchema(r, catalog);
        if (version is 2 or 3) RecoverDescendingConstraints(catalog);
        RecoverDefaultExpressions(catalog);
        RecoverChecks(catalog);
        if (input.ReadByte() != -1) throw new FormatException("trailing bytes after snapshot");
        return catalog;
    }

    private static void ReadSchema(BinaryReader r, Catalog catalog)
    {
        int n = Count(r);
        long lastRowId = 0;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < n; i++)
        {
            var e = new SchemaEntry { Type = r.ReadString(), Name = r.ReadString(), TableName = r.ReadString() };
            e.RootPage = Count(r) - 1;
            e.Sql = r.ReadBoolean() ? r.ReadString() : null;
            e.SqlKnown = r.ReadBoolean();
            e.RowId = r.Read7BitEncodedInt64();
            if (e.Type is not ("table" or "index")) throw new FormatException("bad schema entry type in snapshot");
            if (e.RowId <= lastRowId) throw new FormatException("schema entries out of order in snapshot");
            if (!names.Add(e.Name)) throw new FormatException("duplicate schema entry in snapshot");
            var table = catalog.Find(e.TableName) ?? throw new FormatException("schema entry for a missing table in snapshot");
            if (e.Type == "table" && !string.Equals(e.Name, table.Name, StringComparison.Ordinal)) throw new FormatException("bad schema entry in snapshot");
            lastRowId = e.RowId;
            catalog.Schema.Add(e);
            catalog.MasterBytes += Catalog.EntryBytes(e);
        }
        foreach (var t in catalog.Tables)
            if (!names.Contains(t.Name)) throw new FormatException("table without a schema entry in snapshot");
        catalog.MasterMayHaveSplit = r.ReadBoolean();
        catalog.Pages = PageAllocator.Read(r);
    }

    /// <summary>Stands for a per-row DEFAULT until RecoverDefaultExpressions parses it from the CREATE text.</summary>
    private static readonly Syntax.Expr PendingPerRowDefault = new Syntax.LiteralExpr(SqlValue.Null);

    /// <summary>
    /// Each DEFAULT's expression, parsed back from its table's CREATE TABLE text: the snapshot keeps only the value,
    /// but an upsert's excluded.* reads the expression's value before affinity, and a per-row DEFAULT (column flag
    /// 16) is computed again for every insert, so a restored node must hold what a replaying one holds. The text must
    /// give the same columns and a per-row DEFAULT for each flagged one; any mismatch refuses the snapshot.
    /// Without the text (version 1) a constant DEFAULT keeps its stored value.
    /// </summary>
    private static void RecoverDefaultExpressions(Catalog catalog)
    {
        foreach (var t in catalog.Tables)
        {
            if (!Array.Exists(t.Columns, c => c.HasDefault)) continue;
            if (CreateText(catalog, t) is not { } sql)
            {
                if (Array.Exists(t.Columns, c => ReferenceEquals(c.PerRowDefault, PendingPerRowDefault)))
                    throw new FormatException("a per-row DEFAULT without its CREATE text in snapshot");
                foreach (var c in t.Columns) if (c.HasDefault) c.DefaultExpr = new Syntax.LiteralExpr(c.Default);
                continue;
            }
            var create = ParseCreateText(sql);
            if (create.Columns.Count != t.Columns.Length) throw new FormatException("a CREATE text that does not match its table in snapshot");
            for (int i = 0; i < t.Columns.Length; i++)
            {
                var column = t.Columns[i];
                bool flagged = ReferenceEquals(column.PerRowDefault, PendingPerRowDefault);
                if (flagged && !create.Columns[i].DefaultPerRow) throw new FormatException("a per-row DEFAULT that does not match the CREATE text in snapshot");
                if (!column.HasDefault) continue;
                // A per-row text without the flag is a builds-before-2026-12-07 snapshot, which froze the value at
                // CREATE: it keeps that value, as the node that wrote it did.
                column.DefaultExpr = create.Columns[i].DefaultPerRow && !flagged ? new Syntax.LiteralExpr(column.Default)
                    : create.Columns[i].Default ?? new Syntax.LiteralExpr(column.Default);
                if (flagged) column.PerRowDefault = column.DefaultExpr;
            }
        }
    }

    /// <summary>Each table's CHECK constraints, parsed back from its CREATE TABLE text and bound as CREATE TABLE binds
    /// them (the snapshot keeps no expressions), so a restored node tests what a replaying one tests. Without the
    /// text (version 1, older than CHECK support) a table has none.</summary>
    private static void RecoverChecks(Catalog catalog)
    {
        foreach (var t in catalog.Tables)
        {
            if (CreateText(catalog, t) is not { } sql || !sql.Contains("CHECK", StringComparison.OrdinalIgnoreCase)) continue;
            var create = ParseCreateText(sql);
            try
            {
                t.Checks = TableFactory.BindChecks(t, create);
            }
            catch (Syntax.SqlParseException e)
            {
                throw new FormatException("a CHECK constraint that does not bind to its table in snapshot: " + e.Message, e);
            }
        }
    }

    /// <summary>The table's CREATE text as sqlite_master holds it, or null when unknown (a version-1 snapshot).</summary>
    private static string? CreateText(Catalog catalog, Table t) =>
        catalog.Schema.Find(e => e.Type == "table" && string.Equals(e.Name, t.Name, StringComparison.OrdinalIgnoreCase)) is { SqlKnown: true, Sql: { } sql } ? sql : null;

    /// <summary>A table's CREATE text parsed again; a damaged text refuses the snapshot, as any other defect does
    /// (never a node serving without it).</summary>
    private static Syntax.CreateTableStatement ParseCreateText(string sql)
    {
        try
        {
            return Syntax.Parser.ParseOne(sql, 0, _ => false, out _) as Syntax.CreateTableStatement
                ?? throw new FormatException("a table's CREATE text is no CREATE TABLE in snapshot");
        }
        catch (Exception e) when (e is Syntax.SqlParseException or Syntax.SqlRuntimeException)
        {
            throw new FormatException("bad CREATE text in snapshot: " + e.Message, e);
        }
    }

    /// <summary>Versions 2 and 3 did not record an index's order, and builds that wrote them planned UNIQUE (a DESC)
    /// and PRIMARY KEY DESC as ascending: the order comes back from the CREATE TABLE text, replayed as CREATE TABLE
    /// makes the automatic indexes, so a restored node plans what a replaying one plans.</summary>
    private static void RecoverDescendingConstraints(Catalog catalog)
    {
        foreach (var t in catalog.Tables)
        {
            if (CreateText(catalog, t) is not { } sql || !sql.Contains("DESC", StringComparison.OrdinalIgnoreCase)) continue;
            List<UniqueIndex> made;
            try { made = TableFactory.Create(ParseCreateText(sql)).Indexes; }
            catch (Exception e) when (e is Syntax.SqlParseException or Syntax.SqlRuntimeException)
            {
                throw new FormatException("bad CREATE text in snapshot: " + e.Message, e);
            }
            var automatic = t.Indexes.FindAll(ix => ix.Name == null);
            if (made.Count != automatic.Count) throw new FormatException("automatic indexes that do not match the CREATE text in snapshot");
            for (int i = 0; i < made.Count; i++)
            {
                if (!made[i].Descending) continue;
                var old = automatic[i];
                if (old.IsComposite || old.Column != made[i].Column) throw new FormatException("automatic indexes that do not match the CREATE text in snapshot");
                var restored = new UniqueIndex(old.Columns, old.ConstraintName, old.Unique, null, descending: true);
                foreach (var row in t.Rows) restored.Enter(row);
                t.Indexes[t.Indexes.IndexOf(old)] = restored;
            }
        }
    }

    /// <summary>A version-1 snapshot kept no CREATE texts or pages: rebuild the rows with those unknown.</summary>
    private static void RebuildUnknownSchema(Catalog catalog)
    {
        long rowId = 0;
        catalog.Pages.MarkUnknown();
        foreach (var t in catalog.Tables)
        {
            // A UNIQUE on an INTEGER PRIMARY KEY adds an index version 1 did not record: the rows are then unknown.
            if (t.RowIdColumn >= 0) catalog.SchemaRowsUnknown = true;
            catalog.Schema.Add(new SchemaEntry { Type = "table", Name = t.Name, TableName = t.Name, RootPage = -1, SqlKnown = false, RowId = ++rowId });
            for (int i = 0; i < t.Indexes.Count + t.RedundantRowIdIndexes; i++)
                catalog.Schema.Add(new SchemaEntry { Type = "index", Name = "sqlite_autoindex_" + t.Name + "_" + (i + 1), TableName = t.Name, RootPage = -1, RowId = ++rowId });
        }
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
            (byte)SqlType.Blob => SqlValue.FromBlob(ReadBlob(r)),
            _ => throw new FormatException("bad value type in snapshot"),
        };
    }

    /// <summary>A blob: its length (at most the value limit), then its bytes, all of them present.</summary>
    private static byte[] ReadBlob(BinaryReader r)
    {
        int length = r.Read7BitEncodedInt();
        if (length < 0 || EngineLimits.IsTooBig(length)) throw new FormatException("bad blob length in snapshot");
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new FormatException("snapshot ends inside a blob");
        return bytes;
    }
}
