using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

// Subqueries as expressions (scalar, EXISTS, IN) and compound SELECT statements. A subquery is bound when the
// expression holding it is bound (SQLite resolves names of nested queries during the enclosing resolve) and run by
// the executor through ISubqueryHost; names the subquery does not find in its own FROM bind to the enclosing
// queries' rows (correlation) as OuterColumnExpr.

public enum CompoundOp : byte { Union, UnionAll, Intersect, Except }

/// <summary>SELECT ... UNION [ALL] | INTERSECT | EXCEPT SELECT ...: Ops[i] joins Selects[i] and Selects[i+1], left
/// to right; ORDER BY / LIMIT / OFFSET written after the last SELECT belong to the whole compound.</summary>
public sealed class CompoundSelectStatement : QueryStatement
{
    public List<SelectStatement> Selects = [];
    public List<CompoundOp> Ops = [];
    public List<OrderTerm> OrderBy = [];
    public Expr? Limit;
    public Expr? Offset;

    public static string OpName(CompoundOp op) => op switch
    {
        CompoundOp.Union => "UNION",
        CompoundOp.UnionAll => "UNION ALL",
        CompoundOp.Intersect => "INTERSECT",
        _ => "EXCEPT",
    };
}

/// <summary>What binds and runs subqueries: the executor.</summary>
public interface ISubqueryHost
{
    /// <summary>Binds the query (its names may reach the enclosing scopes through <paramref name="outer"/>) and
    /// returns its result column count and the affinity of its first column.</summary>
    (int Columns, Affinity FirstAffinity) Prepare(QueryStatement query, OuterLink outer);

    /// <summary>Runs a prepared query; at most <paramref name="maxRows"/> rows when it is not negative.</summary>
    List<SqlValue[]> Run(QueryStatement query, long maxRows);
}

/// <summary>The enclosing query's current row, captured each time the subquery runs.</summary>
public sealed class OuterRow
{
    public SqlValue[]? Values;
    public long RowId;
}

/// <summary>From a subquery's scope to the scope that encloses it.</summary>
public sealed class OuterLink
{
    public required Scope Scope;
    public required OuterRow Row;
    public required SubqueryExpr Owner;
}

/// <summary>A column of an enclosing query, read from the row that query was on when the subquery started.</summary>
public sealed class OuterColumnExpr(OuterRow row, ColumnExpr column) : Expr
{
    public readonly OuterRow Row = row;
    public readonly ColumnExpr Column = column;
    public override Affinity Affinity => Column.Affinity;
    public override Expr Bind(Scope scope) => this;
    public override SqlValue Eval(RowContext row)
    {
        if (Row.Values == null) return SqlValue.Null;
        return Column.Index < 0 ? SqlValue.FromInteger(Row.RowId) : Row.Values[Column.Index];
    }
}

public enum SubqueryKind : byte { Scalar, Exists, In }

/// <summary>(SELECT ...), EXISTS (SELECT ...), or x [NOT] IN (SELECT ...).</summary>
public sealed class SubqueryExpr(SubqueryKind kind, QueryStatement query, Expr? left, bool negated) : Expr, IHasChildren
{
    public readonly SubqueryKind Kind = kind;
    public readonly QueryStatement Query = query;
    public Expr? Left = left;
    public readonly bool Negated = negated;
    private ISubqueryHost? _host;
    private readonly OuterRow _row = new();
    private Affinity _firstAffinity;
    /// <summary>Columns of the immediately enclosing query the subquery reads: that query depends on them.</summary>
    public readonly List<ColumnExpr> EnclosingColumns = [];
    /// <summary>It reads a column of some enclosing query (SQLite's EP_VarSelect: no OP_Once caching).</summary>
    public bool Correlated;
    private bool _cached;
    private SqlValue _scalar;
    private HashSet<SqlValue>? _set;
    private bool _setHasNull;

    public override int Height => (Left?.Height ?? 0) + 1;
    public override Affinity Affinity => Kind == SubqueryKind.Scalar ? _firstAffinity : Affinity.None;

    public IEnumerable<Expr> Children
    {
        get
        {
            if (Left != null) yield return Left;
            foreach (var c in EnclosingColumns) yield return c;
        }
    }

