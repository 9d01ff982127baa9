using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Storage;

public sealed class Column
{
    public required string Name;
    public string? DeclaredType;
    public Affinity Affinity;
    public bool NotNull;
    public bool PrimaryKey;
    public bool Unique;
    /// <summary>The DEFAULT value (constant), NULL when none.</summary>
    public SqlValue Default;
    /// <summary>Kept to rebuild the CREATE statement for snapshots.</summary>
    public Expr? DefaultExpr;
    /// <summary>The column has a DEFAULT clause (possibly DEFAULT NULL), which OR REPLACE uses for NOT NULL.</summary>
    public bool HasDefault;
}

/// <summary>One row: its rowid and its column values (the INTEGER PRIMARY KEY column mirrors the rowid).</summary>
public sealed class Row(long rowId, SqlValue[] values)
{
    public long RowId = rowId;
    public SqlValue[] Values = values;
}

/// <summary>An index on one column: a UNIQUE or non-rowid PRIMARY KEY constraint (automatic, no name), or one made
/// by CREATE [UNIQUE] INDEX (named). A unique one is answered by a hash map (NULLs never conflict); a plain one only
/// changes the plans (row order), which sort by the column when they follow it, so it keeps no map.</summary>
public sealed class UniqueIndex(int column, string constraintName, bool unique = true, string? name = null)
{
    public readonly int Column = column;
    public readonly string ConstraintName = constraintName;
    public readonly bool Unique = unique;
    /// <summary>The CREATE INDEX name; null for a constraint's automatic index.</summary>
    public readonly string? Name = name;
    public readonly Dictionary<SqlValue, Row> Map = new(KeyComparer.Instance);
}

/// <summary>Index key equality as SQLite compares stored values: 1 and 1.0 are the same key, text is binary.</summary>
public sealed class KeyComparer : IEqualityComparer<SqlValue>
{
    public static readonly KeyComparer Instance = new();

    public bool Equals(SqlValue a, SqlValue b) => ValueComparer.Compare(a, b) == 0;

    public int GetHashCode(SqlValue v)
    {
        switch (v.Type)
        {
            case SqlType.Integer: return v.Integer.GetHashCode();
            case SqlType.Real:
                if (v.Real >= -9.2233720368547758e18 && v.Real < 9.2233720368547758e18 && Math.Floor(v.Real) == v.Real)
                    return ((long)v.Real).GetHashCode();
                return v.Real.GetHashCode();
            case SqlType.Text: return string.GetHashCode(v.Text, StringComparison.Ordinal);
            case SqlType.Blob: return BlobText.Hash(v.Blob!);
            default: return 0;
        }
    }
}

/// <summary>A table: rows kept sorted by rowid (scan order), one hash index per UNIQUE/PRIMARY KEY column.</summary>
public sealed class Table
{
    public required string Name;
    public required Column[] Columns;
    /// <summary>Index of the column declared exactly INTEGER PRIMARY KEY (the rowid alias), or -1.</summary>
    public int RowIdColumn = -1;
    /// <summary>Declared AUTOINCREMENT (TF_Autoincrement): new rowids also pass its sqlite_sequence row's seq, and
    /// every INSERT writes that row back (see Executor.Autoincrement.cs). Fixed at CREATE TABLE.</summary>
    public bool Autoincrement;
    /// <summary>The rows of a subquery in FROM: its rowid reads as NULL, as SQLite's does.</summary>
    public bool IsSubquery;
    public readonly List<UniqueIndex> Indexes = [];
    /// <summary>1 when a UNIQUE constraint names the INTEGER PRIMARY KEY: SQLite builds that index although the rowid
    /// already enforces it. It changes no answer, only sqlite_master (one more automatic index and root page).</summary>
    public int RedundantRowIdIndexes;
    public readonly List<Row> Rows = [];
    /// <summary>What this table counts against the database limit (<see cref="StorageSize"/>): schema and rows.</summary>
    public long Bytes { get; private set; }
    /// <summary>The database-wide total this table's size changes are added to (set by <see cref="Catalog.Add"/>).</summary>
    internal Catalog? Owner;
    private long _schemaBytes;

