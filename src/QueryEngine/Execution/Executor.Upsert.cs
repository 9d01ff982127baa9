using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>
/// Upsert (<c>INSERT ... ON CONFLICT [(target)] DO NOTHING | DO UPDATE SET ... [WHERE ...]</c>) as insert.c and
/// upsert.c run it: a target must name the rowid or a UNIQUE index's column (else "ON CONFLICT clause does not match
/// any PRIMARY KEY or UNIQUE constraint"); after the NOT NULL checks the uniqueness checks run with the targets first,
/// in clause order, then the rowid, then the other unique indexes newest first; the first conflict decides: its
/// clause (or the last clause without a target) skips the row (DO NOTHING) or updates the row it conflicts with
/// (DO UPDATE, with the UPDATE's own checks; its WHERE false: nothing), any other conflict fails the statement.
/// In DO UPDATE, bare names are the existing row's columns, <c>excluded.col</c> the row that was to be inserted.
/// </summary>
public sealed partial class Executor
{
    private sealed class BoundUpsert
    {
        public bool DoUpdate;
        public int[] Targets = [];
        public Expr[] Values = [];
        public Expr? Where;
    }

    /// <summary>The uniqueness checks in order: the rowid (Index null) or a unique index, and the clause it answers to.</summary>
    private sealed class UpsertPlan
    {
        public readonly List<(UniqueIndex? Index, BoundUpsert? Clause)> Checks = [];
    }

    /// <summary>sqlite3UpsertAnalyzeTarget for each clause, then the DO UPDATE's SET and WHERE of each clause a
    /// uniqueness check uses bound as an UPDATE (sqlite3UpsertDoUpdate resolves them as it codes the check).
    /// <paramref name="rowIdChecked"/>: the INSERT gives the rowid (an INTEGER PRIMARY KEY, or rowid named), so
    /// SQLite codes a rowid check; without one the clause it would use is never coded, so its SET and WHERE are
    /// never resolved (their errors never happen).</summary>
    private UpsertPlan PlanUpserts(Table table, List<UpsertClause> clauses, bool rowIdChecked)
    {
        var targeted = new List<(UniqueIndex? Index, UpsertClause Clause)>();
        UpsertClause? catchAll = null;
        for (int number = 1; number <= clauses.Count; number++)
        {
            var clause = clauses[number - 1];
            if (clause.Target == null) { catchAll = clause; continue; }
            // upsert.c names the clause ("2nd ON CONFLICT clause ...") when there are several.
            string doesNotMatch = (clauses.Count > 1 ? Ordinal(number) + " " : "") + "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint";
            var columns = new List<int>();
            bool literal = false;
            foreach (var (name, offset, doubleQuoted) in clause.Target)
            {
                int c = table.ColumnIndex(name);
                if (c < 0 && NameExpr.IsRowIdName(name)) c = -1;
                else if (c < 0 && doubleQuoted) literal = true;
                else if (c < 0) throw new SqlParseException("no such column: " + name, offset);
                columns.Add(c);
            }
            if (literal) throw new SqlParseException(doesNotMatch);
            bool rowid = columns.Count == 1 && (columns[0] == -1 || columns[0] == table.RowIdColumn);
            UniqueIndex? index = null;
            // sqlite3UpsertAnalyzeTarget: a unique index (newest first) whose key columns are the target's, in any order.
            if (!rowid)
                for (int i = table.Indexes.Count - 1; i >= 0 && index == null; i--)
                    if (table.Indexes[i] is { Unique: true } ix && ix.Columns.Length == columns.Count && Array.TrueForAll(ix.Columns, columns.Contains))
                        index = ix;
            if (!rowid && index == null) throw new SqlParseException(doesNotMatch);
            // SQLite 3.40.1 gets a repeated target wrong (a rowid conflict then replaces the row): refused.
            if (targeted.Exists(t => ReferenceEquals(t.Index, index)))
                throw new SqlParseException("FastDb does not support two ON CONFLICT clauses with the same target");
            targeted.Add((index, clause));
        }
        bool rowIdTargeted = targeted.Exists(t => t.Index == null);
        bool catchAllUsed = (rowIdChecked && !rowIdTargeted)
            || table.Indexes.Exists(ix => ix.Unique && !targeted.Exists(t => ReferenceEquals(t.Index, ix)));
        var bound = new Dictionary<UpsertClause, BoundUpsert?>(ReferenceEqualityComparer.Instance);
        foreach (var clause in clauses)
        {
            bool used = ReferenceEquals(clause, catchAll) ? catchAllUsed
                : rowIdChecked || !targeted.Exists(t => t.Index == null && ReferenceEquals(t.Clause, clause));
            bound[clause] = used ? Bind(table, clause) : null;
        }
        var plan = new UpsertPlan();
        BoundUpsert? fallback = catchAll == null ? null : bound[catchAll];
        foreach (var (index, clause) in targeted) plan.Checks.Add((index, bound[clause]));
        if (!targeted.Exists(t => t.Index == null)) plan.Checks.Add((null, fallback));
        for (int i = table.Indexes.Count - 1; i >= 0; i--)
        {
            var ix = table.Indexes[i];
            if (ix.Unique && !targeted.Exists(t => ReferenceEquals(t.Index, ix))) plan.Checks.Add((ix, fallback));
        }
        return plan;
    }

