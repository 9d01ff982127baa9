using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Execution;

/// <summary>BEGIN / COMMIT / END / ROLLBACK as SQLite's OP_AutoCommit runs them, SAVEPOINT / RELEASE / ROLLBACK TO
/// as its OP_Savepoint does: errors when there is nothing to
/// commit or roll back or a transaction is already open. Inside a transaction a failing statement still undoes only
/// itself (the statement journal) and the transaction stays open, as in sqlite3. A transaction never outlives the
/// script (one log entry): the shell closes the database at the end of its input, which rolls back an open one,
/// and <see cref="EndScript"/> does the same.</summary>
public sealed partial class Executor
{
    private TransactionJournal? _transaction;

    /// <summary>Open savepoints, oldest first, each with a journal of the database as it was when it was set (names
    /// compared as sqlite3StrICmp does; the newest of two equal names is found first).</summary>
    private readonly List<(string Name, TransactionJournal Journal)> _savepoints = [];

    /// <summary>The transaction was started by a SAVEPOINT outside BEGIN (db->isTransactionSavepoint): releasing
    /// its outermost savepoint commits it.</summary>
    private bool _transactionSavepoint;

    /// <summary>Every row change inside a transaction is recorded, before it is made, by the transaction's journal
    /// and by each open savepoint's.</summary>
    private void TouchRow(Table t, Row r, bool inserted)
    {
        if (_transaction == null) return;
        _transaction.Touch(t, r, inserted);
        foreach (var (_, journal) in _savepoints) journal.Touch(t, r, inserted);
    }

    /// <summary>A transaction is open (BEGIN ran, no COMMIT or ROLLBACK yet).</summary>
    public bool InTransaction => _transaction != null;

    private void RunTransaction(TransactionStatement t)
    {
        switch (t.Action)
        {
            case TransactionAction.Begin:
                if (_transaction != null) throw new SqlRuntimeException("cannot start a transaction within a transaction", 1);
                _transaction = new TransactionJournal(_catalog);
                break;
            case TransactionAction.Commit:
                if (_transaction == null) throw new SqlRuntimeException("cannot commit - no transaction is active", 1);
                EndTransaction();
                break;
            case TransactionAction.Rollback:
                if (_transaction == null) throw new SqlRuntimeException("cannot rollback - no transaction is active", 1);
                RollbackAll();
                break;
            case TransactionAction.Savepoint:
                if (_transaction == null)
                {
                    _transaction = new TransactionJournal(_catalog);
                    _transactionSavepoint = true;
                }
                _savepoints.Add((t.Name!, new TransactionJournal(_catalog)));
                break;
            case TransactionAction.Release:
            case TransactionAction.RollbackTo:
            {
                int i = _savepoints.Count - 1;
                while (i >= 0 && !string.Equals(_savepoints[i].Name, t.Name, StringComparison.OrdinalIgnoreCase)) i--;
                if (i < 0) throw new SqlRuntimeException("no such savepoint: " + t.Name, 1);
                if (t.Action == TransactionAction.Release)
                {
                    // OP_Savepoint: releasing the outermost savepoint of a transaction it started commits it.
                    if (i == 0 && _transactionSavepoint) EndTransaction();
                    else _savepoints.RemoveRange(i, _savepoints.Count - i);
                    break;
                }
                // ROLLBACK TO keeps the savepoint (and the transaction) open, at the state it was set in.
                _savepoints.RemoveRange(i + 1, _savepoints.Count - i - 1);
                bool resetTo = _savepoints[i].Journal.SchemaChanged;
                if (resetTo) _schemaUnloaded = true;
                _journal.Clear();
                _savepoints[i].Journal.Rollback();
                if (!resetTo) KeepSchemaAfterRollback(_readInTransaction);
                _savepoints[i] = (_savepoints[i].Name, new TransactionJournal(_catalog));
                break;
            }
        }
    }

    /// <summary>ROLLBACK, or sqlite3RollbackAll after an error that ends the transaction: the rows and schema as at
    /// BEGIN, and the connection's schema reset if the transaction changed it (Executor.SchemaReset.cs).</summary>
    private void RollbackAll()
    {
        bool reset = _transaction!.SchemaChanged;
        var held = _readInTransaction;
        if (reset) _schemaUnloaded = true;
        RollbackTransaction();
        if (!reset) KeepSchemaAfterRollback(held);
    }

    private void EndTransaction()
    {
        _readInTransaction = null;
        _transaction = null;
        _savepoints.Clear();
        _transactionSavepoint = false;
    }

    /// <summary>The end of the script: what sqlite3_close does to a transaction left open (rolls it back).</summary>
    public void EndScript()
    {
        if (_transaction != null) RollbackTransaction();
        _schemaUnloaded = false; // the next script is a new sqlite3 process, which reads the schema afresh
        StaleSchema = null;
        _readInTransaction = null;
    }

    private void RollbackTransaction()
    {
        var journal = _transaction!;
        EndTransaction();
        _journal.Clear();
        journal.Rollback();
    }
}

