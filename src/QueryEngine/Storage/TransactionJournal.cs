namespace FastDb.QueryEngine.Storage;

/// <summary>
/// What ROLLBACK needs to put a catalog back as it was at BEGIN, as SQLite's rollback journal restores the file:
/// the schema (tables in order, their names, columns and indexes, sqlite_master's rows, the page allocator) taken
/// whole at BEGIN (small: no rows), and each row's state before the transaction first touched it (rows are kept
/// once, so the journal stays within the database's size plus the rows the script's own text inserts).
/// Schema changes never mutate what the checkpoint holds in place (DDL replaces column arrays, index lists and
/// sqlite_master rows), so restoring the references is exact. Contract: every row change inside the transaction
/// goes through <see cref="Touch"/> before it is made.
/// </summary>
public sealed class TransactionJournal
{
    private readonly record struct TableState(Table Table, string Name, Column[] Columns, int RowIdColumn,
        int RedundantRowIdIndexes, List<UniqueIndex> Indexes);

    /// <summary>A row as it was before the transaction touched it (Values null: the transaction inserted it).</summary>
    private readonly record struct RowOrigin(Table Table, long RowId, Values.SqlValue[]? Values);

    /// <summary>A CREATE, DROP or ALTER ran since the journal began (sqlite3's DBFLAG_SchemaChange): rolling it
    /// back resets the connection's schema (see Executor.SchemaReset.cs).</summary>
    public bool SchemaChanged;

    private readonly Catalog _catalog;
    private readonly List<TableState> _tables = [];
    private readonly List<SchemaEntry> _schema = [];
    private readonly PageAllocator _pages;
    private readonly bool _masterMayHaveSplit;
    private readonly long _masterBytes;
    private readonly Dictionary<Row, RowOrigin> _rows = new(ReferenceEqualityComparer.Instance);

    public TransactionJournal(Catalog catalog)
    {
        _catalog = catalog;
        foreach (var t in catalog.Tables)
            _tables.Add(new TableState(t, t.Name, t.Columns, t.RowIdColumn, t.RedundantRowIdIndexes, [.. t.Indexes]));
        foreach (var e in catalog.Schema) _schema.Add(e.Clone());
        _pages = catalog.Pages.Clone();
        _masterMayHaveSplit = catalog.MasterMayHaveSplit;
        _masterBytes = catalog.MasterBytes;
    }

    /// <summary>Records <paramref name="row"/> of <paramref name="table"/> as it is now, unless already recorded;
    /// <paramref name="inserted"/>: the row is new (not in the table before this change).</summary>
    public void Touch(Table table, Row row, bool inserted)
    {
        if (_rows.ContainsKey(row)) return;
        _rows.Add(row, new RowOrigin(table, row.RowId, inserted ? null : row.Values));
    }

    /// <summary>Puts the catalog back as it was at BEGIN.</summary>
    public void Rollback()
    {
        var touched = new Dictionary<Table, List<(Row Row, RowOrigin Origin)>>(ReferenceEqualityComparer.Instance);
        foreach (var (row, origin) in _rows)
        {
            if (!touched.TryGetValue(origin.Table, out var list)) touched.Add(origin.Table, list = []);
            list.Add((row, origin));
        }
        var restored = new List<Table>(_tables.Count);
        foreach (var state in _tables)
        {
            var t = state.Table;
            bool schemaChanged = !ReferenceEquals(t.Columns, state.Columns) || t.Name != state.Name
                || !t.Indexes.SequenceEqual(state.Indexes);
            t.Name = state.Name;
            t.Columns = state.Columns;
            t.RowIdColumn = state.RowIdColumn;
            t.RedundantRowIdIndexes = state.RedundantRowIdIndexes;
            t.Indexes.Clear();
            t.Indexes.AddRange(state.Indexes);
            if (schemaChanged) t.BuildColumnIndex();
            if (touched.TryGetValue(t, out var rows))
            {
                var mine = new HashSet<Row>(ReferenceEqualityComparer.Instance);
                foreach (var (row, _) in rows) mine.Add(row);
                var kept = new List<Row>(t.Rows.Count);
                foreach (var row in t.Rows) if (!mine.Contains(row)) kept.Add(row);
                foreach (var (row, origin) in rows)
                {
                    if (origin.Values == null) continue;
                    row.RowId = origin.RowId;
                    row.Values = origin.Values;
                    kept.Add(row);
                }
                kept.Sort(static (x, y) => x.RowId.CompareTo(y.RowId));
                t.ReplaceRows(kept);
            }
            else if (schemaChanged) t.ReplaceRows([.. t.Rows]);
            restored.Add(t);
        }
        _catalog.Restore(restored, _schema, _pages, _masterMayHaveSplit, _masterBytes);
    }
}