    private BoundUpsert Bind(Table table, UpsertClause clause)
    {
        var result = new BoundUpsert { DoUpdate = clause.DoUpdate };
        if (!clause.DoUpdate) return result;
        var scope = new Scope { Table = table, Excluded = table, Connection = this };
        result.Targets = new int[clause.Assignments.Count];
        result.Values = new Expr[clause.Assignments.Count];
        for (int i = 0; i < result.Targets.Length; i++)
        {
            result.Values[i] = Expr.BindWhole(clause.Assignments[i].Value, scope);
            int idx = table.ColumnIndex(clause.Assignments[i].Column);
            if (idx < 0)
            {
                if (NameExpr.IsRowIdName(clause.Assignments[i].Column)) idx = -1;
                else throw new SqlParseException("no such column: " + clause.Assignments[i].Column);
            }
            result.Targets[i] = idx;
        }
        if (clause.Where != null) result.Where = Expr.BindWhole(clause.Where, scope);
        (result.Targets, result.Values) = UpdateOrder(table, result.Targets, result.Values); // it is an UPDATE
        return result;
    }

    /// <summary>InsertOne's path for an INSERT with ON CONFLICT clauses (the statement's own conflict action is ABORT);
    /// <paramref name="excluded"/>: the values as excluded.* reads them (before affinity).</summary>
    private void InsertWithUpsert(Table table, SqlValue[] values, SqlValue[] excluded, bool hasRowId, SqlValue rowIdValue, UpsertPlan plan)
    {
        long rowId = NewRowId(table, values, hasRowId, rowIdValue);
        if (table.RowIdColumn >= 0) excluded[table.RowIdColumn] = SqlValue.FromInteger(rowId);
        for (int c = 0; c < values.Length; c++)
            if (table.Columns[c].NotNull && c != table.RowIdColumn && values[c].IsNull)
                throw new SqlRuntimeException($"NOT NULL constraint failed: {table.Name}.{table.Columns[c].Name}", SqlRuntimeException.Constraint);
        PassesChecks(table, values, rowId, ConflictAction.Abort);
        foreach (var (index, clause) in plan.Checks)
        {
            Row? existing;
            if (index == null) existing = hasRowId ? table.FindByRowId(rowId) : null;
            else
            {
                // The first index check applies the table's affinity to the new row's registers (bAffinityDone in
                // sqlite3GenerateConstraintChecks): from then on excluded.* sees the converted values.
                values.CopyTo(excluded, 0);
                if (table.RowIdColumn >= 0) excluded[table.RowIdColumn] = SqlValue.FromInteger(rowId);
                index.CheckRecord(values, rowId);
                existing = index.Conflict(values);
            }
            if (existing == null) continue;
            if (clause == null)
                throw new SqlRuntimeException("UNIQUE constraint failed: " + (index == null ? table.Name + "." + RowIdName(table) : index.ConstraintName), SqlRuntimeException.Constraint);
            if (clause.DoUpdate)
            {
                // sqlite3UpsertDoUpdate: "excluded.* columns of type REAL need to be converted to a hard real"
                // (OP_RealAffinity: an integer turns real, text stays text), whether or not affinity ran before.
                for (int c = 0; c < table.Columns.Length; c++)
                    if (table.Columns[c].Affinity == Affinity.Real && excluded[c].Type == SqlType.Integer)
                        excluded[c] = SqlValue.FromReal(excluded[c].AsInteger());
                DoUpdate(table, existing, excluded, rowId, clause);
            }
            return;
        }
        EngineLimits.CheckRecord(table, values);
        var added = new Row(rowId, values);
        AddRow(table, added);
        Return(added);
    }

    /// <summary>sqlite3UpsertDoUpdate: the UPDATE of the conflicting row, its names seeing that row and excluded.*.</summary>
    private void DoUpdate(Table table, Row row, SqlValue[] inserted, long insertedRowId, BoundUpsert clause)
    {
        int n = table.Columns.Length;
        var both = new SqlValue[2 * n + 1];
        row.Values.CopyTo(both, 0);
        inserted.CopyTo(both, n);
        both[2 * n] = SqlValue.FromInteger(insertedRowId);
        _context.Values = both;
        _context.RowId = row.RowId;
        if (clause.Where != null)
        {
            var w = clause.Where.Eval(_context);
            if (w.IsNull || !Arithmetic.IsTrue(w)) return;
        }
        var newValues = new SqlValue[clause.Values.Length];
        EvaluateSet(table, clause.Targets, clause.Values, newValues);
        ApplyUpdate(table, row, clause.Targets, newValues);
        Return(row); // the INSERT's RETURNING fires for its DO UPDATE too (sqlite3CodeRowTrigger)
    }
}
