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
    /// <summary>A DEFAULT that reads the current time or calls random() (CURRENT_TIMESTAMP, (datetime('now'))), computed
    /// for every row inserted, as SQLite does; the log entry's fixed 'now' and seeded random() make every node agree.
    /// <see cref="Default"/> is then NULL.</summary>
    public Expr? PerRowDefault;

    /// <summary>The value an insert that omits the column stores: <see cref="Default"/>, or the per-row one computed now.</summary>
    public SqlValue InsertedDefault() =>
        PerRowDefault is { } e ? AffinityRules.Apply(Affinity, e.Eval(new RowContext())) : Default;
}

/// <summary>A CHECK constraint: its expression bound to the table's row, and what its failure names.</summary>
public sealed record TableCheck(Syntax.Expr Expr, string Label);

/// <summary>One row: its rowid and its column values (the INTEGER PRIMARY KEY column mirrors the rowid).</summary>
public sealed class Row(long rowId, SqlValue[] values)
{
    public long RowId = rowId;
    public SqlValue[] Values = values;
}

/// <summary>An index: a UNIQUE or non-rowid PRIMARY KEY constraint (automatic, no name), or one made by CREATE
/// [UNIQUE] INDEX (named), on one column or several (<see cref="IsComposite"/>), a one-column one ascending or
/// <see cref="Descending"/>. A unique one is answered by a hash map (a key with a NULL never conflicts); a plain one
/// only changes the plans (row order), which sort by its columns when they follow it. The one-column planners model
/// ascending one-column indexes (<see cref="Table.IndexOn"/> never returns another); a multi-column or descending
/// index (<see cref="KeyPlanned"/>) drives only the plans of CompositeIndexPlanner, which keeps maps of its keys.</summary>
public sealed class UniqueIndex(int[] columns, string constraintName, bool unique, string? name, bool descending = false)
{
    public UniqueIndex(int column, string constraintName, bool unique = true, string? name = null, bool descending = false)
        : this([column], constraintName, unique, name, descending) { }

    /// <summary>The key columns in index order.</summary>
    public readonly int[] Columns = columns;
    /// <summary>The first key column (the only one unless <see cref="IsComposite"/>).</summary>
    public int Column => Columns[0];
    public bool IsComposite => Columns.Length > 1;
    /// <summary>A one-column index in descending order (UNIQUE (a DESC), a PRIMARY KEY DESC that is no rowid alias,
    /// CREATE INDEX ON t(a DESC)): its entries run from the largest key down, rowids ascending within a key.</summary>
    public readonly bool Descending = descending && columns.Length == 1;
    /// <summary>Planned by CompositeIndexPlanner from its key's order, not by the one-column planners.</summary>
    public bool KeyPlanned => IsComposite || Descending;
    /// <summary>What "UNIQUE constraint failed: " names: "t.a" or "t.a, t.b".</summary>
    public readonly string ConstraintName = constraintName;
    public readonly bool Unique = unique;
    /// <summary>The CREATE INDEX name; null for a constraint's automatic index.</summary>
    public readonly string? Name = name;
    /// <summary>A one-column unique index's rows by key.</summary>
    public readonly Dictionary<SqlValue, Row> Map = new(KeyComparer.Instance);
    /// <summary>A multi-column unique index's rows by key tuple.</summary>
    private readonly Dictionary<SqlValue[], Row> _tuples = new(TupleKeyComparer.Instance);
    /// <summary>A multi-column index's rows by their first key column (not NULL), unique or not: an equality on it
    /// finds its rows without a scan (their order comes from sorting them by the key).</summary>
    private readonly Dictionary<SqlValue, HashSet<Row>> _byFirstColumn = new(KeyComparer.Instance);
    /// <summary>A non-unique multi-column index's rows by whole key (no NULL in it): an equality on every key column.</summary>
    private readonly Dictionary<SqlValue[], HashSet<Row>> _byKey = new(TupleKeyComparer.Instance);

    public static string ConstraintNameOf(Table table, int[] columns) =>
        string.Join(", ", Array.ConvertAll(columns, c => table.Name + "." + table.Columns[c].Name));

    /// <summary>The row of a unique index holding the key <paramref name="values"/> (a whole row's values) would
    /// take, or null: none, not unique, or a NULL in the key.</summary>
    public Row? Conflict(SqlValue[] values)
    {
        if (!Unique) return null;
        if (!IsComposite)
        {
            var key = values[Column];
            return !key.IsNull && Map.TryGetValue(key, out var row) ? row : null;
        }
        var tuple = KeyOf(values);
        return tuple != null && _tuples.TryGetValue(tuple, out var owner) ? owner : null;
    }

    /// <summary>The rows whose first key column equals <paramref name="first"/> as stored keys compare (a
    /// <see cref="KeyPlanned"/> index only); none for NULL.</summary>
    public IReadOnlyCollection<Row> WithFirstColumn(SqlValue first) =>
        !first.IsNull && _byFirstColumn.TryGetValue(first, out var rows) ? rows : [];

    /// <summary>The rows whose whole key is <paramref name="key"/> (a <see cref="KeyPlanned"/> index only; none if it
    /// holds a NULL).</summary>
    public IReadOnlyCollection<Row> WithKey(SqlValue[] key)
    {
        if (Array.Exists(key, v => v.IsNull)) return [];
        if (!IsComposite) return Unique ? (Map.TryGetValue(key[0], out var one) ? [one] : []) : WithFirstColumn(key[0]);
        if (Unique) return _tuples.TryGetValue(key, out var row) ? [row] : [];
        return _byKey.TryGetValue(key, out var rows) ? rows : [];
    }