    /// <summary>Sticky: the rows (counted, see <see cref="StorageSize"/>) once passed <see cref="SplitBytes"/>, so
    /// SQLite's b-tree for this table or one of its indexes may have taken more pages than its root (a 4096-byte
    /// leaf holds ~4,000 bytes of cells; an index entry over ~1,000 bytes spills to an overflow page).</summary>
    public bool MayHaveSplit { get; internal set; }
    public const long SplitBytes = 900;
    private readonly Dictionary<string, int> _columnIndex = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Once the columns are set: the name lookup, and the schema's share of the database size.</summary>
    public void BuildColumnIndex()
    {
        long schema = StorageSize.TableOverhead + StorageSize.Utf8Length(Name);
        foreach (var c in Columns)
            schema += StorageSize.ColumnOverhead + StorageSize.Utf8Length(c.Name) + (c.DeclaredType == null ? 0 : StorageSize.Utf8Length(c.DeclaredType));
        // The schema's share first, so the size change is not taken for rows (MayHaveSplit counts rows only).
        long delta = schema - _schemaBytes;
        _schemaBytes = schema;
        AddBytes(delta);
        _columnIndex.Clear();
        for (int i = 0; i < Columns.Length; i++) _columnIndex.TryAdd(Columns[i].Name, i);
    }

    public int ColumnIndex(string name) => _columnIndex.TryGetValue(name, out int i) ? i : -1;

    public UniqueIndex? IndexOn(int column)
    {
        foreach (var ix in Indexes) if (ix.Column == column) return ix;
        return null;
    }

    public long MaxRowId => Rows.Count == 0 ? 0 : Rows[^1].RowId;

    /// <summary>Position of a rowid in <see cref="Rows"/>, or the complement of where it would go.</summary>
    public int FindPosition(long rowId)
    {
        int lo = 0, hi = Rows.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            long r = Rows[mid].RowId;
            if (r == rowId) return mid;
            if (r < rowId) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    public Row? FindByRowId(long rowId)
    {
        int p = FindPosition(rowId);
        return p >= 0 ? Rows[p] : null;
    }

    /// <summary>Some row has held a blob since the table was made or restored (never cleared: the CTF fast path,
    /// which prints no blobs, just leaves such a table to the general path).</summary>
    public bool MayHoldBlobs { get; private set; }

    /// <summary>Adds a row (its rowid must be free and its unique keys unused).</summary>
    public void Add(Row row)
    {
        if (Rows.Count == 0 || Rows[^1].RowId < row.RowId) Rows.Add(row);
        else Rows.Insert(~FindPosition(row.RowId), row);
        AddBytes(StorageSize.OfRow(row.Values));
        if (!MayHoldBlobs) foreach (var v in row.Values) if (v.Type == SqlType.Blob) MayHoldBlobs = true;
        foreach (var ix in Indexes)
        {
            if (!ix.Unique) continue;
            var key = row.Values[ix.Column];
            if (!key.IsNull) ix.Map[key] = row;
        }
    }

    public void Remove(Row row)
    {
        int p = FindPosition(row.RowId);
        if (p >= 0) { Rows.RemoveAt(p); AddBytes(-StorageSize.OfRow(row.Values)); }
        foreach (var ix in Indexes)
        {
            if (!ix.Unique) continue;
            var key = row.Values[ix.Column];
            if (!key.IsNull && ix.Map.TryGetValue(key, out var owner) && ReferenceEquals(owner, row)) ix.Map.Remove(key);
        }
    }

    /// <summary>ROLLBACK: the rows become <paramref name="rows"/> (sorted by rowid); the size and the unique indexes'
    /// maps are rebuilt from them.</summary>
    internal void ReplaceRows(List<Row> rows)
    {
        Rows.Clear();
        Rows.AddRange(rows);
        long bytes = _schemaBytes;
        foreach (var r in rows) bytes += StorageSize.OfRow(r.Values);
        AddBytes(bytes - Bytes);
        foreach (var ix in Indexes)
        {
            ix.Map.Clear();
            if (!ix.Unique) continue;
            foreach (var r in rows)
            {
                var key = r.Values[ix.Column];
                if (!key.IsNull) ix.Map[key] = r;
            }
        }
    }

    /// <summary>Account for a change of stored size made in place (the CTF fast path rewrites values directly).</summary>
    public void AddBytes(long delta)
    {
        Bytes += delta;
        if (Bytes - _schemaBytes > SplitBytes) MayHaveSplit = true;
        if (Owner != null) Owner.Bytes += delta;
    }
}
