using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>
/// RETURNING as SQLite 3.40.1 codes it (trigger.c's codeReturningTrigger): an AFTER ROW trigger of the statement,
/// coded last, whose result columns are evaluated right after each row is inserted, updated (also an upsert's DO
/// UPDATE) or deleted, against the new row (the old one for DELETE), and stored in an ephemeral table; the rows are
/// output only once the statement has run to its end. A failing statement (in a RETURNING expression too) outputs
/// nothing and, as a trigger makes the statement use a statement journal, leaves no change even in a transaction.
/// The trigger also turns off the one-pass UPDATE and DELETE and the INSERT ... SELECT transfer, so a multi-row UPDATE
/// or DELETE visits its rows in rowid order.
/// Two value shapes are 3.40.1's own. A REAL column's new value with an integral value within ±2^47 is an "IntReal"
/// in its register and goes through the ephemeral table's record as an integer, so it prints 3, not 3.0 (every
/// computed value, typeof() included, sees the REAL). And each result column whose sqlite3ExprAffinity() is REAL gets
/// OP_RealAffinity before it is stored, where a bare column reference (the rowid too) is given the affinity of the
/// table's FIRST column, whichever column it names (the RETURNING register expression keeps the parser's iColumn 0):
/// with a REAL first column every bare column prints as a REAL (an INTEGER 2 as 2.0), with any other first column
/// none does. A unary + is no column reference: +col keeps the register, IntReal and all. FastDb models both for
/// bare columns, +col and subqueries, and refuses the expressions that pass an IntReal register through unchanged
/// (CASE, coalesce() and the like, CAST AS NUMERIC, a subquery returning the outer row's column).
/// The same iColumn 0 decides what else SQLite asks of a column reference in RETURNING: its affinity in comparisons
/// is the first column's (so RETURNING binds against a view of the table whose columns, rowid included, all have
/// it), and when the first column is NOT NULL, "col IS [NOT] NULL" is folded to 0 (1) by the resolver whatever the
/// value (modelled at the top of a result column, refused deeper, as is IN on a bare column, whose NULL test
/// sqlite3ExprCodeIN then skips).
/// </summary>
public sealed partial class Executor
{
    private sealed class BoundReturning
    {
        public required List<Expr> Output;
        /// <summary>Result columns that are a REAL column's new value (see the IntReal rule above).</summary>
        public required bool[] IntReal;
        /// <summary>Result columns that get OP_RealAffinity (integers become REALs).</summary>
        public required bool[] RealAffinity;
        public string[]? Names;
        public readonly List<SqlValue[]> Rows = [];
        public long Bytes;
    }

    /// <summary>The RETURNING of the statement running (null: none).</summary>
    private BoundReturning? _returning;

    /// <summary>The IntReal range: OP_Affinity keeps an integer within it as MEM_IntReal, beyond it makes a REAL.</summary>
    private const double IntRealMin = -140737488355328.0, IntRealMax = 140737488355327.0;

