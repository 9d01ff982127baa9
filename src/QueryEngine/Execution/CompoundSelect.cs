using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// Compound SELECT as SQLite's multiSelect and multiSelectOrderBy run it. Without ORDER BY: UNION ALL appends; UNION,
// EXCEPT and INTERSECT go through an ephemeral index keyed by the whole row, so their result comes out sorted by all
// columns, and of two rows that compare equal (1 and 1.0) the one written last stays (INTERSECT keeps its left
// side's). With ORDER BY: every SELECT is sorted by the ORDER BY terms (for UNION, EXCEPT and INTERSECT followed by
// all other columns) and the sorted streams are merged pairwise, left to right; a merged row equal to the one
// output before it is dropped, and on equal keys UNION keeps the right side's row, the others the left side's.
public sealed partial class Executor
{
    /// <summary>One key of a compound's ORDER BY: a result column (0-based), its direction and where its NULLs go.</summary>
    private readonly record struct CompoundKey(int Column, bool Desc, bool? NullsFirst);

    private sealed record PreparedCompound(CompoundSelectStatement Statement, List<PreparedSelect> Cores,
        List<CompoundKey> Order, List<CompoundKey>[] CoreKeys, Expr? Limit, Expr? Offset);

    private void CompoundSelect(CompoundSelectStatement c, StringBuilder stdout)
    {
        CheckQueryTables(c);
        var prepared = PrepareCompound(c);
        c.Prepared = prepared;
        foreach (var rc in c.Selects[0].Columns)
            if (rc.NameTooBig) throw new SqlParseException(EngineLimits.TooBigMessage, -1, EngineLimits.TooBigCode);
        var leftmost = prepared.Cores[0];
        Rows.Begin(Rows.NeedsNames ? ColumnNaming.Of(leftmost.Named, leftmost.Table) : null);
        RunCompound(prepared, stdout);
    }

    /// <summary>SQLite's order: each SELECT's names right to left, each pair's column counts once both are, then the
    /// ORDER BY terms (numbers first, then names and aliases, trying each SELECT from the left).</summary>
    private PreparedCompound PrepareCompound(CompoundSelectStatement c)
    {
        var limit = c.Limit?.Bind(new Scope { Connection = this });
        var offset = c.Offset?.Bind(new Scope { Connection = this });
        var cores = new PreparedSelect[c.Selects.Count];
        for (int i = cores.Length - 1; i >= 0; i--)
        {
            cores[i] = PrepareSelect(c.Selects[i]);
            // Checked as soon as both sides are resolved: nosuch UNION SELECT 2 UNION SELECT 3, 4 is a column count
            // error, nosuch UNION SELECT 2, 3 a name error.
            if (i + 1 < cores.Length && cores[i].Output.Count != cores[i + 1].Output.Count)
                throw new SqlParseException(c.Selects[i + 1].Values ? "all VALUES must have the same number of terms"
                    : "SELECTs to the left and right of " + CompoundSelectStatement.OpName(c.Ops[i]) + " do not have the same number of result columns");
        }
        var order = ResolveCompoundOrderBy(c, cores);
        var coreKeys = new List<CompoundKey>[cores.Length];
        if (order.Count > 0)
        {
            // Each SELECT runs with the ORDER BY of the merge it feeds: the keys, extended by the other columns
            // below a UNION, EXCEPT or INTERSECT.
            var keys = order;
            for (int m = cores.Length - 1; m >= 0; m--)
            {
                if (m > 0 && c.Ops[m - 1] != CompoundOp.UnionAll) keys = Extend(keys, cores[m].Output.Count);
                coreKeys[m] = keys;
                var core = cores[m];
                var coreOrder = keys.ConvertAll(k => new OrderKey(core.Output[k.Column], k.Desc, k.NullsFirst));
                cores[m] = core with { Order = coreOrder, DistinctIndex = -1 };
            }
        }
        return new PreparedCompound(c, [.. cores], order, coreKeys, limit, offset);
    }

    private static List<CompoundKey> Extend(List<CompoundKey> keys, int columns)
    {
        var extended = new List<CompoundKey>(keys);
        for (int i = 0; i < columns; i++)
            if (!keys.Exists(k => k.Column == i)) extended.Add(new CompoundKey(i, false, null));
        return extended;
    }