    /// <summary>Records a reference to a column <paramref name="levels"/> queries out from this subquery's own.</summary>
    internal void ReadsOuter(ColumnExpr column, int levels)
    {
        Correlated = true;
        if (levels == 1) EnclosingColumns.Add(column);
    }

    public override Expr Bind(Scope scope)
    {
        if (_host != null) return this;
        // SQLite resolves the subquery, then the left operand of IN.
        var host = scope.Host ?? throw new SqlParseException("FastDb does not support subqueries here");
        var (columns, affinity) = host.Prepare(Query, new OuterLink { Scope = scope, Row = _row, Owner = this });
        if (Kind != SubqueryKind.Exists && columns != 1)
            throw new SqlParseException($"sub-select returns {columns} columns - expected 1");
        // Then resolve.c's common exit: an error kept from before aborts the walk before the left operand.
        scope.AbortIfFailed();
        if (Left != null) Left = Left.Bind(scope);
        _firstAffinity = affinity;
        _host = host;
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        var host = _host ?? throw new InvalidOperationException("unbound subquery");
        SqlValue lhs = Left == null ? SqlValue.Null : Left.Eval(row);
        if (!_cached || Correlated)
        {
            _row.Values = row.Values;
            _row.RowId = row.RowId;
            var saved = (row.Values, row.RowId);
            try { Load(host); }
            finally { (row.Values, row.RowId) = saved; }
            _cached = true;
        }
        switch (Kind)
        {
            case SubqueryKind.Scalar: return _scalar;
            case SubqueryKind.Exists: return SqlValue.FromBool(_scalar.Type == SqlType.Integer ^ Negated);
        }
        // x IN (rows): NULL when x is NULL or no row matches but one is NULL; an empty subquery gives false.
        if (_set!.Count == 0 && !_setHasNull) return SqlValue.FromBool(Negated);
        if (lhs.IsNull) return SqlValue.Null;
        var affinity = AffinityRules.ForComparison(Left!.Affinity, _firstAffinity);
        if (_set.Contains(AffinityRules.ForCompare(affinity, lhs))) return SqlValue.FromBool(!Negated);
        if (_setHasNull) return SqlValue.Null;
        return SqlValue.FromBool(Negated);
    }

    private void Load(ISubqueryHost host)
    {
        switch (Kind)
        {
            case SubqueryKind.Scalar:
            {
                var rows = host.Run(Query, 1);
                _scalar = rows.Count == 0 ? SqlValue.Null : rows[0][0];
                break;
            }
            case SubqueryKind.Exists:
                _scalar = host.Run(Query, 1).Count > 0 ? SqlValue.FromInteger(1) : SqlValue.Null;
                break;
            default:
            {
                var rows = host.Run(Query, -1);
                var affinity = AffinityRules.ForComparison(Left!.Affinity, _firstAffinity);
                _set = new HashSet<SqlValue>(Storage.KeyComparer.Instance);
                _setHasNull = false;
                foreach (var r in rows)
                {
                    if (r[0].IsNull) { _setHasNull = true; continue; }
                    _set.Add(AffinityRules.ForCompare(affinity, r[0]));
                }
                break;
            }
        }
    }

    /// <summary>Does not change while one scan of the enclosing query runs (no column of it is read), so SQLite's
    /// planner may use it like a constant to drive an index.</summary>
    public bool InvariantForEnclosingScan => EnclosingColumns.Count == 0 && (Left == null || ScanInvariance.Holds(Left));
}

/// <summary>Expressions the planner treats as constants for one scan: constants, columns of enclosing queries, and
/// subqueries that read no column of the query being scanned.</summary>
public static class ScanInvariance
{
    public static bool Holds(Expr e) => e switch
    {
        _ when e.IsConstant => true,
        OuterColumnExpr => true,
        SubqueryExpr s => s.InvariantForEnclosingScan,
        UnaryExpr u => Holds(u.Operand),
        BinaryExpr b => Holds(b.Left) && Holds(b.Right),
        IsNullExpr n => Holds(n.Operand),
        CastExpr c => Holds(c.Operand),
        _ => false,
    };
}