/// <summary>Which data changes SQLite runs with a statement journal (usesStmtJournal = isMultiWrite && mayAbort): only
/// those can undo their own partial work when they fail inside a transaction; the others keep the rows they changed
/// before the error (outside a transaction the whole autocommit transaction rolls back, so it makes no difference).</summary>
public sealed partial class Executor
{
    /// <summary>insert.c: multi-row VALUES and INSERT ... SELECT are multi-writes (so is any INSERT with RETURNING,
    /// whose trigger makes it one); mayAbort comes from a function call, or a constraint checked with OE_Abort:
    /// a NOT NULL column (under OR REPLACE too: without a DEFAULT at once, with one on the second pass), a UNIQUE
    /// index, or the rowid when the statement gives it (ipkColumn >= 0).</summary>
    private bool InsertUsesStatementJournal(InsertStatement s)
    {
        if (_transaction == null || (s.Rows.Count < 2 && s.Select == null && s.Returning == null)) return true;
        if (ReturningCallsFunction(s.Returning) || (s.Select != null && QueryCallsFunction(s.Select))) return true;
        foreach (var row in s.Rows) foreach (var e in row) if (CallsFunction(e)) return true;
        if (s.Conflict == ConflictAction.Ignore) return false; // OE_Ignore never aborts
        if (_catalog.Find(s.Table) is not { } table) return true;
        for (int c = 0; c < table.Columns.Length; c++)
            if (table.Columns[c].NotNull && c != table.RowIdColumn) return true;
        if (s.Conflict == ConflictAction.Replace) return false;
        // A constraint an ON CONFLICT clause answers is checked with OE_Ignore / OE_Update, not OE_Abort; the DO
        // UPDATE is an UPDATE of its own.
        var upserts = s.Upserts;
        // The clause that answers a conflict on a column (-1: the rowid): the first aimed at it, else the catch-all
        // (sqlite3UpsertOfIndex).
        UpsertClause? ClauseFor(int column)
        {
            foreach (var u in upserts ?? [])
            {
                if (u.Target == null) return u;
                if (u.Target is not { Count: 1 } target) continue;
                int c = table.ColumnIndex(target[0].Name);
                int constrained = c >= 0 && c != table.RowIdColumn ? c : c >= 0 || NameExpr.IsRowIdName(target[0].Name) ? -1 : -2;
                if (constrained == column) return u;
            }
            return null;
        }
        bool Answered(int column) => ClauseFor(column) != null;
        // The clause answering a unique index: for a multi-column one, the first naming its columns (in any order),
        // else the catch-all.
        UpsertClause? ClauseForIndex(UniqueIndex ix)
        {
            if (!ix.IsComposite) return ClauseFor(ix.Column);
            foreach (var u in upserts ?? [])
                if (u.Target == null || (u.Target.Count == ix.Columns.Length
                    && Array.TrueForAll(ix.Columns, c => u.Target.Exists(t => table.ColumnIndex(t.Name) == c)))) return u;
            return null;
        }
        foreach (var ix in table.Indexes) if (ix.Unique && ClauseForIndex(ix) == null) return true;
        bool rowIdGiven = false;
        if (s.Columns == null) rowIdGiven = table.RowIdColumn >= 0;
        else
            foreach (var (name, _) in s.Columns)
            {
                int c = table.ColumnIndex(name);
                if (c >= 0 ? c == table.RowIdColumn : NameExpr.IsRowIdName(name)) rowIdGiven = true;
            }
        // Only a clause that answers a constraint the INSERT checks is coded (sqlite3UpsertOfIndex): a catch-all
        // left with nothing to answer adds no checks of its own, whatever its SET assigns.
        bool Coded(UpsertClause u) => (rowIdGiven && ReferenceEquals(ClauseFor(-1), u))
            || table.Indexes.Exists(ix => ix.Unique && ReferenceEquals(ClauseForIndex(ix), u));
        if (upserts != null)
            foreach (var u in upserts)
            {
                if (!Coded(u)) continue;
                if (CallsFunction(u.Where)) return true;
                foreach (var (column, _, value) in u.Assignments)
                {
                    if (CallsFunction(value)) return true;
                    int c = table.ColumnIndex(column);
                    bool rowId = c < 0 || c == table.RowIdColumn;
                    // A new rowid is checked against the clause answering a rowid conflict: DO NOTHING there is
                    // OE_Ignore, which never aborts (a unique index's column gets OE_Abort in a DO UPDATE regardless).
                    if (rowId && ClauseFor(-1) is not { DoUpdate: false }) return true;
                    if (!rowId && table.Columns[c].NotNull) return true;
                    foreach (var ix in table.Indexes) if (ix.Unique && Array.IndexOf(ix.Columns, c) >= 0) return true;
                }
            }
        return rowIdGiven && !Answered(-1);
    }