    private List<CompoundKey> ResolveCompoundOrderBy(CompoundSelectStatement c, PreparedSelect[] cores)
    {
        int n = cores[0].Output.Count;
        var columns = new int[c.OrderBy.Count];
        Array.Fill(columns, -1);
        for (int i = 0; i < columns.Length; i++)
        {
            // resolveCompoundOrderBy: any integer term outside the columns, with a caret.
            if (IntegerTerm(c.OrderBy[i].Expression) is not { } k) continue;
            if (k < 1 || k > n)
                throw new SqlParseException($"{Ordinal(i + 1)} ORDER BY term out of range - should be between 1 and {n}", TermOffset(c.OrderBy[i].Expression));
            columns[i] = (int)k - 1;
        }
        foreach (var core in cores)
        {
            for (int i = 0; i < columns.Length; i++)
            {
                if (columns[i] >= 0) continue;
                var term = c.OrderBy[i].Expression;
                if (term is NameExpr { Qualifier: null } alias)
                {
                    int a = core.S.Columns.FindIndex(rc => rc.Alias != null && string.Equals(rc.Alias, alias.Name, StringComparison.OrdinalIgnoreCase));
                    if (a >= 0 && a < n) { columns[i] = a; continue; }
                }
                // resolveOrderByTermToExprList: the term resolved against this SELECT (a failure is no match),
                // compared with each result column.
                Expr? bound = null;
                var copy = UnboundCopy(term)
                    ?? throw new SqlParseException("FastDb does not support this kind of compound SELECT ORDER BY term");
                try
                {
                    bound = Expr.BindWhole(copy, new Scope
                    {
                        Host = this, Outer = _outer, Table = core.Table, Sources = core.Join?.Sources, TableAlias = core.S.FromAlias, AllowAggregates = true,
                    });
                }
                catch (SqlParseException e) when (!e.Message.StartsWith("FastDb", StringComparison.Ordinal)) { }
                if (bound == null) continue;
                for (int o = 0; o < core.Output.Count; o++)
                    if (ExprEquality.Same(bound, core.Output[o])) { columns[i] = o; break; }
            }
        }
        for (int i = 0; i < columns.Length; i++)
            if (columns[i] < 0) throw new SqlParseException($"{Ordinal(i + 1)} ORDER BY term does not match any column in the result set");
        var keys = new List<CompoundKey>();
        for (int i = 0; i < columns.Length; i++) keys.Add(new CompoundKey(columns[i], c.OrderBy[i].Descending, c.OrderBy[i].NullsFirst));
        return keys;
    }

    /// <summary>A fresh copy of an unbound expression (binding rewrites a tree in place); null for node kinds a
    /// compound's ORDER BY term is not copied for.</summary>
    private static Expr? UnboundCopy(Expr e)
    {
        switch (e)
        {
            case NameExpr n: return new NameExpr(n.Name, n.Qualifier, n.DoubleQuoted) { Offset = n.Offset };
            case LiteralExpr: return e;
            case UnaryExpr u: return UnboundCopy(u.Operand) is { } o ? new UnaryExpr(u.Op, o) { Offset = u.Offset } : null;
            case BinaryExpr b:
                return UnboundCopy(b.Left) is { } l && UnboundCopy(b.Right) is { } r ? new BinaryExpr(b.Op, l, r) { Offset = b.Offset } : null;
            case IsNullExpr n: return UnboundCopy(n.Operand) is { } operand ? new IsNullExpr(operand, n.Negated) { Offset = n.Offset } : null;
            case FunctionCallExpr f:
                var args = new List<Expr>();
                foreach (var a in f.Args) { if (UnboundCopy(a) is not { } copy) return null; args.Add(copy); }
                return new FunctionCallExpr(f.Name, args, f.Star, f.Distinct, -1);
            default: return null;
        }
    }

    /// <summary>sqlite3ExprIsInteger on a term: an integer literal that fits in 32 bits (EP_IntValue), under any
    /// number of unary + and -. <c>ORDER BY - -1</c> is column 1; <c>ORDER BY 4294967296</c> is a constant.</summary>
    private static long? IntegerTerm(Expr e) => e switch
    {
        // A negative one is a minus the parser folded into its literal.
        LiteralExpr { Value.Type: SqlType.Integer, Value.Integer: >= -int.MaxValue and <= int.MaxValue } l => l.Value.Integer,
        UnaryExpr { Op: UnaryOp.Plus } u => IntegerTerm(u.Operand),
        UnaryExpr { Op: UnaryOp.Negate } u => -IntegerTerm(u.Operand),
        _ => null,
    };

    /// <summary>sqlite3RecordErrorOffsetOfExpr: a unary operator records no offset, so the caret goes to its operand.</summary>
    private static int TermOffset(Expr e)
    {
        while (e is UnaryExpr u && u.Operand.Offset >= 0) e = u.Operand;
        return e.Offset;
    }

    /// <summary>resolveOrderGroupBy's checks of an integer term, in its order: outside 1..65535 while the terms
    /// are resolved (with a caret), beyond the result columns only once all are (<see cref="CheckTermsInRange"/>,
    /// without one): <c>ORDER BY 5, nosuch</c> reports nosuch.</summary>
    private static int? ColumnTerm(Expr e, int i, string clause, int columns)
    {
        if (IntegerTerm(e) is not { } k) return null;
        if (k < 1 || k > 0xffff)
            throw new SqlParseException($"{Ordinal(i + 1)} {clause} BY term out of range - should be between 1 and {columns}", TermOffset(e));
        return (int)k;
    }

    private static void CheckTermsInRange(int[] terms, string clause, int columns)
    {
        for (int i = 0; i < terms.Length; i++)
            if (terms[i] > columns)
                throw new SqlParseException($"{Ordinal(i + 1)} {clause} BY term out of range - should be between 1 and {columns}");
    }