    /// <summary>Enters a row of the table (its key must be free).</summary>
    public void Enter(Row row)
    {
        if (KeyPlanned && !row.Values[Column].IsNull)
        {
            if (!_byFirstColumn.TryGetValue(row.Values[Column], out var rows))
                _byFirstColumn[row.Values[Column]] = rows = new HashSet<Row>(ReferenceEqualityComparer.Instance);
            rows.Add(row);
            if (IsComposite && !Unique && KeyOf(row.Values) is { } key)
            {
                if (!_byKey.TryGetValue(key, out var same)) _byKey[key] = same = new HashSet<Row>(ReferenceEqualityComparer.Instance);
                same.Add(row);
            }
        }
        if (!Unique) return;
        if (!IsComposite)
        {
            var key = row.Values[Column];
            if (!key.IsNull) Map[key] = row;
        }
        else if (KeyOf(row.Values) is { } tuple) _tuples[tuple] = row;
    }

    /// <summary>Removes a row of the table, if it is the one its key maps to.</summary>
    public void Leave(Row row)
    {
        if (KeyPlanned && !row.Values[Column].IsNull && _byFirstColumn.TryGetValue(row.Values[Column], out var rows))
        {
            rows.Remove(row);
            if (rows.Count == 0) _byFirstColumn.Remove(row.Values[Column]);
            if (IsComposite && !Unique && KeyOf(row.Values) is { } key && _byKey.TryGetValue(key, out var same))
            {
                same.Remove(row);
                if (same.Count == 0) _byKey.Remove(key);
            }
        }
        if (!Unique) return;
        if (!IsComposite)
        {
            var key = row.Values[Column];
            if (!key.IsNull && Map.TryGetValue(key, out var owner) && ReferenceEquals(owner, row)) Map.Remove(key);
        }
        else if (KeyOf(row.Values) is { } tuple && _tuples.TryGetValue(tuple, out var owner) && ReferenceEquals(owner, row)) _tuples.Remove(tuple);
    }

    public void Clear()
    {
        Map.Clear();
        _tuples.Clear();
        _byFirstColumn.Clear();
        _byKey.Clear();
    }

    /// <summary>The index record a row makes (its key values, then the rowid) must fit the value limit, as SQLite
    /// builds it with OP_MakeRecord.</summary>
    public void CheckRecord(SqlValue[] values, long rowId)
    {
        if (!IsComposite)
        {
            EngineLimits.CheckIndexRecord(values[Column], rowId);
            return;
        }
        long payload = 0, header = 1;
        foreach (int c in Columns)
        {
            var v = values[c];
            long n = v.Type switch { SqlType.Text => StorageSize.Utf8Length(v.Text!), SqlType.Blob => v.Blob!.Length, _ => 8 };
            payload += n;
            header += StorageSize.VarintLength(2 * n + 13);
        }
        if (payload <= EngineLimits.MaxValueBytes / 3 - 1024) return;
        header += 1;
        if (EngineLimits.IsTooBig(header + payload + StorageSize.IntegerBytes(rowId)))
            throw new Syntax.SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
    }

    private SqlValue[]? KeyOf(SqlValue[] values)
    {
        var tuple = new SqlValue[Columns.Length];
        for (int i = 0; i < tuple.Length; i++)
        {
            tuple[i] = values[Columns[i]];
            if (tuple[i].IsNull) return null;
        }
        return tuple;
    }
}

/// <summary>Equality of multi-column keys: each value as <see cref="KeyComparer"/> compares it.</summary>
public sealed class TupleKeyComparer : IEqualityComparer<SqlValue[]>
{
    public static readonly TupleKeyComparer Instance = new();

    public bool Equals(SqlValue[]? a, SqlValue[]? b)
    {
        if (a == null || b == null || a.Length != b.Length) return ReferenceEquals(a, b);
        for (int i = 0; i < a.Length; i++) if (!KeyComparer.Instance.Equals(a[i], b[i])) return false;
        return true;
    }

    public int GetHashCode(SqlValue[] key)
    {
        var h = new HashCode();
        foreach (var v in key) h.Add(KeyComparer.Instance.GetHashCode(v));
        return h.ToHashCode();
    }
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
    /// <summary>The CHECK constraints, bound to the table's columns, in the order SQLite tests them.</summary>
    public List<TableCheck> Checks = [];
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

    /// <summary>The ascending one-column index on <paramref name="column"/> (the oldest, if several), or null.</summary>
    public UniqueIndex? IndexOn(int column)
    {
        foreach (var ix in Indexes) if (ix.Column == column && !ix.KeyPlanned) return ix;
        return null;
    }

    /// <summary>True when a multi-column or descending index exists: the planners then ask CompositeIndexPlanner first.</summary>
    public bool HasKeyPlannedIndex => Indexes.Exists(ix => ix.KeyPlanned);

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
        foreach (var ix in Indexes) ix.Enter(row);
    }

    public void Remove(Row row)
    {
        int p = FindPosition(row.RowId);
        if (p >= 0) { Rows.RemoveAt(p); AddBytes(-StorageSize.OfRow(row.Values)); }
        foreach (var ix in Indexes) ix.Leave(row);
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
            ix.Clear();
            foreach (var r in rows) ix.Enter(r);
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
