using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>Runs parsed statements against the tables, with statement-level atomicity (a failing statement leaves no
/// trace, as SQLite's statement journal guarantees) and SQLite's scan orders.</summary>
public sealed partial class Executor(Catalog catalog) : IConnectionState
{
    private readonly Catalog _catalog = catalog;
    private readonly List<Undo> _journal = [];
    private readonly RowContext _context = new();

    private enum UndoKind : byte { Added, Removed, Changed }
    /// <summary>One row change to undo; <paramref name="Nested"/>: made by a nested statement of SQLite's (the
    /// sqlite_sequence write), which sqlite3_changes does not count.</summary>
    private readonly record struct Undo(UndoKind Kind, Table Table, Row Row, long OldRowId, SqlValue[]? OldValues, bool Nested = false);

    /// <summary>Prepares (binds) and runs one statement; rows go to <paramref name="stdout"/>.</summary>
    public void Run(Statement statement, StringBuilder stdout)
    {
        if (ReadsSchema(statement)) SchemaRead();
        try { RunStatement(statement, stdout); }
        catch (SqlParseException e) when (_schemaUnloaded && e.Code == 1 && e.Message.StartsWith("no such column", StringComparison.Ordinal))
        {
            throw new SqlParseException(e.Message, e.Offset, SchemaCode);
        }
        if (statement is CreateTableStatement or DropTableStatement or CreateIndexStatement or DropIndexStatement or AlterTableStatement)
            SchemaChanged();
    }

    private void RunStatement(Statement statement, StringBuilder stdout)
    {
        switch (statement)
        {
            case CreateTableStatement c: CreateTable(c); break;
            case DropTableStatement d: DropTable(d); break;
            case CreateIndexStatement ci: CreateIndex(ci); break;
            case DropIndexStatement di: DropIndex(di); break;
            case AlterTableStatement a: AlterTable(a); break;
            case InsertStatement i:
            {
                bool journal = InsertUsesStatementJournal(i);
                // A single-row INSERT is no multi-write: SQLite gives it no statement journal whatever may abort it.
                bool multiWrite = i.Rows.Count > 1 || i.Select != null || i.Returning != null;
                Returning(() => Guarded(() => Insert(i), UndoKind.Added, journal, countsUpdates: i.Upserts != null, fullStatementJournal: journal && multiWrite), stdout);
            }
                break;
            case UpdateStatement u: Returning(() => Update(u), stdout); break;
            case DeleteStatement d: Returning(() => Delete(d), stdout); break;
            case SelectStatement s: Select(s, stdout); break;
            case TransactionStatement t: RunTransaction(t); break;
            case CompoundSelectStatement c: CompoundSelect(c, stdout); break;
            case PragmaStatement p: Pragma(p, stdout); break;
        }
    }

    /// <summary>Runs a data change; its RETURNING rows (if any) are output once it has succeeded.</summary>
    private void Returning(Action change, StringBuilder stdout)
    {
        _returning = null;
        try { change(); }
        catch { _returning = null; throw; }
        OutputReturning(stdout);
    }

    /// <summary>sqlite3_changes: rows the last INSERT, UPDATE or DELETE inserted, changed or deleted (0 if it failed).</summary>
    public long Changes;

    /// <summary>sqlite3_total_changes: their sum over the script.</summary>
    public long TotalChanges;

    /// <summary>sqlite3_last_insert_rowid: the rowid of the last row an INSERT added (rqlite's last_insert_id).</summary>
    public long LastInsertRowId;

    /// <summary>Changes before the data change now running (<see cref="Guarded"/> counts its own from 0).</summary>
    private long? _changesBeforeRunning;

    long IConnectionState.ChangesSoFar => _changesBeforeRunning ?? Changes;
    long IConnectionState.TotalChanges => TotalChanges;
    long IConnectionState.LastInsertRowId => LastInsertRowId;
    void IConnectionState.BindingLastInsertRowId() => _boundLastInsertRowId = true;

    /// <summary>A last_insert_rowid() was bound since the INSERT being prepared began (see InsertRows).</summary>
    private bool _boundLastInsertRowId;

    /// <summary>Runs a data change atomically; <paramref name="counted"/> is the kind of row change sqlite3_changes
    /// counts. Inside a transaction a statement SQLite runs without a statement journal (<paramref
    /// name="statementJournal"/> false, see Executor.Transactions.cs) keeps the rows it changed before it failed.
    /// <paramref name="countsUpdates"/>: an upsert's DO UPDATE rows count too.
    /// <paramref name="fullStatementJournal"/>: whether SQLite really has a statement journal to undo an SQLITE_FULL
    /// with (default <paramref name="statementJournal"/>); without one that error rolls back the transaction.</summary>
    private void Guarded(Action action, UndoKind counted, bool statementJournal = true, bool countsUpdates = false, bool? fullStatementJournal = null)
    {
        _journal.Clear();
        long before = Changes;
        Changes = 0;
        _changesBeforeRunning = before;
        try
        {
            action();
            foreach (var u in _journal) if (!u.Nested && (u.Kind == counted || (countsUpdates && u.Kind == UndoKind.Changed))) Changes++;
            TotalChanges += Changes;
        }
        catch (Exception e)
        {
            if (_transaction != null && !(fullStatementJournal ?? statementJournal) && e is SqlRuntimeException { Code: EngineLimits.DatabaseFullCode })
            {
                // sqlite3VdbeHalt: SQLITE_FULL without a statement journal rolls the whole transaction back
                // (sqlite3RollbackAll, savepoints closed, autocommit again).
                Changes = 0;
                RollbackAll();
                throw;
            }
            if (_transaction != null && !statementJournal && e is SqlRuntimeException) _journal.Clear();
            Rollback();
            if (e is SqlParseException) Changes = before; // it failed to prepare, so it never ran
            throw;
        }
        finally { _journal.Clear(); _changesBeforeRunning = null; }
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
        TouchRow(t, r, inserted: true);
        t.Add(r);
        _journal.Add(new Undo(UndoKind.Added, t, r, 0, null));
        LastInsertRowId = r.RowId;
        _catalog.CheckSize();
    }

    private void RemoveRow(Table t, Row r) { TouchRow(t, r, inserted: false); t.Remove(r); _journal.Add(new Undo(UndoKind.Removed, t, r, 0, null)); }

    private void ChangeRow(Table t, Row r, long newRowId, SqlValue[] newValues)
    {
        TouchRow(t, r, inserted: false);
        t.Remove(r);
        _journal.Add(new Undo(UndoKind.Changed, t, r, r.RowId, r.Values));
        r.RowId = newRowId;
        r.Values = newValues;
        t.Add(r);
        _catalog.CheckSize();
    }

    /// <summary>The target of INSERT, UPDATE or DELETE: sqlite_master is read-only (sqlite3IsReadOnly).
    /// <paramref name="qualifier"/>: the schema the name was written with; FastDb's one database is "main", and
    /// any other schema (temp, or one never attached) holds no table: "no such table: x.t", as sqlite3LocateTable
    /// names it.</summary>
    private Table RequireTable(string name, string? qualifier = null)
    {
        RefuseOtherSchema(name, qualifier);
        if (SchemaTable.CanonicalName(name) is { } schema) throw new SqlParseException("table " + schema + " may not be modified");
        return _catalog.Find(name) ?? throw NoSuchTable(name, qualifier);
    }

    /// <summary>A table to read: a user table, or sqlite_master / sqlite_schema built from the catalog.</summary>
    private Table RequireReadableTable(string name, string? qualifier = null)
    {
        RefuseOtherSchema(name, qualifier);
        if (SchemaTable.CanonicalName(name) is { } schema) return SchemaTable.Build(schema, _catalog.Schema);
        return _catalog.Find(name) ?? throw NoSuchTable(name, qualifier);
    }

    private static SqlParseException NoSuchTable(string name, string? qualifier) => new("no such table: " + Qualified(name, qualifier));

    /// <summary>A name as sqlite3 writes it in an error: "schema.name" when it was written qualified.</summary>
    private static string Qualified(string name, string? qualifier) => qualifier == null ? name : qualifier + "." + name;

    /// <summary>Qualified with a schema other than main, FastDb's one database: no table or index is there.</summary>
    private static bool IsOtherSchema(string? qualifier) =>
        qualifier != null && !string.Equals(qualifier, "main", StringComparison.OrdinalIgnoreCase);

    /// <summary>A name qualified with a schema other than main: no table is there, but the temp schema's own
    /// sqlite_master (sqlite_temp_master), which sqlite3 always has, FastDb does not build.</summary>
    private static void RefuseOtherSchema(string name, string? qualifier)
    {
        if (!IsOtherSchema(qualifier)) return;
        if (string.Equals(qualifier, "temp", StringComparison.OrdinalIgnoreCase)
            && (SchemaTable.CanonicalName(name) != null || name.StartsWith("sqlite_temp_", StringComparison.OrdinalIgnoreCase)))
            throw new SqlParseException("FastDb does not support the temp schema");
        throw NoSuchTable(name, qualifier);
    }

    /// <summary>A SELECT's FROM table; FROM name(args) calls a table-valued function, which a table is not
    /// (selectExpander's "'t' is not a function", the name as written). FastDb runs none of SQLite's eponymous
    /// virtual tables; any other name is no table at all.</summary>
    private Table RequireFromTable(SelectStatement s) => RequireFromItem(s.From!, s.FromIsCall, s.FromSchema);

    private Table RequireFromItem(string name, bool isCall, string? qualifier = null)
    {
        SchemaRead(); // sqlite3LocateTable reads the schema first (see Executor.SchemaReset.cs)
        if (!isCall) return RequireReadableTable(name, qualifier);
        RefuseOtherSchema(name, qualifier);
        if (SchemaTable.CanonicalName(name) != null || _catalog.Find(name) != null)
            throw new SqlParseException("'" + name + "' is not a function");
        if (name.StartsWith("pragma_", StringComparison.OrdinalIgnoreCase) || EponymousTables.Contains(name))
            throw new SqlParseException("FastDb does not support table-valued functions");
        throw new SqlParseException("no such table: " + name);
    }

    /// <summary>The sqlite3 3.40.1 shell's modules (pragma_module_list), the eponymous ones among them callable in FROM.</summary>
    private static readonly HashSet<string> EponymousTables = new(StringComparer.OrdinalIgnoreCase)
    {
        "pragma_module_list", "zipfile", "completion", "fsdir", "sqlite_stmt", "json_tree", "json_each", "fts4aux", "fts3",
        "fts4", "sqlite_dbptr", "fts3tokenize", "sqlite_dbdata", "generate_series", "fts5vocab", "rtree_i32", "fts5", "rtree",
        "dbstat",
    };

    // ---- DDL ----

    private void CreateTable(CreateTableStatement c)
    {
        if (c.AlreadyExists) return;
        if (_catalog.Find(c.Name) != null) throw new SqlParseException("table " + c.Name + " already exists");
        var table = TableFactory.Create(c);
        bool sequence = table.Autoincrement && _catalog.Find(SequenceTable.Name) == null;
        if (_catalog.Bytes + table.Bytes + (sequence ? SequenceTable.New().Bytes : 0) > EngineLimits.MaxDatabaseBytes)
            throw new SqlRuntimeException(EngineLimits.DatabaseFullMessage, EngineLimits.DatabaseFullCode);
        _catalog.Create(table, c.Sql);
        CreateSequenceTableFor(table);
    }

    private void DropTable(DropTableStatement d)
    {
        bool elsewhere = IsOtherSchema(d.Schema);
        if (!elsewhere && SchemaTable.CanonicalName(d.Name) is { } schema) throw new SqlParseException("table " + schema + " may not be dropped");
        var t = elsewhere ? null : _catalog.Find(d.Name);
        if (t == null)
        {
            if (d.IfExists) return;
            if (elsewhere) RefuseOtherSchema(d.Name, d.Schema);
            throw NoSuchTable(d.Name, d.Schema);
        }
        // sqlite3DropTable: a table of the catalog named sqlite_* is sqlite_sequence (the name as stored).
        if (t.Name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase)) throw new SqlParseException("table " + t.Name + " may not be dropped");
        if (t.Autoincrement) RewriteSequenceRows(t.Name, newName: null);
        _catalog.Drop(t);
    }

    /// <summary>sqlite3CreateIndex's checks, in its order: the table, the index name (reserved, a table's, an
    /// index's), the column; then a UNIQUE index must hold for the rows already there.</summary>
    private void CreateIndex(CreateIndexStatement c)
    {
        if (SchemaTable.CanonicalName(c.Table) is { } schema) throw new SqlParseException("table " + schema + " may not be indexed");
        var table = _catalog.Find(c.Table) ?? throw new SqlParseException("no such table: main." + c.Table);
        if (table.Name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase)) throw new SqlParseException("table " + table.Name + " may not be indexed");
        if (c.Name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
            throw new SqlParseException("object name reserved for internal use: " + c.Name);
        if (_catalog.Find(c.Name) != null) throw new SqlParseException("there is already a table named " + c.Name);
        if (_catalog.IndexExists(c.Name))
        {
            if (c.IfNotExists) return;
            throw new SqlParseException("index " + c.Name + " already exists");
        }
        var columns = new int[c.Columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            columns[i] = table.ColumnIndex(c.Columns[i]);
            if (columns[i] < 0) throw new SqlParseException("no such column: " + c.Columns[i], c.ColumnOffsets[i]);
        }
        var index = new UniqueIndex(columns, UniqueIndex.ConstraintNameOf(table, columns), c.Unique, c.Name, c.Descending);
        foreach (var row in table.Rows)
        {
            index.CheckRecord(row.Values, row.RowId);
            if (index.Conflict(row.Values) != null)
                throw new SqlRuntimeException("UNIQUE constraint failed: " + index.ConstraintName, SqlRuntimeException.Constraint);
            index.Enter(row);
        }
        _catalog.CreateIndex(table, index, c.Sql);
    }

    private void DropIndex(DropIndexStatement d)
    {
        bool elsewhere = IsOtherSchema(d.Schema);
        var entry = elsewhere ? null : _catalog.FindIndex(d.Name);
        if (entry == null)
        {
            if (d.IfExists) return;
            throw new SqlParseException("no such index: " + Qualified(d.Name, d.Schema));
        }
        if (entry.Sql == null) throw new SqlParseException("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped");
        _catalog.DropIndex(_catalog.Find(entry.TableName)!, entry);
    }

    // ---- INSERT ----

    /// <summary>An INSERT, then (once it has run) its AUTOINCREMENT write-back (Executor.Autoincrement.cs).</summary>
    private void Insert(InsertStatement s)
    {
        try
        {
            InsertRows(s);
            AutoincrementEnd();
        }
        finally { _autoincrement = null; }
    }

    private void InsertRows(InsertStatement s)
    {
        var table = RequireTable(s.Table, s.Schema);
        int n = table.Columns.Length;
        int[] targets;
        // SQLite's order: the column list, then names in VALUES, then the term counts.
        if (s.Columns != null)
            foreach (var (name, _) in s.Columns)
                if (table.ColumnIndex(name) < 0 && !NameExpr.IsRowIdName(name))
                    throw new SqlParseException($"table {table.Name} has no column named {name}");
        var bound = new List<Expr[]>(s.Rows.Count);
        var valuesScope = new Scope { Host = this };
        foreach (var row in s.Rows)
        {
            var b = new Expr[row.Count];
            for (int i = 0; i < b.Length; i++) b[i] = row[i].Bind(valuesScope);
            bound.Add(b);
        }
        foreach (var row in s.Rows)
            if (row.Count != s.Rows[0].Count) throw new SqlParseException("all VALUES must have the same number of terms");
        // INSERT ... SELECT: the SELECT is prepared (all its tables looked up first) before the counts are checked.
        if (s.Select != null) CheckQueryTables(s.Select);
        _boundLastInsertRowId = false;
        int supplied = s.Select != null ? PrepareQuery(s.Select)[0].Output.Count : s.DefaultValues ? 0 : s.Rows[0].Count;
        // insert.c's useTempTable: a SELECT (a multi-row VALUES is one to 3.40.1) is run whole before the first row
        // goes in when a trigger (RETURNING) runs or it reads the table; otherwise row by row, as a co-routine.
        bool computedFirst = s.Returning != null
            || (s.Select != null ? QueryReadsTable(s.Select, table) : s.Rows.Count > 1 && bound.Exists(r => r.Any(e => ReadsTable(e, table))));
        // FastDb always runs an INSERT's SELECT whole first; only last_insert_rowid() could tell (a co-routine's row
        // sees the rowid the row before it took).
        if (s.Select != null && !computedFirst && _boundLastInsertRowId)
            throw new SqlParseException("FastDb does not support last_insert_rowid() in an INSERT ... SELECT that does not read its table");
        if (s.Columns == null)
        {
            targets = new int[n];
            for (int i = 0; i < n; i++) targets[i] = i;
            if (!s.DefaultValues && supplied != n)
                throw new SqlParseException($"table {table.Name} has {n} columns but {supplied} values were supplied");
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
            if (supplied != targets.Length)
                throw new SqlParseException($"{supplied} values for {targets.Length} columns");
        }
        var upserts = s.Upserts == null ? null : PlanUpserts(table, s.Upserts, table.RowIdColumn >= 0 || Array.IndexOf(targets, -1) >= 0);
        BindReturning(table, s.Returning, newRow: true, doUpdate: s.Upserts?.Exists(u => u.DoUpdate) == true);
        if (s.DefaultValues) bound.Add([]);
        if (s.RaisesOutsideTrigger) throw RaiseExpr.Error(); // coded after the names are resolved
        AutoincrementBegin(table);
        if (s.Select != null)
        {
            // A RETURNING trigger rules out the transfer optimization (xferOptimization: no triggers).
            if (s.Returning == null && TransferSource(table, s) is { } source)
            {
                // SQLite's transfer optimization copies the rows as they are, rowids included.
                foreach (var r in source.Rows.ToList()) InsertOne(table, (SqlValue[])r.Values.Clone(), true, SqlValue.FromInteger(r.RowId), s.Conflict);
                return;
            }
            // Every row is read before the first is inserted (as SQLite does when the SELECT reads the target).
            foreach (var row in CollectQuery(s.Select)) bound.Add(Array.ConvertAll(row, v => (Expr)new LiteralExpr(v)));
        }

        _context.Values = null;
        if (computedFirst && s.Select == null && bound.Count > 1)
            for (int r = 0; r < bound.Count; r++) bound[r] = Array.ConvertAll(bound[r], e => (Expr)new LiteralExpr(e.Eval(_context)));
        bool[]? perRow = null;
        for (int c = 0; c < n; c++)
            if (table.Columns[c].PerRowDefault != null && (s.DefaultValues || Array.IndexOf(targets, c) < 0) && c != table.RowIdColumn) (perRow ??= new bool[n])[c] = true;
        foreach (var exprs in bound)
        {
            var values = new SqlValue[n];
            // A per-row DEFAULT is computed only for the columns the row omits (affinity comes below, as for values).
            for (int c = 0; c < n; c++) values[c] = perRow != null && perRow[c] ? table.Columns[c].PerRowDefault!.Eval(new RowContext()) : table.Columns[c].Default;
            SqlValue explicitRowId = SqlValue.Null;
            bool hasExplicitRowId = false;
            for (int i = 0; i < exprs.Length; i++)
            {
                var v = exprs[i].Eval(_context);
                int c = targets[i];
                if (c < 0) { explicitRowId = v; hasExplicitRowId = true; continue; }
                values[c] = v;
            }
            // An upsert's excluded.* sees the values before affinity, an omitted column's DEFAULT as computed.
            SqlValue[]? raw = null;
            if (upserts != null)
            {
                raw = (SqlValue[])values.Clone();
                for (int c = 0; c < n; c++)
                    if ((Array.IndexOf(targets, c) < 0 || exprs.Length == 0) && !(perRow != null && perRow[c]))
                        raw[c] = table.Columns[c].DefaultExpr?.Eval(new RowContext()) ?? SqlValue.Null;
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
            if (upserts != null) InsertWithUpsert(table, values, raw!, hasExplicitRowId, explicitRowId, upserts);
            else InsertOne(table, values, hasExplicitRowId, explicitRowId, s.Conflict);
        }
    }

    /// <summary>The new row's rowid (the one given, or the largest plus one), mirrored into its INTEGER PRIMARY KEY.</summary>
    private long NewRowId(Table table, SqlValue[] values, bool hasRowId, SqlValue rowIdValue)
    {
        long rowId;
        if (hasRowId)
        {
            if (rowIdValue.Type != SqlType.Integer) throw new SqlRuntimeException("datatype mismatch", SqlRuntimeException.Mismatch);
            rowId = rowIdValue.Integer;
            AutoincrementStep(table, rowId);
        }
        else rowId = AllocateRowId(table);
        if (table.RowIdColumn >= 0) values[table.RowIdColumn] = SqlValue.FromInteger(rowId);
        return rowId;
    }

    /// <summary>The CHECK constraints on a row about to be written, after NOT NULL and before the rowid and the
    /// unique indexes, in declaration order (sqlite3GenerateConstraintChecks; the INTEGER PRIMARY KEY reads the rowid
    /// just assigned): one whose result is false, not NULL, fails the statement, OR REPLACE as ABORT does, or under OR
    /// IGNORE skips the row (false).</summary>
    private static bool PassesChecks(Table table, SqlValue[] values, long rowId, ConflictAction conflict)
    {
        if (table.Checks.Count == 0) return true;
        var context = new RowContext { Values = values, RowId = rowId };
        foreach (var check in table.Checks)
        {
            var v = check.Expr.Eval(context);
            if (v.IsNull || Arithmetic.IsTrue(v)) continue;
            if (conflict == ConflictAction.Ignore) return false;
            throw new SqlRuntimeException("CHECK constraint failed: " + check.Label, SqlRuntimeException.Constraint);
        }
        return true;
    }

    private void InsertOne(Table table, SqlValue[] values, bool hasRowId, SqlValue rowIdValue, ConflictAction conflict)
    {
        long rowId = NewRowId(table, values, hasRowId, rowIdValue);

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
                if (values[c].IsNull) { values[c] = col.InsertedDefault(); replacedAny = true; }
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
        if (!PassesChecks(table, values, rowId, conflict)) return;
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
            ix.CheckRecord(values, rowId);
            if (ix.Conflict(values) is not { } other || ReferenceEquals(other, existing)) continue;
            if (conflict == ConflictAction.Ignore) return;
            if (conflict == ConflictAction.Abort)
                throw new SqlRuntimeException($"UNIQUE constraint failed: {ix.ConstraintName}", SqlRuntimeException.Constraint);
        }
        if (conflict == ConflictAction.Replace)
        {
            if (existing != null) RemoveRow(table, existing);
            for (int i = table.Indexes.Count - 1; i >= 0; i--)
            {
                if (table.Indexes[i].Conflict(values) is { } other) RemoveRow(table, other);
            }
        }
        EngineLimits.CheckRecord(table, values);
        var added = new Row(rowId, values);
        AddRow(table, added);
        Return(added);
    }

    private static string RowIdName(Table t) => t.RowIdColumn >= 0 ? t.Columns[t.RowIdColumn].Name : "rowid";

    // ---- UPDATE / DELETE ----

    private void Update(UpdateStatement s)
    {
        var table = RequireTable(s.Table, s.Schema);
        var scope = new Scope { Host = this, Table = table };
        var targets = new int[s.Assignments.Count];
        var exprs = new Expr[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            // SQLite resolves each assignment's value before checking its target column.
            exprs[i] = Expr.BindWhole(s.Assignments[i].Value, scope);
            int idx = table.ColumnIndex(s.Assignments[i].Column);
            if (idx < 0)
            {
                if (NameExpr.IsRowIdName(s.Assignments[i].Column)) idx = -1;
                else throw new SqlParseException("no such column: " + s.Assignments[i].Column);
            }
            targets[i] = idx;
        }
        var where = s.Where == null ? null : Expr.BindWhole(s.Where, scope);
        BindReturning(table, s.Returning, newRow: true);
        ScanPlanner.RefuseUnmodelled(table, where, ordered: false);
        RefuseSubqueryOnTarget(table, where, "UPDATE");
        LikelyExpr.RefuseWherePlanned(table, false, [where], []);
        var composite = CompositeIndexPlanner.PlanChange(table, where);

        (targets, exprs) = UpdateOrder(table, targets, exprs);
        // Coded after the names are resolved; a value UpdateOrder dropped (its column set again) is never coded.
        if (s.RaisesOutsideTrigger && (where is RaiseExpr || Array.Exists(exprs, e => e is RaiseExpr))) throw RaiseExpr.Error();
        bool statementJournal = UpdateUsesStatementJournal(table, targets, exprs, where, s.Returning);
        Guarded(() =>
        {
            int driving = ScanPlanner.IndexOrderColumn(table, where);
            var rows = _transaction != null && !statementJournal && s.Returning == null && (driving >= 0 || composite != null)
                ? MatchingRowsOrRefuse(table, where, "UPDATE", composite)
                : MatchingRows(table, where, composite);
            // SQLite updates in the scan's order only in one pass (ONEPASS_MULTI): an index range (or a multi-column
            // index's lookup) whose columns this UPDATE does not change, the rowid unchanged. Otherwise it first
            // collects the rowids in an ephemeral table and reads them back in rowid order, which decides which row
            // hits a UNIQUE conflict first.
            bool indexUnchanged = composite != null ? !Array.Exists(composite.Index.Columns, c => Array.IndexOf(targets, c) >= 0)
                : driving >= 0 && Array.IndexOf(targets, driving) < 0;
            // A WHERE with a subquery is never run in one pass (sqlite3Update: EP_Subquery), nor one with a trigger.
            bool onePass = indexUnchanged && s.Returning == null && !HasSubquery(where) && Array.IndexOf(targets, -1) < 0
                && (table.RowIdColumn < 0 || Array.IndexOf(targets, table.RowIdColumn) < 0);
            if (!onePass && rows.Count > 1) rows.Sort((x, y) => x.RowId.CompareTo(y.RowId));
            var newValues = new SqlValue[exprs.Length];
            foreach (var row in rows)
            {
                _context.Values = row.Values;
                _context.RowId = row.RowId;
                EvaluateSet(table, targets, exprs, newValues);
                ApplyUpdate(table, row, targets, newValues);
                Return(row);
            }
        }, UndoKind.Changed, statementJournal);
    }

    /// <summary>update.c's order of the SET values: the new rowid first (the rowid or the INTEGER PRIMARY KEY), then
    /// the columns in table order, whatever the order written; a column set twice takes its last value, and the
    /// other is never computed (its errors do not happen).</summary>
    private static (int[] Targets, Expr[] Exprs) UpdateOrder(Table table, int[] targets, Expr[] exprs)
    {
        var last = new SortedDictionary<int, int>();
        for (int i = 0; i < targets.Length; i++) last[targets[i] < 0 || targets[i] == table.RowIdColumn ? -1 : targets[i]] = i;
        var order = last.Values.ToArray();
        return (Array.ConvertAll(order, i => targets[i]), Array.ConvertAll(order, i => exprs[i]));
    }

    /// <summary>The SET values of one row, in <see cref="UpdateOrder"/>: OP_MustBeInt on the new rowid comes before
    /// any column's value is computed.</summary>
    private void EvaluateSet(Table table, int[] targets, Expr[] exprs, SqlValue[] into)
    {
        for (int i = 0; i < exprs.Length; i++)
        {
            into[i] = exprs[i].Eval(_context);
            if (i == 0 && (targets[0] < 0 || targets[0] == table.RowIdColumn)
                && AffinityRules.Apply(Affinity.Integer, into[0]).Type != SqlType.Integer)
                throw new SqlRuntimeException("datatype mismatch", SqlRuntimeException.Mismatch);
        }
    }

    /// <summary>One row of an UPDATE (or an upsert's DO UPDATE): the SET values with the column affinities, then
    /// the constraint checks in SQLite's order (NOT NULL, the rowid, the unique indexes newest first).</summary>
    private void ApplyUpdate(Table table, Row row, int[] targets, SqlValue[] newValues)
    {
        var values = (SqlValue[])row.Values.Clone();
        long rowId = row.RowId;
        bool rowIdChanged = false;
        for (int i = 0; i < targets.Length; i++)
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
        PassesChecks(table, values, rowId, ConflictAction.Abort);
        if (rowIdChanged && table.FindByRowId(rowId) != null)
            throw new SqlRuntimeException($"UNIQUE constraint failed: {table.Name}.{RowIdName(table)}", SqlRuntimeException.Constraint);
        for (int i = table.Indexes.Count - 1; i >= 0; i--)
        {
            var ix = table.Indexes[i];
            ix.CheckRecord(values, rowId);
            if (ix.Conflict(values) is { } other && !ReferenceEquals(other, row))
                throw new SqlRuntimeException($"UNIQUE constraint failed: {ix.ConstraintName}", SqlRuntimeException.Constraint);
        }
        EngineLimits.CheckRecord(table, values);
        ChangeRow(table, row, rowId, values);
    }

    private void Delete(DeleteStatement s)
    {
        var table = RequireTable(s.Table, s.Schema);
        var where = s.Where == null ? null : Expr.BindWhole(s.Where, new Scope { Host = this, Table = table });
        BindReturning(table, s.Returning, newRow: false);
        ScanPlanner.RefuseUnmodelled(table, where, ordered: false);
        RefuseSubqueryOnTarget(table, where, "DELETE");
        LikelyExpr.RefuseWherePlanned(table, false, [where], []);
        var composite = CompositeIndexPlanner.PlanChange(table, where);
        if (s.RaisesOutsideTrigger) throw RaiseExpr.Error(); // coded after the names are resolved
        bool returning = s.Returning != null;
        Guarded(() =>
        {
            var rows = _transaction != null && !returning && where != null && !CallsFunction(where)
                ? MatchingRowsOrRefuse(table, where, "DELETE", composite) : MatchingRows(table, where, composite);
            // With a trigger DELETE is not one-pass: the rowids go through a RowSet, which reads back sorted.
            if (returning && rows.Count > 1) rows.Sort((x, y) => x.RowId.CompareTo(y.RowId));
            foreach (var row in rows)
            {
                RemoveRow(table, row);
                Return(row);
            }
            // A RETURNING trigger makes DELETE a multi-write; a function call (in WHERE or RETURNING) sets mayAbort.
        }, UndoKind.Removed, statementJournal: returning && (CallsFunction(where) || ReturningCallsFunction(s.Returning)));
    }

    /// <summary>Rows satisfying WHERE, in the order SQLite's plan visits them (rowid order, or a UNIQUE column's
    /// order when a range on it drives the scan).</summary>
    private const int NoWalk = int.MinValue;

    private List<Row> MatchingRows(Table table, Expr? where, CompositeIndexPlanner.CompositeScan? composite = null) =>
        MatchingRows(table, where, null, false, out _, composite);

    /// <summary>The rows WHERE accepts, in the order SQLite's plan visits them. <paramref name="keepRowsBeforeError"/>:
    /// a WHERE that fails on a row ends the list there (in the plan's order) and the error comes back in
    /// <paramref name="failed"/>, so a streamed SELECT prints the rows sqlite3 printed before it failed (or, if its
    /// LIMIT ends it first, never fails); without it the error is thrown.</summary>
    /// <param name="walkColumn">The index column (-1: the rowid) the plan walks for GROUP BY, overriding the scan's
    /// own choice; <see cref="NoWalk"/> for none.</param>
    private List<Row> MatchingRows(Table table, Expr? where, HashSet<int>? selectColumns, bool keepRowsBeforeError, out SqlRuntimeException? failed,
        CompositeIndexPlanner.CompositeScan? composite = null, int walkColumn = NoWalk)
    {
        failed = null;
        var result = new List<Row>();
        // sqlite3WhereBegin evaluates each AND term that reads no table once, before the loop, even over an empty
        // table: a false one skips the scan, a failing one fails the statement.
        if (where != null && ConstantTermIsFalse(where)) return result;
        // The walk of a multi-column or DESC index: WHERE is tested on the rows of its range only, in its order, so
        // a failing row ends the list where sqlite3's loop stopped.
        if (composite != null)
        {
            failed = Filter(CompositeIndexPlanner.Visit(table, composite, _context), where, keepRowsBeforeError, result);
            return result;
        }
        // WHERE key = constant on the rowid or a UNIQUE column: that one row, without a scan (KeyLookup.cs).
        if (where != null && TryKeyLookup(table, where, result)) return result;
        // Rows are tested in the order SQLite's loop visits them, and only those it visits: a failing row ends the
        // list where sqlite3's loop stopped (keepRowsBeforeError), and rows its seek skips never run WHERE's other
        // terms (so never fail them).
        int orderColumn = walkColumn != NoWalk ? walkColumn : ScanPlanner.IndexOrderColumn(table, where, selectColumns);
        var branches = orderColumn < 0 && walkColumn == NoWalk ? ScanPlanner.OrUnionPlan(table, where, selectColumns) : null;
        if (branches != null)
        {
            // One index scan per OR branch, skipping the rows an earlier branch visited.
            var seen = new HashSet<Row>(ReferenceEqualityComparer.Instance);
            var union = new List<Row>();
            foreach (var branch in branches)
            {
                var hits = Seek(table.Rows, [branch.Term]).ToList();
                if (branch.OrderColumn >= 0) SortByColumn(hits, branch.OrderColumn);
                foreach (var row in hits) if (seen.Add(row)) union.Add(row);
            }
            failed = Filter(union, where, keepRowsBeforeError, result);
            return result;
        }
        // A covering index is scanned whole, in its order, when no term drives the scan.
        if (orderColumn < 0 && walkColumn == NoWalk && selectColumns != null && !ScanPlanner.HasRowIdOrIndexTerm(table, where, selectColumns))
            orderColumn = ScanPlanner.CoveringIndexColumn(table, selectColumns);
        IEnumerable<Row> visited = table.Rows;
        if (ScanPlanner.SeekTerms(table, where, orderColumn, selectColumns, out int seekIndex) is { Count: > 0 } seek) visited = Seek(table.Rows, seek);
        if (orderColumn >= 0)
        {
            var inOrder = visited.ToList();
            SortByColumn(inOrder, orderColumn);
            visited = inOrder;
        }
        failed = Filter(visited, where, keepRowsBeforeError, result, table, seekIndex);
        return result;
    }

    /// <summary>The rows every one of the seek's <paramref name="terms"/> accepts (comparisons with constants, which
    /// cannot fail).</summary>
    private IEnumerable<Row> Seek(List<Row> rows, List<Expr> terms)
    {
        foreach (var row in rows)
        {
            _context.Values = row.Values;
            _context.RowId = row.RowId;
            if (Accepts(terms)) yield return row;
        }
    }

    /// <summary>The rows WHERE accepts, in the order given, into <paramref name="result"/>; with
    /// <paramref name="keepRowsBeforeError"/> a row that fails it ends the list and its error is returned.
    /// <paramref name="indexColumn"/>: the column of the index the loop walks (see LoopTerms), or -1.</summary>
    private SqlRuntimeException? Filter(IEnumerable<Row> rows, Expr? where, bool keepRowsBeforeError, List<Row> result, Table? table = null, int indexColumn = -1)
    {
        var terms = where == null ? null : LoopTerms(table, where, indexColumn);
        foreach (var row in rows)
        {
            if (terms != null)
            {
                _context.Values = row.Values;
                _context.RowId = row.RowId;
                bool accepted;
                try { accepted = Accepts(terms); }
                catch (SqlRuntimeException e) when (keepRowsBeforeError)
                {
                    return e;
                }
                if (!accepted) continue;
            }
            result.Add(row);
        }
        return null;
    }

    /// <summary>
    /// WHERE's AND terms in the order SQLite's loop tests them (wherecode.c, iLoop): over an index, first the terms
    /// that read only its column and the rowid (tested before the table row is fetched), then the rest, each group
    /// in written order. A term that is false or NULL ends the test (Accepts), so the terms after it never run on
    /// that row, nor fail on it.
    /// </summary>
    private static List<Expr> LoopTerms(Table? table, Expr where, int indexColumn)
    {
        var terms = new List<Expr>();
        SplitConjuncts(where, terms);
        if (table == null || indexColumn < 0) return terms;
        var covered = new List<Expr>();
        var rest = new List<Expr>();
        var columns = new HashSet<int>();
        foreach (var term in terms)
        {
            columns.Clear();
            CollectColumns(term, columns);
            bool onIndex = !HasSubquery(term) && columns.All(c => c == indexColumn || c == table.RowIdColumn);
            (onIndex ? covered : rest).Add(term);
        }
        covered.AddRange(rest);
        return covered;
    }

    /// <summary>True when every term is true for the current row, tested in order up to the first that is not.</summary>
    private bool Accepts(List<Expr> terms)
    {
        foreach (var t in terms)
        {
            var v = t.Eval(_context);
            if (v.IsNull || !Arithmetic.IsTrue(v)) return false;
        }
        return true;
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
}