    /// <summary>Binds RETURNING once the rest of the statement is resolved (SQLite codes the trigger last). The
    /// columns are taken in order and the first error wins: t.* (whatever the qualifier) is "may not use TABLE.*",
    /// and each expression is resolved in the trigger's context, where aggregates are a misuse and result aliases
    /// are not names.
    /// <paramref name="newRow"/>: INSERT or UPDATE (the new row's registers, with the IntReal shape).
    /// <paramref name="doUpdate"/>: an upsert with DO UPDATE, whose UPDATE codes RETURNING again at each of its
    /// conflict checks, each copy with its own OP_Once: a subquery that reads no column of the row (run once per copy)
    /// is refused there.</summary>
    private void BindReturning(Table table, List<ResultColumn>? columns, bool newRow, bool doUpdate = false)
    {
        _returning = null;
        if (columns == null) return;
        var first = table.Columns.Length > 0 ? table.Columns[0] : null;
        var view = new Table
        {
            Name = table.Name,
            RowIdColumn = table.RowIdColumn,
            Columns = Array.ConvertAll(table.Columns, c => new Column { Name = c.Name, DeclaredType = c.DeclaredType, Affinity = first!.Affinity, NotNull = c.NotNull }),
        };
        view.BuildColumnIndex();
        var scope = new Scope { Host = this, Table = view, RowIdAffinity = first?.Affinity ?? Affinity.Integer, RowMayHoldJson = newRow };
        bool firstNotNull = first is { NotNull: true };
        var output = new List<Expr>();
        var intReal = new List<bool>();
        var realAffinity = new List<bool>();
        bool firstIsReal = first is { Affinity: Affinity.Real };
        foreach (var rc in columns)
        {
            if (rc.StarQualifier != null) throw new SqlParseException("RETURNING may not use \"TABLE.*\" wildcards");
            if (rc.Expression == null)
            {
                for (int c = 0; c < table.Columns.Length; c++)
                {
                    output.Add(new ColumnExpr(c, view.Columns[c].Affinity, c == table.RowIdColumn));
                    realAffinity.Add(firstIsReal);
                    intReal.Add(!firstIsReal && newRow && c != table.RowIdColumn && table.Columns[c].Affinity == Affinity.Real);
                }
                continue;
            }
            rc.Expression = FoldNullTest(Expr.BindWhole(rc.Expression, scope), firstNotNull);
            var e = rc.Expression;
            if (e is SubqueryExpr { Kind: SubqueryKind.Scalar, Query: SelectStatement { Columns: [{ Expression: OuterColumnExpr }, ..] } })
                throw new SqlParseException("FastDb does not support RETURNING a subquery whose result is a column of the changed row");
            if (doUpdate && HasUncorrelatedSubquery(e))
                throw new SqlParseException("FastDb does not support a subquery that reads no column of the row in RETURNING of an upsert with DO UPDATE");
            output.Add(e);
            // A scalar subquery's affinity is its first result column's; FastDb's (the column's own) would differ
            // from 3.40.1's for a bare column of the outer row, which is refused below.
            bool ra = e is ColumnExpr ? firstIsReal : e is SubqueryExpr { Kind: SubqueryKind.Scalar, Affinity: Affinity.Real } || e is CastExpr { Target: Affinity.Real };
            realAffinity.Add(ra);
            intReal.Add(!ra && newRow && IsRealColumn(StripPlus(e), table));
        }
        if (newRow)
            for (int i = 0; i < output.Count; i++)
                if (!intReal[i] && !realAffinity[i] && MayPassRealThrough(output[i], table, inner: false))
                    throw new SqlParseException("FastDb does not support RETURNING a REAL column's value through CASE, coalesce(), ifnull(), iif(), nullif(), min(), max(), CAST AS NUMERIC or a subquery");
        foreach (var rc in columns)
            if (rc.NameTooBig) throw new SqlParseException(EngineLimits.TooBigMessage, -1, EngineLimits.TooBigCode);
        _returning = new BoundReturning
        {
            Output = output,
            IntReal = [.. intReal],
            RealAffinity = [.. realAffinity],
            Names = Rows.NeedsNames ? ColumnNaming.Of(columns, table) : null,
        };
    }

    private static bool HasUncorrelatedSubquery(Expr e) => e switch
    {
        SubqueryExpr q => !q.Correlated || q.Children.Any(HasUncorrelatedSubquery),
        UnaryExpr u => HasUncorrelatedSubquery(u.Operand),
        BinaryExpr b => HasUncorrelatedSubquery(b.Left) || HasUncorrelatedSubquery(b.Right),
        IsNullExpr n => HasUncorrelatedSubquery(n.Operand),
        ScalarFunctionExpr f => f.Args.Any(HasUncorrelatedSubquery),
        IHasChildren h => h.Children.Any(HasUncorrelatedSubquery),
        _ => false,
    };

    private static Expr StripPlus(Expr e)
    {
        while (e is UnaryExpr { Op: UnaryOp.Plus } u) e = u.Operand;
        return e;
    }

    /// <summary>A column of the table (its own affinity, not the view's) that is REAL.</summary>
    private static bool IsRealColumn(Expr e, Table table) =>
        e is ColumnExpr { Index: >= 0, IsRowId: false } c && c.Index < table.Columns.Length && table.Columns[c.Index].Affinity == Affinity.Real;

    private static Expr StripSign(Expr e)
    {
        while (e is UnaryExpr { Op: UnaryOp.Plus or UnaryOp.Negate } u) e = u.Operand;
        return e;
    }

    /// <summary>A null test on a bare column (sqlite3ExprCanBeNull skips unary + and -), as IS NULL or IS (NULL).</summary>
    private static bool IsColumnNullTest(Expr e, out bool negated)
    {
        negated = false;
        switch (e)
        {
            case IsNullExpr n when StripSign(n.Operand) is ColumnExpr: negated = n.Negated; return true;
            case BinaryExpr { Op: BinaryOp.Is or BinaryOp.IsNot, Right: LiteralExpr { Value.IsNull: true } } b when StripSign(b.Left) is ColumnExpr:
                negated = b.Op == BinaryOp.IsNot;
                return true;
            default: return false;
        }
    }

