using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Execution;

/// <summary>Which order SQLite's planner visits rows in. Equality on the rowid or a UNIQUE column yields at most one
/// row, so order only changes when a range (&lt; &lt;= &gt; &gt;=) on a UNIQUE/PRIMARY KEY column drives the scan:
/// rows then come in that column's order. A rowid range keeps rowid order.</summary>
public static class ScanPlanner
{
    /// <summary>The column whose index order the scan follows, or -1 for rowid order.</summary>
    public static int IndexOrderColumn(Table table, Expr? where)
    {
        if (where == null || table.Indexes.Count == 0) return -1;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        int best = -1, bestScore = 0;
        foreach (var term in terms)
        {
            if (term is not BinaryExpr b) continue;
            bool isEquality = b.Op is BinaryOp.Equal or BinaryOp.Is;
            bool isRange = b.Op is BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual;
            if (!isEquality && !isRange) continue;
            ColumnExpr? col = b.Left as ColumnExpr ?? b.Right as ColumnExpr;
            Expr other = ReferenceEquals(col, b.Left) ? b.Right : b.Left;
            if (col == null || !other.IsConstant) continue;
            if (col.IsRowId || col.Index < 0)
            {
                if (isEquality) return -1; // rowid lookup wins
                continue;
            }
            if (table.IndexOn(col.Index) == null) continue;
            if (isEquality) return -1;     // one row at most
            int score = 1;
            foreach (var t2 in terms)
                if (t2 != term && t2 is BinaryExpr b2 && (b2.Left is ColumnExpr l && l.Index == col.Index || b2.Right is ColumnExpr r && r.Index == col.Index)) score++;
            if (score > bestScore) { bestScore = score; best = col.Index; }
        }
        // A rowid range is preferred over an index range.
        foreach (var term in terms)
            if (term is BinaryExpr b && b.Op is BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual
                && ((b.Left is ColumnExpr { IsRowId: true } && b.Right.IsConstant) || (b.Right is ColumnExpr { IsRowId: true } && b.Left.IsConstant)))
                return -1;
        return best;
    }

    private static void SplitAnd(Expr e, List<Expr> into)
    {
        if (e is BinaryExpr { Op: BinaryOp.And } a) { SplitAnd(a.Left, into); SplitAnd(a.Right, into); }
        else into.Add(e);
    }
}