    /// <summary>update.c: a multi-write unless one-pass on a single row (then at most one row changes, before any
    /// write fails, so it makes no difference); mayAbort from the constraints of what SET changes: the rowid, a NOT
    /// NULL column, a column of a UNIQUE index.</summary>
    private bool UpdateUsesStatementJournal(Table table, int[] targets, Expr[] values, Expr? where, List<ResultColumn>? returning)
    {
        if (_transaction == null || CallsFunction(where) || ReturningCallsFunction(returning)) return true;
        foreach (var e in values) if (CallsFunction(e)) return true;
        foreach (int c in targets)
        {
            if (c < 0 || c == table.RowIdColumn || table.Columns[c].NotNull) return true;
            foreach (var ix in table.Indexes) if (ix.Unique && Array.IndexOf(ix.Columns, c) >= 0) return true;
        }
        return false;
    }

    /// <summary>RETURNING's expressions are coded in the statement's own program: their function calls set mayAbort,
    /// also inside a subquery's body (an aggregate's step does not).</summary>
    private static bool ReturningCallsFunction(List<ResultColumn>? returning) =>
        returning != null && returning.Exists(rc => CallsFunctionDeep(rc.Expression));

    private static bool CallsFunctionDeep(Expr? e) => e switch
    {
        null => false,
        SubqueryExpr q => QueryCallsFunction(q.Query) || q.Children.Any(CallsFunctionDeep),
        UnaryExpr u => CallsFunctionDeep(u.Operand),
        BinaryExpr b => CallsFunctionDeep(b.Left) || CallsFunctionDeep(b.Right),
        IsNullExpr n => CallsFunctionDeep(n.Operand),
        // Unbound yet (this runs before the statement is prepared): an aggregate's name is no function call.
        FunctionCallExpr f when IsAggregateName(f) => f.Args.Any(CallsFunctionDeep),
        _ when CallsFunction(e) => true,
        ScalarFunctionExpr f => f.Args.Any(CallsFunctionDeep),
        FunctionCallExpr f => f.Args.Any(CallsFunctionDeep),
        IHasChildren h => h.Children.Any(CallsFunctionDeep),
        _ => false,
    };

    private static bool IsAggregateName(FunctionCallExpr f) => f.Name.ToLowerInvariant() switch
    {
        "count" or "sum" or "total" or "avg" or "group_concat" or "json_group_array" or "json_group_object" => true,
        "min" or "max" => f.Args.Count <= 1,
        _ => false,
    };

    private static bool QueryCallsFunction(QueryStatement query) => query switch
    {
        SelectStatement s => s.Columns.Exists(c => CallsFunctionDeep(c.Expression)) || CallsFunctionDeep(s.Where) || CallsFunctionDeep(s.Having)
            || s.GroupBy.Exists(CallsFunctionDeep) || s.OrderBy.Exists(o => CallsFunctionDeep(o.Expression)) || CallsFunctionDeep(s.Limit)
            || CallsFunctionDeep(s.Offset) || s.Joins.Exists(j => CallsFunctionDeep(j.On)) || (s.FromQuery != null && QueryCallsFunction(s.FromQuery)),
        CompoundSelectStatement c => c.Selects.Exists(QueryCallsFunction) || c.OrderBy.Exists(o => CallsFunctionDeep(o.Expression))
            || CallsFunctionDeep(c.Limit) || CallsFunctionDeep(c.Offset),
        _ => true,
    };

    /// <summary>sqlite3VdbeAddFunctionCall sets mayAbort: any function call but the ones coded inline (coalesce,
    /// ifnull, iif); LIKE and GLOB are functions too. Walks bound and unbound trees.</summary>
    private static bool CallsFunction(Expr? e)
    {
        switch (e)
        {
            case null: return false;
            case LikeExpr: return true;
            case FunctionCallExpr f:
                if (!f.Name.Equals("coalesce", StringComparison.OrdinalIgnoreCase) && !f.Name.Equals("ifnull", StringComparison.OrdinalIgnoreCase)
                    && !f.Name.Equals("iif", StringComparison.OrdinalIgnoreCase)) return true;
                return f.Args.Any(CallsFunction);
            case ScalarFunctionExpr f:
                if (f.Function is not (ScalarFunction.Coalesce or ScalarFunction.IfNull or ScalarFunction.Iif)) return true;
                return f.Args.Any(CallsFunction);
            case UnaryExpr u: return CallsFunction(u.Operand);
            case BinaryExpr b: return CallsFunction(b.Left) || CallsFunction(b.Right);
            case IsNullExpr n: return CallsFunction(n.Operand);
            case IHasChildren h: return h.Children.Any(CallsFunction);
            default: return false;
        }
    }

    /// <summary>A scan that SQLite interleaves with the changes (one-pass DELETE, index-driven one-pass UPDATE) keeps,
    /// when its WHERE fails part way inside a transaction, the changes made to the rows it visited first: FastDb
    /// evaluates the WHERE first, so it refuses that case rather than leave different rows.</summary>
    private List<Row> MatchingRowsOrRefuse(Table table, Expr? where, string statement, CompositeIndexPlanner.CompositeScan? composite)
    {
        try { return MatchingRows(table, where, composite); }
        catch (SqlRuntimeException e)
        {
            throw new SqlParseException("FastDb does not support a " + statement + " whose WHERE fails (" + e.Message + ") inside a transaction");
        }
    }
}
