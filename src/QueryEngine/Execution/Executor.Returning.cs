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
/// One value shape is SQLite's own: a REAL column's new value with an integral value within ±2^47 is an "IntReal"
/// in its register and goes through the ephemeral table's record as an integer, so a bare column prints 3, not 3.0
/// (every computed value, typeof() included, sees the REAL). FastDb models that for a bare column and refuses the
/// expressions that pass such a register through unchanged (CASE, coalesce() and the like, a subquery).
/// </summary>
public sealed partial class Executor
{
    private sealed class BoundReturning
    {
        public required List<Expr> Output;
        /// <summary>Result columns that are a REAL column's new value (see the IntReal rule above).</summary>
        public required bool[] IntReal;
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
    /// <paramref name="newRow"/>: INSERT or UPDATE (the new row's registers, with the IntReal shape).</summary>
    private void BindReturning(Table table, List<ResultColumn>? columns, bool newRow)
    {
        _returning = null;
        if (columns == null) return;
        var scope = new Scope { Host = this, Table = table };
        var output = new List<Expr>();
        var intReal = new List<bool>();
        foreach (var rc in columns)
        {
            if (rc.StarQualifier != null) throw new SqlParseException("RETURNING may not use \"TABLE.*\" wildcards");
            if (rc.Expression == null)
            {
                for (int c = 0; c < table.Columns.Length; c++)
                {
                    output.Add(new ColumnExpr(c, table.Columns[c].Affinity, c == table.RowIdColumn));
                    intReal.Add(newRow && c != table.RowIdColumn && table.Columns[c].Affinity == Affinity.Real);
                }
                continue;
            }
            rc.Expression = Expr.BindWhole(rc.Expression, scope);
            output.Add(rc.Expression);
            intReal.Add(newRow && IsRealColumn(StripPlus(rc.Expression)));
        }
        if (newRow)
            for (int i = 0; i < output.Count; i++)
                if (!intReal[i] && MayPassRealThrough(output[i], inner: false))
                    throw new SqlParseException("FastDb does not support RETURNING a REAL column's value through CASE, coalesce(), ifnull(), iif(), nullif(), min(), max(), CAST AS NUMERIC or a subquery");
        foreach (var rc in columns)
            if (rc.NameTooBig) throw new SqlParseException(EngineLimits.TooBigMessage, -1, EngineLimits.TooBigCode);
        _returning = new BoundReturning
        {
            Output = output,
            IntReal = [.. intReal],
            Names = Rows.NeedsNames ? ColumnNaming.Of(columns, table) : null,
        };
    }

    private static Expr StripPlus(Expr e)
    {
        while (e is UnaryExpr { Op: UnaryOp.Plus } u) e = u.Operand;
        return e;
    }

    private static bool IsRealColumn(Expr e) => e is ColumnExpr { Index: >= 0, IsRowId: false, Affinity: Affinity.Real };

    /// <summary>Could the value be a REAL column's register copied unchanged (so an IntReal)? Inside a subquery
    /// (<paramref name="inner"/>) its own table's columns are read from the record, as REALs; only the outer row counts.</summary>
    private static bool MayPassRealThrough(Expr e, bool inner) => e switch
    {
        ColumnExpr c => !inner && IsRealColumn(c),
        OuterColumnExpr o => o.Column.Affinity == Affinity.Real,
        UnaryExpr { Op: UnaryOp.Plus } u => MayPassRealThrough(u.Operand, inner),
        CaseExpr c => c.Arms.Exists(a => MayPassRealThrough(a.Then, inner)) || (c.Else != null && MayPassRealThrough(c.Else, inner)),
        ScalarFunctionExpr { Function: ScalarFunction.Coalesce or ScalarFunction.IfNull or ScalarFunction.NullIf or ScalarFunction.Iif
            or ScalarFunction.Max or ScalarFunction.Min } f => f.Args.Any(a => MayPassRealThrough(a, inner)),
        CastExpr { Target: Affinity.Numeric } c => MayPassRealThrough(c.Operand, inner),
        AggregateExpr { IsMinMax: true, Argument: { } a } => MayPassRealThrough(a, inner),
        SubqueryExpr { Kind: SubqueryKind.Scalar } q => q.Correlated && (q.Query is not SelectStatement s
            || s.Columns.Count == 0 || s.Columns[0].Expression is not { } first || MayPassRealThrough(first, inner: true)),
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
                if (r.IntReal[i] && v.Type == SqlType.Real && Math.Floor(v.Real) == v.Real && v.Real >= IntRealMin && v.Real <= IntRealMax)
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