    private void RunCompound(PreparedCompound p, StringBuilder stdout)
    {
        long cap = _rowCap;
        _rowCap = -1;
        _context.Values = null;
        long limitCount = p.Limit == null ? -1 : cap >= 0 ? CappedLimit(p.Limit) : MustBeInteger(p.Limit.Eval(_context));
        long offsetCount = p.Offset == null ? 0 : MustBeInteger(p.Offset.Eval(_context));
        if (offsetCount < 0) offsetCount = 0;
        if (cap >= 0 && (limitCount < 0 || limitCount > cap)) limitCount = cap;

        var ops = p.Statement.Ops;
        var rows = RunCore(p.Cores[0]);
        for (int m = 1; m < p.Cores.Count; m++)
        {
            var right = RunCore(p.Cores[m]);
            rows = p.Order.Count > 0
                ? Merge(ops[m - 1], rows, right, p.CoreKeys[m])
                : Combine(ops[m - 1], rows, right);
        }
        long skipped = 0, emitted = 0;
        foreach (var row in rows)
        {
            if (limitCount >= 0 && emitted >= limitCount) break;
            if (skipped < offsetCount) { skipped++; continue; }
            Rows.Row(row, stdout);
            emitted++;
        }
    }

    /// <summary>A scalar or EXISTS subquery's own LIMIT X becomes LIMIT (X&lt;&gt;0): one row or none.</summary>
    private long CappedLimit(Expr limit)
    {
        var eq = Comparisons.Compare(BinaryOp.Equal, limit.Eval(_context), limit.Affinity, SqlValue.FromInteger(0), Affinity.Numeric);
        return MustBeInteger(eq.IsNull ? eq : SqlValue.FromInteger(eq.Integer == 0 ? 1 : 0));
    }

    /// <summary>One SELECT of the compound, its rows collected (sorted when it has the compound's keys).</summary>
    private List<SqlValue[]> RunCore(PreparedSelect core)
    {
        var (savedRows, savedBuffer) = (Rows, _rowValues);
        var sink = new CollectingRowOutput();
        Rows = sink;
        _rowValues = [];
        try { RunSelect(core, new StringBuilder()); }
        finally { (Rows, _rowValues) = (savedRows, savedBuffer); }
        return sink.Collected;
    }

    /// <summary>Without ORDER BY: append, or the ephemeral index of whole rows (the last write of equal rows wins).</summary>
    private static List<SqlValue[]> Combine(CompoundOp op, List<SqlValue[]> left, List<SqlValue[]> right)
    {
        if (op == CompoundOp.UnionAll) { left.AddRange(right); return left; }
        var index = new Dictionary<SqlValue[], SqlValue[]>(DistinctRowComparer.Instance);
        foreach (var r in left) index[r] = r;
        switch (op)
        {
            case CompoundOp.Union:
                foreach (var r in right) { index.Remove(r); index[r] = r; }
                break;
            case CompoundOp.Except:
                foreach (var r in right) index.Remove(r);
                break;
            default:
                var present = new HashSet<SqlValue[]>(right, DistinctRowComparer.Instance);
                foreach (var r in left) if (!present.Contains(r)) index.Remove(r);
                break;
        }
        var result = index.Values.ToList();
        result.Sort(CompareRows);
        return result;
    }

    /// <summary>With ORDER BY: merges two streams sorted by <paramref name="keys"/> (multiSelectOrderBy).</summary>
    private static List<SqlValue[]> Merge(CompoundOp op, List<SqlValue[]> a, List<SqlValue[]> b, List<CompoundKey> keys)
    {
        var order = keys.ConvertAll(k => new OrderKey(null!, k.Desc, k.NullsFirst));
        int Compare(SqlValue[] x, SqlValue[] y)
        {
            for (int i = 0; i < keys.Count; i++)
            {
                int c = CompareForOrder(x[keys[i].Column], y[keys[i].Column], order[i]);
                if (c != 0) return c;
            }
            return 0;
        }
        var result = new List<SqlValue[]>(a.Count + b.Count);
        SqlValue[]? previous = null;
        void Out(SqlValue[] row)
        {
            if (op != CompoundOp.UnionAll && previous != null && Compare(previous, row) == 0) return;
            result.Add(row);
            previous = row;
        }
        int ia = 0, ib = 0;
        while (ia < a.Count && ib < b.Count)
        {
            int c = Compare(a[ia], b[ib]);
            switch (op)
            {
                case CompoundOp.UnionAll: if (c <= 0) Out(a[ia++]); else Out(b[ib++]); break;
                case CompoundOp.Union: if (c < 0) Out(a[ia++]); else if (c == 0) ia++; else Out(b[ib++]); break;
                case CompoundOp.Except: if (c < 0) Out(a[ia++]); else if (c == 0) ia++; else ib++; break;
                default: if (c < 0) ia++; else if (c == 0) Out(a[ia++]); else ib++; break;
            }
        }
        if (op is CompoundOp.UnionAll or CompoundOp.Union or CompoundOp.Except) while (ia < a.Count) Out(a[ia++]);
        if (op is CompoundOp.UnionAll or CompoundOp.Union) while (ib < b.Count) Out(b[ib++]);
        return result;
    }
}
