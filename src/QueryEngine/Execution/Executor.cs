using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>Runs parsed statements against the tables, with statement-level atomicity (a failing statement leaves no
/// trace, as SQLite's statement journal guarantees) and SQLite's scan orders.</summary>
public sealed class Executor(Catalog catalog)
{
    private readonly Catalog _catalog = catalog;
    private readonly List<Undo> _journal = [];
    private readonly RowContext _context = new();

    private enum UndoKind : byte { Added, Removed, Changed }
    private readonly record struct Undo(UndoKind Kind, Table Table, Row Row, long OldRowId, SqlValue[]? OldValues);

    /// <summary>Prepares (binds) and runs one statement; rows go to <paramref name="stdout"/>.</summary>
    public void Run(Statement statement, StringBuilder stdout)
    {
        switch (statement)
        {
            case CreateTableStatement c: CreateTable(c); break;
            case DropTableStatement d: DropTable(d); break;
            case CreateIndexStatement ci: CreateIndex(ci); break;
            case DropIndexStatement di: DropIndex(di); break;
            case InsertStatement i: Guarded(() => Insert(i), UndoKind.Added); break;
            case UpdateStatement u: Update(u); break;
            case DeleteStatement d: Delete(d); break;
            case SelectStatement s: Select(s, stdout); break;
        }
    }

    /// <summary>sqlite3_changes: rows the last INSERT, UPDATE or DELETE inserted, changed or deleted (0 if it failed).</summary>
    public long Changes;

    /// <summary>sqlite3_total_changes: their sum over the script.</summary>
    public long TotalChanges;

    /// <summary>sqlite3_last_insert_rowid: the rowid of the last row an INSERT added (rqlite's last_insert_id).</summary>
    public long LastInsertRowId;

    /// <summary>Runs a data change atomically; <paramref name="counted"/> is the kind of row change sqlite3_changes counts.</summary>
    private void Guarded(Action action, UndoKind counted)
    {
        _journal.Clear();
        long before = Changes;
        Changes = 0;
        try
        {
            action();
            foreach (var u in _journal) if (u.Kind == counted) Changes++;
            TotalChanges += Changes;
        }
        catch (Exception e)
        {
            Rollback();
            if (e is SqlParseException) Changes = before; // it failed to prepare, so it never ran
            throw;
        }
        finally { _journal.Clear(); }
    }

    private void Rollback()
    {
        for (int i = _journal.Count - 1; i >= 0; i--)
        {
            var u = _journal[i];
            switch (u.Kind)
            {
                case UndoKind.Added: u.Table.Remove(u.Row); break;
                case UndoKind.Removed: u.Table.Add(u.Row); break;
                case UndoKind.Changed:
                    u.Table.Remove(u.Row);
                    u.Row.RowId = u.OldRowId;
                    u.Row.Values = u.OldValues!;
                    u.Table.Add(u.Row);
                    break;
            }
        }
        _journal.Clear();
    }

    /// <summary>Where result rows go: the script's sqlite3 output mode (list unless its .mode says otherwise).</summary>
    public RowOutput Rows = RowOutput.For(new OutputSettings());

    private SqlValue[] _rowValues = [];

    private void AddRow(Table t, Row r)
    {
        t.Add(r);
        _journal.Add(new Undo(UndoKind.Added, t, r, 0, null));
        LastInsertRowId = r.RowId;
        _catalog.CheckSize();
    }

    private void RemoveRow(Table t, Row r) { t.Remove(r); _journal.Add(new Undo(UndoKind.Removed, t, r, 0, null)); }

    private void ChangeRow(Table t, Row r, long newRowId, SqlValue[] newValues)
    {
        t.Remove(r);
        _journal.Add(new Undo(UndoKind.Changed, t, r, r.RowId, r.Values));
        r.RowId = newRowId;
        r.Values = newValues;
        t.Add(r);
        _catalog.CheckSize();
    }

    /// <summary>The target of INSERT, UPDATE or DELETE: sqlite_master is read-only (sqlite3IsReadOnly).</summary>
    private Table RequireTable(string name)
    {
        if (SchemaTable.CanonicalName(name) is { } schema) throw new SqlParseException("table " + schema + " may not be modified");
        return _catalog.Find(name) ?? throw new SqlParseException("no such table: " + name);
    }

    /// <summary>A table to read: a user table, or sqlite_master / sqlite_schema built from the catalog.</summary>
    private Table RequireReadableTable(string name)
    {
        if (SchemaTable.CanonicalName(name) is { } schema) return SchemaTable.Build(schema, _catalog.Schema);
        return _catalog.Find(name) ?? throw new SqlParseException("no such table: " + name);
    }

    // ---- DDL ----

    private void CreateTable(CreateTableStatement c)
    {
        if (c.AlreadyExists) return;
        if (_catalog.Find(c.Name) != null) throw new SqlParseException("table " + c.Name + " already exists");
        var table = TableFactory.Create(c);
        if (_catalog.Bytes + table.Bytes > EngineLimits.MaxDatabaseBytes)
            throw new SqlRuntimeException(EngineLimits.DatabaseFullMessage, EngineLimits.DatabaseFullCode);
        _catalog.Create(table, c.Sql);
    }

    private void DropTable(DropTableStatement d)
    {
        if (SchemaTable.CanonicalName(d.Name) is { } schema) throw new SqlParseException("table " + schema + " may not be dropped");
        var t = _catalog.Find(d.Name);
        if (t == null)
        {
            if (d.IfExists) return;
            throw new SqlParseException("no such table: " + d.Name);
        }
        _catalog.Drop(t);
    }

    /// <summary>sqlite3CreateIndex's checks, in its order: the table, the index name (reserved, a table's, an
    /// index's), the column; then a UNIQUE index must hold for the rows already there.</summary>
    private void CreateIndex(CreateIndexStatement c)
    {
        if (SchemaTable.CanonicalName(c.Table) is { } schema) throw new SqlParseException("table " + schema + " may not be indexed");
        var table = _catalog.Find(c.Table) ?? throw new SqlParseException("no such table: main." + c.Table);
        if (c.Name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
            throw new SqlParseException("object name reserved for internal use: " + c.Name);
        if (_catalog.Find(c.Name) != null) throw new SqlParseException("there is already a table named " + c.Name);
        if (_catalog.IndexExists(c.Name))
        {
            if (c.IfNotExists) return;
            throw new SqlParseException("index " + c.Name + " already exists");
        }
        int column = table.ColumnIndex(c.Column);
        if (column < 0) throw new SqlParseException("no such column: " + c.Column, c.ColumnOffset);
        var index = new UniqueIndex(column, table.Name + "." + table.Columns[column].Name, c.Unique, c.Name);
        if (c.Unique)
        {
            foreach (var row in table.Rows)
            {
                var key = row.Values[column];
                if (key.IsNull) continue;
                if (!index.Map.TryAdd(key, row))
                    throw new SqlRuntimeException("UNIQUE constraint failed: " + index.ConstraintName, SqlRuntimeException.Constraint);
            }
        }
        _catalog.CreateIndex(table, index, c.Sql);
    }

    private void DropIndex(DropIndexStatement d)
    {
        var entry = _catalog.FindIndex(d.Name);
        if (entry == null)
        {
            if (d.IfExists) return;
            throw new SqlParseException("no such index: " + d.Name);
        }
        if (entry.Sql == null) throw new SqlParseException("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped");
        _catalog.DropIndex(_catalog.Find(entry.TableName)!, entry);
    }

    // ---- INSERT ----

    private void Insert(InsertStatement s)
    {
        var table = RequireTable(s.Table);
        int n = table.Columns.Length;
        int[] targets;
        // SQLite's order: the column list, then names in VALUES, then the term counts.
        if (s.Columns != null)
            foreach (var (name, _) in s.Columns)
                if (table.ColumnIndex(name) < 0 && !NameExpr.IsRowIdName(name))
                    throw new SqlParseException($"table {table.Name} has no column named {name}");
        var bound = new List<Expr[]>(s.Rows.Count);
        foreach (var row in s.Rows)
        {
            var b = new Expr[row.Count];
            for (int i = 0; i < b.Length; i++) b[i] = row[i].Bind(Scope.Empty);
            bound.Add(b);
        }
        foreach (var row in s.Rows)
            if (row.Count != s.Rows[0].Count) throw new SqlParseException("all VALUES must have the same number of terms");
        if (s.Columns == null)
        {
            targets = new int[n];
            for (int i = 0; i < n; i++) targets[i] = i;
            if (!s.DefaultValues && s.Rows[0].Count != n)
                throw new SqlParseException($"table {table.Name} has {n} columns but {s.Rows[0].Count} values were supplied");
        }
        else
        {
            targets = new int[s.Columns.Count];
            for (int i = 0; i < targets.Length; i++)
            {
                int idx = table.ColumnIndex(s.Columns[i].Name);
                if (idx < 0)
                {
                    if (NameExpr.IsRowIdName(s.Columns[i].Name)) idx = -1;
                    else throw new SqlParseException($"table {table.Name} has no column named {s.Columns[i].Name}");
                }
                targets[i] = idx;
            }
            if (s.Rows[0].Count != targets.Length)
                throw new SqlParseException($"{s.Rows[0].Count} values for {targets.Length} columns");
        }
        if (s.DefaultValues) bound.Add([]);

        _context.Values = null;
        foreach (var exprs in bound)
        {
            var values = new SqlValue[n];
            for (int c = 0; c < n; c++) values[c] = table.Columns[c].Default;
            SqlValue explicitRowId = SqlValue.Null;
            bool hasExplicitRowId = false;
            for (int i = 0; i < exprs.Length; i++)
            {
                var v = exprs[i].Eval(_context);
                int c = targets[i];
                if (c < 0) { explicitRowId = v; hasExplicitRowId = true; continue; }
                values[c] = v;
            }
            for (int c = 0; c < n; c++) values[c] = AffinityRules.Apply(table.Columns[c].Affinity, values[c]);
            if (table.RowIdColumn >= 0)
            {
                // The INTEGER PRIMARY KEY takes a new rowid unless a value was given (its DEFAULT is never used).
                bool given = Array.IndexOf(targets, table.RowIdColumn) >= 0 && exprs.Length > 0;
                explicitRowId = given ? values[table.RowIdColumn] : SqlValue.Null;
                hasExplicitRowId = !explicitRowId.IsNull;
            }
            else if (hasExplicitRowId) { explicitRowId = AffinityRules.Apply(Affinity.Integer, explicitRowId); hasExplicitRowId = !explicitRowId.IsNull; }
            InsertOne(table, values, hasExplicitRowId, explicitRowId, s.Conflict);
        }
    }

    private void InsertOne(Table table, SqlValue[] values, bool hasRowId, SqlValue rowIdValue, ConflictAction conflict)
    {
        long rowId;
        if (hasRowId)
        {
            if (rowIdValue.Type != SqlType.Integer) throw new SqlRuntimeException("datatype mismatch", SqlRuntimeException.Mismatch);
            rowId = rowIdValue.Integer;
        }
        else
        {
            long max = table.MaxRowId;
            if (max == long.MaxValue) throw new SqlRuntimeException("database or disk is full", 13);
            rowId = max + 1;
        }
        if (table.RowIdColumn >= 0) values[table.RowIdColumn] = SqlValue.FromInteger(rowId);

        // NOT NULL first, in column order, in sqlite3GenerateConstraintChecks' two passes: under OR REPLACE a
        // column with a DEFAULT clause takes it in the first pass and is checked in the second (so a later column
        // without one fails first, even when that DEFAULT is NULL).
        bool replacedAny = false;
        for (int c = 0; c < values.Length; c++)
        {
            var col = table.Columns[c];
            if (!col.NotNull || c == table.RowIdColumn) continue;
            if (conflict == ConflictAction.Replace && col.HasDefault)
            {
                if (values[c].IsNull) { values[c] = col.Default; replacedAny = true; }
                continue;
            }
            if (!values[c].IsNull) continue;
            if (conflict == ConflictAction.Ignore) return;
            throw new SqlRuntimeException($"NOT NULL constraint failed: {table.Name}.{col.Name}", SqlRuntimeException.Constraint);
        }
        if (replacedAny)
            for (int c = 0; c < values.Length; c++)
                if (table.Columns[c].NotNull && c != table.RowIdColumn && values[c].IsNull)
                    throw new SqlRuntimeException($"NOT NULL constraint failed: {table.Name}.{table.Columns[c].Name}", SqlRuntimeException.Constraint);
        // Then the rowid, then the unique indexes (most recently created first, as SQLite links them).
        var existing = hasRowId ? table.FindByRowId(rowId) : null;
        if (existing != null)
        {
            if (conflict == ConflictAction.Ignore) return;
            if (conflict == ConflictAction.Abort)
                throw new SqlRuntimeException($"UNIQUE constraint failed: {table.Name}.{RowIdName(table)}", SqlRuntimeException.Constraint);
        }
        for (int i = table.Indexes.Count - 1; i >= 0; i--)
        {
            var ix = table.Indexes[i];
            var key = values[ix.Column];
            EngineLimits.CheckIndexRecord(key, rowId);
            if (!ix.Unique || key.IsNull || !ix.Map.TryGetValue(key, out var other) || ReferenceEquals(other, existing)) continue;
            if (conflict == ConflictAction.Ignore) return;
            if (conflict == ConflictAction.Abort)
                throw new SqlRuntimeException($"UNIQUE constraint failed: {ix.ConstraintName}", SqlRuntimeException.Constraint);
        }
        if (conflict == ConflictAction.Replace)
        {
            if (existing != null) RemoveRow(table, existing);
            for (int i = table.Indexes.Count - 1; i >= 0; i--)
            {
                var ix = table.Indexes[i];
                var key = values[ix.Column];
                if (ix.Unique && !key.IsNull && ix.Map.TryGetValue(key, out var other)) RemoveRow(table, other);
            }
        }
        EngineLimits.CheckRecord(table, values);
        AddRow(table, new Row(rowId, values));
    }

    private static string RowIdName(Table t) => t.RowIdColumn >= 0 ? t.Columns[t.RowIdColumn].Name : "rowid";

    // ---- UPDATE / DELETE ----

    private void Update(UpdateStatement s)
    {
        var table = RequireTable(s.Table);
        var scope = new Scope { Table = table };
        var targets = new int[s.Assignments.Count];
        var exprs = new Expr[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            // SQLite resolves each assignment's value before checking its target column.
            exprs[i] = s.Assignments[i].Value.Bind(scope);
            int idx = table.ColumnIndex(s.Assignments[i].Column);
            if (idx < 0)
            {
                if (NameExpr.IsRowIdName(s.Assignments[i].Column)) idx = -1;
                else throw new SqlParseException("no such column: " + s.Assignments[i].Column);
            }
            targets[i] = idx;
        }
        var where = s.Where?.Bind(scope);
        ScanPlanner.RefuseUnmodelled(table, where);

        Guarded(() =>
        {
            var rows = MatchingRows(table, where);
            // SQLite updates in the scan's order only in one pass (ONEPASS_MULTI): an index range whose column this
            // UPDATE does not change, the rowid unchanged. Otherwise it first collects the rowids in an ephemeral
            // table and reads them back in rowid order, which decides which row hits a UNIQUE conflict first.
            int driving = ScanPlanner.IndexOrderColumn(table, where);
            bool onePass = driving >= 0 && Array.IndexOf(targets, driving) < 0 && Array.IndexOf(targets, -1) < 0
                && (table.RowIdColumn < 0 || Array.IndexOf(targets, table.RowIdColumn) < 0);
            if (!onePass && rows.Count > 1) rows.Sort((x, y) => x.RowId.CompareTo(y.RowId));
            var newValues = new SqlValue[exprs.Length];
            foreach (var row in rows)
            {
                _context.Values = row.Values;
                _context.RowId = row.RowId;
                for (int i = 0; i < exprs.Length; i++) newValues[i] = exprs[i].Eval(_context);
                var values = (SqlValue[])row.Values.Clone();
                long rowId = row.RowId;
                bool rowIdChanged = false;
                for (int i = 0; i < exprs.Length; i++)
                {
                    int c = targets[i];
                    if (c < 0 || c == table.RowIdColumn)
                    {
                        var v = AffinityRules.Apply(Affinity.Integer, newValues[i]);
                        if (v.Type != SqlType.Integer) throw new SqlRuntimeException("datatype mismatch", SqlRuntimeException.Mismatch);
                        rowIdChanged = v.Integer != rowId;
                        rowId = v.Integer;
                        if (c >= 0) values[c] = v;
                        continue;
                    }
                    values[c] = AffinityRules.Apply(table.Columns[c].Affinity, newValues[i]);
                }
                for (int c = 0; c < values.Length; c++)
                    if (table.Columns[c].NotNull && values[c].IsNull && c != table.RowIdColumn)
                        throw new SqlRuntimeException($"NOT NULL constraint failed: {table.Name}.{table.Columns[c].Name}", SqlRuntimeException.Constraint);
                if (rowIdChanged && table.FindByRowId(rowId) != null)
                    throw new SqlRuntimeException($"UNIQUE constraint failed: {table.Name}.{RowIdName(table)}", SqlRuntimeException.Constraint);
                for (int i = table.Indexes.Count - 1; i >= 0; i--)
                {
                    var ix = table.Indexes[i];
                    var key = values[ix.Column];
                    EngineLimits.CheckIndexRecord(key, rowId);
                    if (ix.Unique && !key.IsNull && ix.Map.TryGetValue(key, out var other) && !ReferenceEquals(other, row))
                        throw new SqlRuntimeException($"UNIQUE constraint failed: {ix.ConstraintName}", SqlRuntimeException.Constraint);
                }
                EngineLimits.CheckRecord(table, values);
                ChangeRow(table, row, rowId, values);
            }
        }, UndoKind.Changed);
    }

    private void Delete(DeleteStatement s)
    {
        var table = RequireTable(s.Table);
        var where = s.Where?.Bind(new Scope { Table = table });
        ScanPlanner.RefuseUnmodelled(table, where);
        Guarded(() =>
        {
            foreach (var row in MatchingRows(table, where)) RemoveRow(table, row);
        }, UndoKind.Removed);
    }

    /// <summary>Rows satisfying WHERE, in the order SQLite's plan visits them (rowid order, or a UNIQUE column's
    /// order when a range on it drives the scan).</summary>
    private List<Row> MatchingRows(Table table, Expr? where, HashSet<int>? selectColumns = null)
    {
        var result = new List<Row>();
        // sqlite3WhereBegin evaluates each AND term that reads no table once, before the loop, even over an empty
        // table: a false one skips the scan, a failing one fails the statement.
        if (where != null && ConstantTermIsFalse(where)) return result;
        foreach (var row in table.Rows)
        {
            if (where != null)
            {
                _context.Values = row.Values;
                _context.RowId = row.RowId;
                var v = where.Eval(_context);
                if (v.IsNull || !Arithmetic.IsTrue(v)) continue;
            }
            result.Add(row);
        }
        int orderColumn = ScanPlanner.IndexOrderColumn(table, where, selectColumns);
        if (orderColumn < 0 && result.Count > 1 && ScanPlanner.OrUnionPlan(table, where, selectColumns) is { } branches)
        {
            var seen = new HashSet<Row>(ReferenceEqualityComparer.Instance);
            var union = new List<Row>(result.Count);
            foreach (var branch in branches)
            {
                var hits = new List<Row>();
                foreach (var row in result)
                {
                    _context.Values = row.Values;
                    _context.RowId = row.RowId;
                    var v = branch.Term.Eval(_context);
                    if (!v.IsNull && Arithmetic.IsTrue(v)) hits.Add(row);
                }
                if (branch.OrderColumn >= 0) SortByColumn(hits, branch.OrderColumn);
                foreach (var row in hits) if (seen.Add(row)) union.Add(row);
            }
            return union;
        }
        if (orderColumn < 0 && selectColumns != null && !ScanPlanner.HasRowIdOrIndexTerm(table, where, selectColumns))
            orderColumn = ScanPlanner.CoveringIndexColumn(table, selectColumns);
        if (orderColumn >= 0 && result.Count > 1)
        {
            var keyed = result.ToArray();
            var keys = new SqlValue[keyed.Length];
            for (int i = 0; i < keyed.Length; i++) keys[i] = keyed[i].Values[orderColumn];
            var order = Enumerable.Range(0, keyed.Length).ToArray();
            Array.Sort(order, (x, y) => { int c = ValueComparer.Compare(keys[x], keys[y]); return c != 0 ? c : keyed[x].RowId.CompareTo(keyed[y].RowId); });
            result.Clear();
            foreach (int i in order) result.Add(keyed[i]);
        }
        return result;
    }

    private bool ConstantTermIsFalse(Expr where)
    {
        if (where is BinaryExpr { Op: BinaryOp.And } and) return ConstantTermIsFalse(and.Left) || ConstantTermIsFalse(and.Right);
        if (!where.IsConstant) return false;
        _context.Values = null;
        var v = where.Eval(_context);
        return v.IsNull || !Arithmetic.IsTrue(v);
    }

    /// <summary>Index order of one column: by value, then rowid (how SQLite's index entries are ordered).</summary>
    private static void SortByColumn(List<Row> rows, int column)
    {
        var arr = rows.ToArray();
        Array.Sort(arr, (x, y) => { int c = ValueComparer.Compare(x.Values[column], y.Values[column]); return c != 0 ? c : x.RowId.CompareTo(y.RowId); });
        rows.Clear();
        rows.AddRange(arr);
    }

    // ---- SELECT ----

    private void Select(SelectStatement s, StringBuilder stdout)
    {
        // Binding order as SQLite resolves: LIMIT/OFFSET (no names), FROM, result columns, WHERE, ORDER BY.
        var limit = s.Limit?.Bind(Scope.Empty);
        var offset = s.Offset?.Bind(Scope.Empty);
        Table? table = s.From == null ? null : RequireReadableTable(s.From);
        bool schemaTable = s.From != null && SchemaTable.CanonicalName(s.From) != null;
        var scope = new Scope { Table = table, TableAlias = s.FromAlias, AllowAggregates = true };
        var output = new List<Expr>();
        foreach (var rc in s.Columns)
        {
            if (rc.Expression == null)
            {
                if (table == null) throw new SqlParseException("no tables specified");
                if (rc.StarQualifier != null && !string.Equals(rc.StarQualifier, s.FromAlias ?? table.Name, StringComparison.OrdinalIgnoreCase))
                    throw new SqlParseException("no such table: " + rc.StarQualifier);
                for (int c = 0; c < table.Columns.Length; c++) output.Add(new ColumnExpr(c, table.Columns[c].Affinity, c == table.RowIdColumn));
                continue;
            }
            rc.Expression = rc.Expression.Bind(scope);
            output.Add(rc.Expression);
        }
        bool aggregate = scope.SawAggregate;
        var whereScope = new Scope { Table = table, TableAlias = s.FromAlias, Aliases = s.Columns };
        var where = s.Where?.Bind(whereScope);
        if (table != null) ScanPlanner.RefuseUnmodelled(table, where);
        var order = new List<(Expr Key, bool Desc)>();
        for (int i = 0; i < s.OrderBy.Count; i++)
        {
            var term = s.OrderBy[i];
            Expr key;
            if (term.Expression is LiteralExpr { Value.Type: SqlType.Integer } lit)
            {
                long k = lit.Value.Integer;
                if (k < 1 || k > output.Count)
                    throw new SqlParseException($"{Ordinal(i + 1)} ORDER BY term out of range - should be between 1 and {output.Count}");
                key = output[(int)k - 1];
            }
            else
            {
                var orderScope = new Scope { Table = table, TableAlias = s.FromAlias, Aliases = s.Columns, AllowAggregates = true };
                key = term.Expression is NameExpr { Qualifier: null } ne && FindAlias(s.Columns, ne.Name) is { } aliased
                    ? aliased
                    : term.Expression.Bind(orderScope);
                aggregate |= orderScope.SawAggregate;
            }
            order.Add((key, term.Descending));
        }

        if (schemaTable) SchemaTable.CheckKnown(_catalog, UsedColumns(output, where, order));
        // generateColumnNames, the last step of prepare: a column name over the value limit is TOOBIG.
        foreach (var rc in s.Columns)
            if (rc.NameTooBig) throw new SqlParseException(EngineLimits.TooBigMessage, -1, EngineLimits.TooBigCode);
        Rows.Begin(Rows.NeedsNames ? ColumnNaming.Of(s.Columns, table) : null);

        long limitCount = limit == null ? -1 : MustBeInteger(limit.Eval(_context));
        long offsetCount = offset == null ? 0 : MustBeInteger(offset.Eval(_context));
        if (offsetCount < 0) offsetCount = 0;

        var line = new StringBuilder();
        if (aggregate)
        {
            var counts = new List<CountExpr>();
            foreach (var e in output) CollectCounts(e, counts);
            foreach (var (k, _) in order) CollectCounts(k, counts);
            foreach (var c in counts) c.Value = 0;
            Row? first = null;
            if (table != null)
            {
                foreach (var row in MatchingRows(table, where, UsedColumns(output, where, order)))
                {
                    first ??= row;
                    Accumulate(counts, row.Values, row.RowId);
                }
            }
            else
            {
                _context.Values = null;
                var v = where?.Eval(_context);
                if (where == null || (!v!.Value.IsNull && Arithmetic.IsTrue(v.Value))) Accumulate(counts, null, 0);
            }
            // Bare columns of an aggregate query take their values from the first row that matched.
            _context.Values = first?.Values ?? (table == null ? null : NullRow(table));
            _context.RowId = first?.RowId ?? 0;
            if (limitCount != 0 && offsetCount == 0) EmitRow(output, line, stdout);
            return;
        }

        IEnumerable<(SqlValue[]? Values, long RowId)> source;
        if (table == null)
        {
            _context.Values = null;
            var v = where?.Eval(_context);
            source = where == null || (!v!.Value.IsNull && Arithmetic.IsTrue(v.Value)) ? [(null, 0)] : [];
        }
        else
        {
            var rows = MatchingRows(table, where, UsedColumns(output, where, order));
            if (order.Count > 0) rows = ScanForOrderBy(table, where, rows, order[0]);
            source = rows.Select(r => ((SqlValue[]?)r.Values, r.RowId)).ToList();
        }

        if (order.Count == 0)
        {
            long skipped = 0, emitted = 0;
            foreach (var (values, rowId) in source)
            {
                if (limitCount >= 0 && emitted >= limitCount) break;
                if (skipped < offsetCount) { skipped++; continue; }
                _context.Values = values;
                _context.RowId = rowId;
                EmitRow(output, line, stdout);
                emitted++;
            }
            return;
        }

        // Sort: evaluate result columns and keys first (SQLite's sorter), then output; ties keep scan order.
        var sorted = new List<(SqlValue[] Keys, SqlValue[] Out)>();
        long held = 0;
        foreach (var (values, rowId) in source)
        {
            _context.Values = values;
            _context.RowId = rowId;
            var keys = new SqlValue[order.Count];
            for (int i = 0; i < keys.Length; i++) keys[i] = order[i].Key.Eval(_context);
            var outv = new SqlValue[output.Count];
            for (int i = 0; i < outv.Length; i++) outv[i] = output[i].Eval(_context);
            held += StorageSize.OfRow(keys) + StorageSize.OfRow(outv);
            if (held > EngineLimits.MaxStatementMemoryBytes)
                throw new SqlRuntimeException(EngineLimits.StatementTooLargeMessage, EngineLimits.StatementTooLargeCode);
            sorted.Add((keys, outv));
        }
        var index = Enumerable.Range(0, sorted.Count).ToArray();
        Array.Sort(index, (x, y) =>
        {
            for (int i = 0; i < order.Count; i++)
            {
                int c = ValueComparer.Compare(sorted[x].Keys[i], sorted[y].Keys[i]);
                if (c != 0) return order[i].Desc ? -c : c;
            }
            return x.CompareTo(y);
        });
        long skip = offsetCount, left = limitCount;
        foreach (int i in index)
        {
            if (left == 0) break;
            if (skip > 0) { skip--; continue; }
            AppendLine(sorted[i].Out, line, stdout);
            if (left > 0) left--;
        }
    }

    /// <summary>When the first ORDER BY term is the rowid or a UNIQUE column, SQLite walks that index (backwards for
    /// DESC) instead of sorting the first key, so rows equal in it (NULLs) come in rowid order, reversed for DESC.
    /// The stable sort that follows then only breaks ties by the other terms.</summary>
    private static List<Row> ScanForOrderBy(Table table, Expr? where, List<Row> rows, (Expr Key, bool Desc) first)
    {
        if (first.Key is not ColumnExpr col) return rows;
        bool isRowId = col.IsRowId || col.Index < 0;
        if (!isRowId && table.IndexOn(col.Index) == null) return rows;
        int driving = ScanPlanner.IndexOrderColumn(table, where);
        if (driving >= 0 && driving != col.Index) return rows;
        if (isRowId)
        {
            var byRowId = rows.OrderBy(r => r.RowId).ToList();
            if (first.Desc) byRowId.Reverse();
            return byRowId;
        }
        var ordered = rows.ToArray();
        Array.Sort(ordered, (x, y) => { int c = ValueComparer.Compare(x.Values[col.Index], y.Values[col.Index]); return c != 0 ? c : x.RowId.CompareTo(y.RowId); });
        if (first.Desc) Array.Reverse(ordered);
        return [.. ordered];
    }

    /// <summary>Columns of the table a SELECT reads (the rowid is always available from any index).</summary>
    private static HashSet<int> UsedColumns(List<Expr> output, Expr? where, List<(Expr Key, bool Desc)> order)
    {
        var used = new HashSet<int>();
        foreach (var e in output) CollectColumns(e, used);
        if (where != null) CollectColumns(where, used);
        foreach (var (k, _) in order) CollectColumns(k, used);
        return used;
    }

    private static void CollectColumns(Expr e, HashSet<int> into)
    {
        switch (e)
        {
            case ColumnExpr c: if (c.Index >= 0) into.Add(c.Index); break;
            case UnaryExpr u: CollectColumns(u.Operand, into); break;
            case BinaryExpr b: CollectColumns(b.Left, into); CollectColumns(b.Right, into); break;
            case IsNullExpr n: CollectColumns(n.Operand, into); break;
            case ScalarFunctionExpr f: foreach (var a in f.Args) CollectColumns(a, into); break;
            case CountExpr { Argument: { } a }: CollectColumns(a, into); break;
            case IHasChildren h: foreach (var child in h.Children) CollectColumns(child, into); break;
        }
    }

    private static SqlValue[] NullRow(Table t) => new SqlValue[t.Columns.Length];

    private static Expr? FindAlias(List<ResultColumn> columns, string name)
    {
        foreach (var rc in columns)
            if (rc.Alias != null && rc.Expression != null && string.Equals(rc.Alias, name, StringComparison.OrdinalIgnoreCase)) return rc.Expression;
        return null;
    }

    private void Accumulate(List<CountExpr> counts, SqlValue[]? values, long rowId)
    {
        _context.Values = values;
        _context.RowId = rowId;
        foreach (var c in counts)
            if (c.Argument == null || !c.Argument.Eval(_context).IsNull) c.Value++;
    }

    private static void CollectCounts(Expr e, List<CountExpr> into)
    {
        switch (e)
        {
            case CountExpr c: into.Add(c); break;
            case UnaryExpr u: CollectCounts(u.Operand, into); break;
            case BinaryExpr b: CollectCounts(b.Left, into); CollectCounts(b.Right, into); break;
            case IsNullExpr n: CollectCounts(n.Operand, into); break;
            case ScalarFunctionExpr f: foreach (var a in f.Args) CollectCounts(a, into); break;
            case IHasChildren h: foreach (var child in h.Children) CollectCounts(child, into); break;
        }
    }

    private void EmitRow(List<Expr> output, StringBuilder line, StringBuilder stdout)
    {
        if (_rowValues.Length != output.Count) _rowValues = new SqlValue[output.Count];
        for (int i = 0; i < output.Count; i++) _rowValues[i] = output[i].Eval(_context);
        Rows.Row(_rowValues, stdout);
    }

    private void AppendLine(SqlValue[] values, StringBuilder line, StringBuilder stdout) => Rows.Row(values, stdout);

    public static void AppendValue(StringBuilder sb, SqlValue v)
    {
        switch (v.Type)
        {
            case SqlType.Integer: sb.Append(v.Integer); break;
            case SqlType.Real:
                Span<char> buf = stackalloc char[40];
                sb.Append(buf[..RealFormat.Format(v.Real, buf)]);
                break;
            case SqlType.Text: sb.Append(v.Text); break;
        }
    }

    /// <summary>OP_MustBeInt: LIMIT/OFFSET must be integers (text and integral reals convert).</summary>
    private static long MustBeInteger(SqlValue v)
    {
        if (v.Type == SqlType.Text && NumericText.TryWholeNumber(v.Text!, true, out var n)) v = n;
        if (v.Type == SqlType.Real) v = AffinityRules.RealToIntegerIfExact(v.Real);
        if (v.Type != SqlType.Integer) throw new SqlRuntimeException("datatype mismatch", SqlRuntimeException.Mismatch);
        return v.Integer;
    }

    private static string Ordinal(int n)
    {
        string suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n + suffix;
    }
}