    /// <summary>With a NOT NULL first column the resolver folds a bare column's null test to a constant (see above).</summary>
    private static Expr FoldNullTest(Expr e, bool firstNotNull)
    {
        if (!firstNotNull) return e;
        if (IsColumnNullTest(e, out bool negated)) return new LiteralExpr(SqlValue.FromBool(negated)) { Offset = e.Offset };
        if (HasColumnNullTest(e))
            throw new SqlParseException("FastDb does not support a null test or IN on a column inside a RETURNING expression when the table's first column is NOT NULL");
        return e;

        static bool HasColumnNullTest(Expr e) => e switch
        {
            _ when IsColumnNullTest(e, out _) => true,
            InListExpr l when StripSign(l.Operand) is ColumnExpr => true,
            SubqueryExpr { Kind: SubqueryKind.In, Left: { } left } when StripSign(left) is ColumnExpr => true,
            UnaryExpr u => HasColumnNullTest(u.Operand),
            BinaryExpr b => HasColumnNullTest(b.Left) || HasColumnNullTest(b.Right),
            IsNullExpr n => HasColumnNullTest(n.Operand),
            ScalarFunctionExpr f => f.Args.Any(HasColumnNullTest),
            IHasChildren h => h.Children.Any(HasColumnNullTest),
            _ => false,
        };
    }

    /// <summary>Could the value be a REAL column's register copied unchanged (so an IntReal)? Inside a subquery
    /// (<paramref name="inner"/>) its own table's columns are read from the record, as REALs; only the outer row counts.</summary>
    private static bool MayPassRealThrough(Expr e, Table table, bool inner) => e switch
    {
        ColumnExpr c => !inner && IsRealColumn(c, table),
        OuterColumnExpr o => o.Column.Affinity == Affinity.Real || IsRealColumn(o.Column, table),
        UnaryExpr { Op: UnaryOp.Plus } u => MayPassRealThrough(u.Operand, table, inner),
        CaseExpr c => c.Arms.Exists(a => MayPassRealThrough(a.Then, table, inner)) || (c.Else != null && MayPassRealThrough(c.Else, table, inner)),
        ScalarFunctionExpr { Function: ScalarFunction.Coalesce or ScalarFunction.IfNull or ScalarFunction.NullIf or ScalarFunction.Iif
            or ScalarFunction.Max or ScalarFunction.Min } f => f.Args.Any(a => MayPassRealThrough(a, table, inner)),
        CastExpr { Target: Affinity.Numeric } c => MayPassRealThrough(c.Operand, table, inner),
        AggregateExpr { IsMinMax: true, Argument: { } a } => MayPassRealThrough(a, table, inner),
        SubqueryExpr { Kind: SubqueryKind.Scalar } q => q.Correlated && (q.Query is not SelectStatement s
            || s.Columns.Count == 0 || s.Columns[0].Expression is not { } first || MayPassRealThrough(first, table, inner: true)),
        _ => false,
    };

    /// <summary>The trigger body for one row just inserted, updated or deleted: its RETURNING values, kept.</summary>
    private void Return(Row row)
    {
        var r = _returning;
        if (r == null) return;
        var (values, rowId) = (_context.Values, _context.RowId);
        _context.Values = row.Values;
        _context.RowId = row.RowId;
        try
        {
            var result = new SqlValue[r.Output.Count];
            for (int i = 0; i < result.Length; i++)
            {
                var v = r.Output[i].Eval(_context);
                if (r.RealAffinity[i] && v.Type == SqlType.Integer) v = SqlValue.FromReal(v.Integer);
                else if (r.IntReal[i] && v.Type == SqlType.Real && Math.Floor(v.Real) == v.Real && v.Real >= IntRealMin && v.Real <= IntRealMax)
                    v = SqlValue.FromInteger((long)v.Real);
                result[i] = v;
            }
            Hold(ref r.Bytes, StorageSize.OfRow(result));
            r.Rows.Add(result);
        }
        finally { (_context.Values, _context.RowId) = (values, rowId); }
    }

    /// <summary>The statement ran to its end: the ephemeral table's rows are output, in the order they were kept.</summary>
    private void OutputReturning(StringBuilder stdout)
    {
        var r = _returning;
        _returning = null;
        if (r == null) return;
        Rows.Begin(r.Names);
        foreach (var row in r.Rows) Rows.Row(row, stdout);
    }
}
