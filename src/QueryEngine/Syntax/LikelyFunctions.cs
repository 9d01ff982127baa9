// Contract: likely(X), unlikely(X) and likelihood(X, P) as sqlite3 3.40.1 has them. They are planner hints: the
// value is X itself (SQLite codes the argument in place of the call, so X's register, JSON subtype included, is the
// result, and the call has no affinity of its own). P must be a floating-point literal between 0.0 and 1.0
// (resolve.c's exprProbability), else a Parse error at the call. Where SQLite's planner sees through them
// (sqlite3ExprSkipCollateAndLikely in where.c, the truth probability they give a WHERE term), FastDb cannot show it
// plans the same, so those uses are refused by name (RefuseWherePlanned).
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>A bound likely(), unlikely() or likelihood(): evaluates to its first argument.</summary>
public sealed class LikelyExpr(string name, Expr argument, int height) : Expr, IHasChildren
{
    /// <summary>The function's name as written (refusals quote it).</summary>
    public readonly string Name = name;
    public readonly Expr Argument = argument;
    public override int Height => height;
    public override bool IsConstant => Argument.IsConstant;
    public IEnumerable<Expr> Children => [Argument];
    public override Expr Bind(Scope scope) => this;
    public override SqlValue Eval(RowContext row) => Argument.Eval(row);

    public static bool IsLikelyName(string lower) => lower is "likely" or "unlikely" or "likelihood";

    /// <summary>resolve.c: likelihood's second argument must be a TK_FLOAT token whose value is at most 1.0. A
    /// negative number is a unary minus, an integer (0, 1) or a string is another token, and a parenthesized literal
    /// is the literal itself. A real literal that came from an integer token (past 64 bits) is above 1.0 anyway.</summary>
    public static bool IsProbability(Expr p) =>
        p is LiteralExpr { Value.Type: SqlType.Real } lit && !lit.IsTwoToThe63 && lit.Value.Real is >= 0.0 and <= 1.0;

    public static SqlParseException ProbabilityError(string name, int offset) =>
        new("second argument to " + name + "() must be a constant between 0.0 and 1.0", offset);

    /// <summary>
    /// Refuses a likely-family call in a clause SQLite's planner reads (WHERE, ON, ORDER BY, GROUP BY, DISTINCT, the argument
    /// of a min()/max() aggregate, which min/max optimization turns into an ORDER BY) wherever a plan choice could
    /// depend on it: where.c splits and indexes the term inside the call and weighs the rest by the given
    /// probability, which changes row order (an index walk instead of a scan) or the join order. FastDb follows
    /// neither, so it answers only where there is no choice: one table without any index, not a FROM subquery (it
    /// may be flattened onto an indexed table), with the call not around the rowid (a rowid lookup would skip rows,
    /// and their errors).
    /// </summary>
    public static void RefuseWherePlanned(Storage.Table? table, bool join, IEnumerable<Expr?> plannedClauses, IEnumerable<Expr> aggregateHolders)
    {
        // Without FROM there is no plan to choose (table is null).
        bool anyChoice = join || (table != null && (table.IsSubquery || table.Indexes.Count > 0));
        foreach (var clause in plannedClauses) if (clause != null) Walk(clause, planned: true);
        foreach (var e in aggregateHolders) Walk(e, planned: false);

        void Walk(Expr e, bool planned)
        {
            if (e is LikelyExpr l && planned && (anyChoice || ReadsRowId(l.Argument)))
                throw new SqlParseException("FastDb does not support " + l.Name + "() in WHERE, ON, ORDER BY, GROUP BY, DISTINCT or min()/max() over an index, a join or a FROM subquery, or around the rowid, yet (SQLite's planner sees through it)");
            if (e is AggregateExpr { IsMinMax: true, Argument: { } a }) { Walk(a, true); return; }
            foreach (var child in OperandsOf(e)) Walk(child, planned);
        }
    }

    private static bool ReadsRowId(Expr e) => e is ColumnExpr c ? c.IsRowId || c.Index < 0 : OperandsOf(e).Any(ReadsRowId);
}
