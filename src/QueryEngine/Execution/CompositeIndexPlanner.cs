using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>
/// Multi-column and descending indexes (<see cref="UniqueIndex.KeyPlanned"/>) in the plan of a statement over one
/// table, as where.c 3.40.1 plans them without ANALYZE. Contract: the other planners (ScanPlanner, JoinPlanner, the
/// GROUP BY and DISTINCT walks) know ascending one-column indexes only; this one runs first and says, for a table
/// that has such an index, either
/// <list type="bullet">
/// <item>that no such index can be in SQLite's plan (null): none of its columns lead a WHERE term, an ORDER BY,
/// GROUP BY or DISTINCT term, or a min()/max()/DISTINCT aggregate, and it does not cover the columns read (or is
/// not narrower than the table: whereLoopAddBtree's CoverIdxScan and indexMightHelpWithOrderBy are then false), so
/// the other planners answer unchanged;</item>
/// <item>or the one plan FastDb models (<see cref="CompositeScan"/>): that index walked over the rows whose first
/// key columns equal constants ("a = 1 AND b = 2", IS, IS NULL) and whose next one is in a range, in index order
/// (the key columns, then rowid; a DESC index from its largest key down), forward, or backward for an ORDER BY of
/// its next columns in the other direction; with no such term, only a covering scan or an ORDER BY the index
/// satisfies whole;</item>
/// <item>or a refusal naming what FastDb does not model (another index or the rowid that could drive the scan
/// instead, IN on the first column, GROUP BY, DISTINCT, joins, ...), where SQLite's costs decide.</item>
/// </list>
/// </summary>
public static class CompositeIndexPlanner
{
    /// <summary>The walk: <see cref="Index"/> over the rows <see cref="Equalities"/> on its first key columns and
    /// <see cref="Ranges"/> on the next one (all AND terms of WHERE) accept, by its key columns then rowid, reversed
    /// when <see cref="Reverse"/>.</summary>
    public sealed record CompositeScan(UniqueIndex Index, List<Expr> Equalities, bool Reverse, List<Expr> Ranges);

    /// <summary>An ORDER BY term as the SELECT bound it.</summary>
    public readonly record struct OrderTerm(Expr Key, bool Desc, bool DefaultNulls);

    /// <summary>What the SELECT asks of the scan besides WHERE.</summary>
    public sealed class SelectShape
    {
        public required List<Expr> Output;
        public required List<OrderTerm> Order;
        public required List<Expr> GroupBy;
        public Expr? Having;
        public bool Distinct, Aggregate, Limited;
    }

    private static SqlParseException Refuse(string what) => new("FastDb does not support " + what + " yet");

    /// <summary>A join where a table's multi-column or DESC index could be in SQLite's plan in a way JoinPlanner does
    /// not model is refused. JoinPlanner models an ascending multi-column index as a lookup of its first column
    /// (its rows of one key in the order of its next columns, then rowid), where it is the only index that column
    /// leads; it refuses the terms that would extend that lookup to the next columns. Refused here:
    /// <list type="bullet">
    /// <item>a DESC index, or a column two indexes lead, where the join's terms (<paramref name="terms"/>: the
    /// joined-row columns WHERE and ON read, and USING columns) test that column;</item>
    /// <item>any column of such an index in <paramref name="ordering"/> (ORDER BY, GROUP BY, DISTINCT, and the
    /// arguments of min(), max() and DISTINCT aggregates): SQLite may walk the index for it;</item>
    /// <item>a DESC index that covers what the join reads of the table (<paramref name="used"/>) and is narrower
    /// than it (SQLite may scan the index instead of the table; for a multi-column one, see
    /// <see cref="CoveringScanIndex"/>).</item>
    /// </list></summary>
    public static void RefuseJoin(List<JoinSource> sources, HashSet<int> terms, HashSet<int> ordering, HashSet<int> used)
    {
        // USING (and NATURAL) columns are tested by the join too, in whichever tables have them.
        var usingNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var src in sources) if (src.UsingColumns != null) usingNames.UnionWith(src.UsingColumns);
        foreach (var src in sources)
            foreach (var ix in src.Table.Indexes)
            {
                if (!ix.KeyPlanned) continue;
                bool tested = terms.Contains(src.Offset + ix.Column) || usingNames.Contains(src.Table.Columns[ix.Column].Name);
                if (tested && (ix.Descending || src.Table.Indexes.Exists(other => other != ix && other.Column == ix.Column)))
                    throw Refuse("joins over a table with a DESC index, or two indexes led by one column, on the columns they test");
                foreach (int c in ix.Columns)
                    if (ordering.Contains(src.Offset + c))
                        throw Refuse("ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join");
                // A multi-column index that covers the table is refused where the table is scanned (CoveringScanIndex).
                if (ix.Descending && CoversNarrower(src, ix, used)) throw Refuse(CoveringRefusal);
            }
    }

    private const string CoveringRefusal = "joins over a table with a multi-column or DESC index that covers what they read of it";

    /// <summary>The multi-column index SQLite may scan instead of a table of a join that is scanned, not looked up:
    /// one that covers what the join reads of it (<paramref name="used"/>) and is narrower than the table
    /// (whereLoopAddBtree's CoverIdxScan); null for none; refused for several (the narrowest would win). A lookup
    /// through the index's first column finds the same rows in the same order, covering or not.</summary>
    public static UniqueIndex? CoveringScanIndex(JoinSource src, HashSet<int> used)
    {
        UniqueIndex? found = null;
        foreach (var ix in src.Table.Indexes)
            if (ix.IsComposite && CoversNarrower(src, ix, used))
            {
                if (found != null) throw CoveringScanRefusal();
                found = ix;
            }
        return found;
    }

    /// <summary>The refusal of a join where SQLite may scan a covering multi-column index FastDb does not walk there.</summary>
    public static SqlParseException CoveringScanRefusal() => Refuse(CoveringRefusal);

    private static bool CoversNarrower(JoinSource src, UniqueIndex ix, HashSet<int> used)
    {
        var read = new HashSet<int>();
        for (int c = 0; c < src.Table.Columns.Length; c++) if (used.Contains(src.Offset + c)) read.Add(c);
        if (used.Contains(src.RowIdSlot)) read.Add(RowId);
        return read.Count > 0 && Covers(src.Table, ix, read) && IndexRowLogEst(src.Table, ix) < TableRowLogEst(src.Table);
    }

    /// <summary>The plan of a SELECT over one table (see the class summary).</summary>
    public static CompositeScan? PlanSelect(Table table, Expr? where, SelectShape shape)
    {
        if (!table.HasKeyPlannedIndex) return null;
        var read = new HashSet<int>();
        foreach (var e in shape.Output) Collect(e, read);
        if (where != null) Collect(where, read);
        foreach (var o in shape.Order) Collect(o.Key, read);
        foreach (var g in shape.GroupBy) Collect(g, read);
        if (shape.Having != null) Collect(shape.Having, read);

        UniqueIndex? relevant = null;
        bool covering = false, ordering = false;
        foreach (var ix in table.Indexes)
        {
            if (!ix.KeyPlanned) continue;
            bool covers = read.Count > 0 && Covers(table, ix, read) && IndexRowLogEst(table, ix) < TableRowLogEst(table);
            bool orders = HelpsOrder(ix, shape, where);
            bool filters = ReadsColumn(where, ix.Column);
            if (!covers && !orders && !filters && !AggregateOnFirstColumn(ix, shape)) continue;
            // A min()/max() walk loses to an equality lookup on the rowid or another index (as ScanForOrderBy's).
            if (!covers && !orders && !filters && EqualityLookupElsewhere(table, where)) continue;
            if (relevant != null) throw Refuse("queries that two multi-column or DESC indexes could answer");
            (relevant, covering, ordering) = (ix, covers, orders);
        }
        if (relevant == null) return null;
        if (shape.GroupBy.Count > 0 && !GroupsAlongKey(table, relevant, shape)) throw Refuse("GROUP BY over a table with a multi-column or DESC index it could use");
        if (shape.Distinct && !shape.Aggregate) throw Refuse("SELECT DISTINCT over a table with a multi-column or DESC index it could use");
        if (shape.Aggregate && shape.GroupBy.Count == 0 && HasMinMax(shape) && HasBareColumn(shape))
            throw Refuse("bare columns beside min() or max() over a table with a multi-column or DESC index it could use");

        var equalities = Equalities(table, relevant, where, out var terms);
        var ranges = Ranges(table, relevant, equalities.Count, terms, WithoutRowId(table, read));
        RefuseCompetitors(table, relevant, where, terms, read);
        // WHERE drives the walk: a lookup of the first key columns, or a range of the first one (a quarter of the
        // rows per bound in where.c's estimate, cheaper than the table scan even with a lookup per row).
        bool driven = equalities.Count > 0 || ranges.Count > 0;
        if (!driven)
        {
            // No lookup: only a full walk of the index, for a covering scan or an ORDER BY it satisfies.
            if (ReadsColumn(where, relevant.Column) && !covering)
                throw Refuse("IN or a function on the first column of a multi-column or DESC index");
            if (covering && ScanPlanner.CoveringIndexColumn(table, WithoutRowId(table, read)) >= 0)
                throw Refuse("a query that an ascending one-column index and a multi-column or DESC index both cover");
        }
        bool reverse = false;
        var remaining = shape.Order.FindAll(o => o.Key is not ColumnExpr c || !ScanPlanner.FixesColumn(terms, c));
        if (remaining.Count > 0)
        {
            int satisfied = SatisfiedPrefix(table, relevant, equalities.Count, remaining);
            // A term walks the index backwards when its direction is not the index's (ASC on a DESC index).
            bool Backwards(OrderTerm o) => o.Desc != relevant.Descending;
            bool whole = satisfied == remaining.Count && remaining.TrueForAll(o => Backwards(o) == Backwards(remaining[0]));
            if (whole) reverse = Backwards(remaining[0]);
            else
            {
                // A sort follows. Without a lookup or a covering scan the walk was only for ORDER BY: SQLite then
                // weighs it against a table scan and a sort; a DESC first term it satisfies makes a backward walk
                // with a sort of each block; another index or the rowid in ORDER BY may drive another walk.
                if (!driven && !covering) throw Refuse("ORDER BY that a multi-column or DESC index satisfies only in part");
                if (satisfied > 0 && Backwards(remaining[0])) throw Refuse("ORDER BY walking a multi-column or DESC index backwards that it satisfies only in part");
                foreach (var o in remaining)
                    if (o.Key is ColumnExpr c && (c.IsRowId || c.Index < 0 || table.IndexOn(c.Index) != null))
                        throw Refuse("ORDER BY an indexed column or the rowid beside a multi-column or DESC index the query uses");
            }
            // The walk for ORDER BY alone against a sort under LIMIT: only a forward walk of one column gives the
            // sort's order on ties (rowids ascending).
            // (GROUP BY walks it whatever the LIMIT: GroupsAlongKey.)
            if (!driven && !covering && shape.Limited && shape.GroupBy.Count == 0 && (relevant.IsComposite || reverse))
                throw Refuse("ORDER BY with LIMIT walking a multi-column or DESC index that does not cover the query");
        }
        else if (!driven && !covering && !ordering && AggregateOnFirstColumn(relevant, shape, distinctOnly: true))
            throw Refuse("a DISTINCT aggregate on the first column of a multi-column or DESC index that does not cover the query");
        // A lone max() of the key column after the equalities walks towards the largest key, backwards on an
        // ascending index (ScanPlanner.LoneMinMax): of the keys that compare equal (1 and 1.0) it reads the last in
        // index order. A lone min() walks towards the smallest: forwards on an ascending index, as the forward
        // walk's aggregate reads it, backwards on a DESC one.
        if (shape.Aggregate && shape.GroupBy.Count == 0 && equalities.Count < relevant.Columns.Length
            && ScanPlanner.LoneMinMax([.. shape.Output, .. shape.Order.Select(o => o.Key), .. shape.Having == null ? [] : new[] { shape.Having }])
                is { Argument: ColumnExpr { IsRowId: false } arg } lone && arg.Index == relevant.Columns[equalities.Count])
            reverse = (lone.Kind == AggregateKind.Max) != relevant.Descending;
        return new CompositeScan(relevant, equalities, reverse, ranges);
    }

    /// <summary>The plan of an UPDATE or DELETE (one pass is desired: no covering scan, and ORDER BY is absent).</summary>
    public static CompositeScan? PlanChange(Table table, Expr? where)
    {
        if (!table.HasKeyPlannedIndex || where == null) return null;
        UniqueIndex? relevant = null;
        foreach (var ix in table.Indexes)
        {
            if (!ix.KeyPlanned || !ReadsColumn(where, ix.Column)) continue;
            if (relevant != null) throw Refuse("queries that two multi-column or DESC indexes could answer");
            relevant = ix;
        }
        if (relevant == null) return null;
        var equalities = Equalities(table, relevant, where, out var terms);
        var ranges = Ranges(table, relevant, equalities.Count, terms, null);
        RefuseCompetitors(table, relevant, where, terms, null);
        if (equalities.Count == 0 && ranges.Count == 0) throw Refuse("IN or a function on the first column of a multi-column or DESC index");
        return new CompositeScan(relevant, equalities, Reverse: false, ranges);
    }

    /// <summary>GROUP BY the index's first key columns, in key order, with no ORDER BY or ORDER BY those terms
    /// all ascending or all DESC: where.c walks an ascending multi-column index for it (covering or not, through any
    /// equality or range the WHERE gives), the groups come one after another in key order, each group's rows in the
    /// order of the next key columns then rowid (DESC: the walk backwards, all of it reversed), and no sorter (sqlite3
    /// 3.40.1: SELECT a, group_concat(c) FROM t GROUP BY a, index on (a, b), plans SCAN t USING INDEX iab, and so does
    /// ORDER BY a DESC). Not where another index leads the first column (a cost choice).</summary>
    private static bool GroupsAlongKey(Table table, UniqueIndex ix, SelectShape shape)
    {
        if (!ix.IsComposite || ix.Descending || shape.GroupBy.Count > ix.Columns.Length || table.IndexOn(ix.Column) != null) return false;
        for (int i = 0; i < shape.GroupBy.Count; i++)
            if (shape.GroupBy[i] is not ColumnExpr { IsRowId: false } c || c.Index != ix.Columns[i]) return false;
        if (shape.Order.Count == 0) return true;
        if (shape.Order.Count != shape.GroupBy.Count) return false;
        for (int i = 0; i < shape.Order.Count; i++)
            if (shape.Order[i] is not { DefaultNulls: true, Key: ColumnExpr { IsRowId: false } o } || o.Index != ix.Columns[i] || shape.Order[i].Desc != shape.Order[0].Desc) return false;
        return true;
    }

    /// <summary>Rows in the order the scan visits them, before the rest of WHERE is tested.</summary>
    public static List<Row> Visit(Table table, CompositeScan scan, RowContext context)
    {
        var rows = new List<Row>();
        foreach (var row in Candidates(table, scan, context))
        {
            bool hit = true;
            context.Values = row.Values;
            context.RowId = row.RowId;
            foreach (var term in scan.Equalities.Concat(scan.Ranges))
            {
                var v = term.Eval(context);
                if (v.IsNull || !Arithmetic.IsTrue(v)) { hit = false; break; }
            }
            if (hit) rows.Add(row);
        }
        var key = scan.Index.Columns;
        bool descending = scan.Index.Descending;
        var ordered = rows.ToArray();
        Array.Sort(ordered, (x, y) =>
        {
            foreach (int c in key)
            {
                int d = ValueComparer.Compare(x.Values[c], y.Values[c]);
                if (d != 0) return descending ? -d : d;
            }
            return x.RowId.CompareTo(y.RowId);
        });
        if (scan.Reverse) Array.Reverse(ordered);
        return [.. ordered];
    }

    /// <summary>The rows the equalities can hold, from the index's maps when each compares with a constant as the
    /// stored keys do (the probe converted as the comparison converts it, see KeyLookup): by the whole key when
    /// every key column is fixed, else by the first; otherwise all the rows.</summary>
    private static IEnumerable<Row> Candidates(Table table, CompositeScan scan, RowContext context)
    {
        var key = scan.Index.Columns;
        int probes = scan.Equalities.Count == key.Length ? key.Length : Math.Min(1, scan.Equalities.Count);
        if (probes == 0) return table.Rows;
        var values = new SqlValue[probes];
        for (int i = 0; i < probes; i++)
        {
            if (Probe(scan.Equalities[i], context) is not { } probe) return table.Rows;
            values[i] = probe;
        }
        return probes == key.Length ? scan.Index.WithKey(values) : scan.Index.WithFirstColumn(values[0]);
    }

    /// <summary>The key an equality looks up, or null when the maps cannot answer it (not a constant, a conversion
    /// that changes stored keys, or IS NULL, whose rows the maps leave out).</summary>
    private static SqlValue? Probe(Expr term, RowContext context)
    {
        if (term is not BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is } eq) return null;
        var (column, other) = eq.Left is ColumnExpr l && eq.Right.IsConstant ? (l, eq.Right)
            : eq.Right is ColumnExpr r && eq.Left.IsConstant ? (r, eq.Left) : (null, null);
        if (column == null || other == null) return null;
        var affinity = AffinityRules.ForComparison(column.Affinity, other.Affinity);
        if (!Executor.LeavesStoredKeys(column.Affinity, affinity)) return null;
        context.Values = null;
        var probe = AffinityRules.ForCompare(affinity, other.Eval(context));
        return probe.IsNull && eq.Op == BinaryOp.Is ? null : probe;
    }

    /// <summary>The AND terms fixing the index's first columns, one per column, as long as each next one is fixed.</summary>
    private static List<Expr> Equalities(Table table, UniqueIndex ix, Expr? where, out List<Expr> terms)
    {
        terms = [];
        if (where != null) SplitAnd(where, terms);
        var found = new List<Expr>();
        foreach (int column in ix.Columns)
        {
            Expr? fixing = null;
            foreach (var term in terms)
                if (ScanPlanner.TryIndexableTerm(term, out var c, out bool eq, null, table) && eq && !c.IsRowId && c.Index == column)
                {
                    fixing = term;
                    break;
                }
            if (fixing == null) break;
            found.Add(fixing);
        }
        return found;
    }

    /// <summary>The range terms (&lt; &lt;= &gt; &gt;=, and IS NOT NULL when the index covers the query) on the key column
    /// after the <paramref name="fixedColumns"/> an equality fixes.</summary>
    private static List<Expr> Ranges(Table table, UniqueIndex ix, int fixedColumns, List<Expr> terms, HashSet<int>? used)
    {
        var found = new List<Expr>();
        if (fixedColumns >= ix.Columns.Length) return found;
        foreach (var term in terms)
            if (ScanPlanner.TryIndexableTerm(term, out var c, out bool eq, used, table) && !eq && !c.IsRowId && c.Index == ix.Columns[fixedColumns])
                found.Add(term);
        return found;
    }

    /// <summary>An AND term "= constant" (or IS, IS NULL) on the rowid or an ascending one-column index.</summary>
    private static bool EqualityLookupElsewhere(Table table, Expr? where)
    {
        if (where == null) return false;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        foreach (var term in terms)
            if (ScanPlanner.TryIndexableTerm(term, out var c, out bool eq, null, table) && eq
                && (c.IsRowId || c.Index < 0 || table.IndexOn(c.Index) != null)) return true;
        return false;
    }

    /// <summary>Anything else that could drive the scan is weighed by SQLite's costs: refused.</summary>
    private static void RefuseCompetitors(Table table, UniqueIndex ix, Expr? where, List<Expr> terms, HashSet<int>? read)
    {
        if (where == null) return;
        var usedNoRowId = read == null ? null : WithoutRowId(table, read);
        foreach (var term in terms)
        {
            if (!ScanPlanner.TryIndexableTerm(term, out var c, out _, usedNoRowId, table)) continue;
            bool rowId = c.IsRowId || c.Index < 0;
            if (rowId || table.IndexOn(c.Index) != null
                || table.Indexes.Exists(o => o.KeyPlanned && !ReferenceEquals(o, ix) && o.Column == c.Index))
                throw Refuse("WHERE on the rowid or another index beside a multi-column or DESC index the query could use");
        }
        if (ScanPlanner.OrUnionPlan(table, where, usedNoRowId) != null || terms.Exists(t => t is BinaryExpr { Op: BinaryOp.Or } && ReadsAnyKey(t, ix)))
            throw Refuse("OR terms beside a multi-column or DESC index the query could use");
        RefuseSetTerms(where, ix);
    }

    /// <summary>IN, BETWEEN, LIKE and GLOB on a key column can be part of the index's lookup, as more seeks.</summary>
    private static void RefuseSetTerms(Expr e, UniqueIndex ix)
    {
        if (e is BetweenExpr or InListExpr or LikeExpr or SubqueryExpr { Kind: SubqueryKind.In })
            foreach (var child in ((IHasChildren)e).Children)
                if (child is ColumnExpr { IsRowId: false } c && Array.IndexOf(ix.Columns, c.Index) >= 0)
                    throw Refuse("IN, BETWEEN, LIKE or GLOB on a column of a multi-column or DESC index");
        switch (e)
        {
            case UnaryExpr u: RefuseSetTerms(u.Operand, ix); break;
            case BinaryExpr b: RefuseSetTerms(b.Left, ix); RefuseSetTerms(b.Right, ix); break;
            case IsNullExpr n: RefuseSetTerms(n.Operand, ix); break;
            case ScalarFunctionExpr f: foreach (var a in f.Args) RefuseSetTerms(a, ix); break;
            case IHasChildren h: foreach (var child in h.Children) RefuseSetTerms(child, ix); break;
        }
    }

    /// <summary>How many of the ORDER BY terms left walk the index's columns after the <paramref name="fixedColumns"/>
    /// an equality fixes: the same column, in order, with the NULLs where the index puts them, except that the first
    /// may ask for them at the other end (wherePathSatisfiesOrderBy's WHERE_BIGNULL_SORT: the walk visits the NULL
    /// keys last, in its own order, which is what the stable sort that follows makes of the walk's rows).</summary>
    private static int SatisfiedPrefix(Table table, UniqueIndex ix, int fixedColumns, List<OrderTerm> remaining)
    {
        int n = 0;
        while (n < remaining.Count && fixedColumns + n < ix.Columns.Length
               && remaining[n] is { Key: ColumnExpr { IsRowId: false } c } term && (term.DefaultNulls || n == 0)
               && c.Index == ix.Columns[fixedColumns + n] && c.Index != table.RowIdColumn)
            n++;
        return n;
    }

    /// <summary>indexMightHelpWithOrderBy, where the walk could also win: an ORDER BY whose first term not fixed by
    /// an equality is the index's first column (an index that satisfies no term costs more than the table scan and
    /// the same sort), or a GROUP BY or DISTINCT naming that column (their terms may come in any order).</summary>
    private static bool HelpsOrder(UniqueIndex ix, SelectShape shape, Expr? where)
    {
        bool First(Expr e) => e is ColumnExpr { IsRowId: false } c && c.Index == ix.Column;
        var terms = new List<Expr>();
        if (where != null) SplitAnd(where, terms);
        var remaining = shape.Order.FindAll(o => o.Key is not ColumnExpr c || !ScanPlanner.FixesColumn(terms, c));
        if (remaining.Count > 0 && First(remaining[0].Key)) return true;
        if (shape.GroupBy.Exists(First)) return true;
        return shape.Distinct && !shape.Aggregate && shape.Output.Exists(First);
    }

    /// <summary>The min-max optimization (one min() or max() is the only result: its argument becomes the ORDER
    /// BY) or an aggregate's DISTINCT (WHERE_WANT_DISTINCT), on the index's first column.</summary>
    private static bool AggregateOnFirstColumn(UniqueIndex ix, SelectShape shape, bool distinctOnly = false)
    {
        if (!shape.Aggregate) return false;
        var aggregates = new List<AggregateExpr>();
        foreach (var e in shape.Output) AggregateExpr.CollectIn(e, aggregates);
        foreach (var o in shape.Order) AggregateExpr.CollectIn(o.Key, aggregates);
        if (shape.Having != null) AggregateExpr.CollectIn(shape.Having, aggregates);
        foreach (var a in aggregates)
        {
            if (a.Argument is not ColumnExpr { IsRowId: false } c || c.Index != ix.Column) continue;
            if (a.Distinct) return true;
            if (!distinctOnly && a.IsMinMax && aggregates.Count == 1 && shape.Output.Count == 1 && shape.Output[0] is AggregateExpr) return true;
        }
        return false;
    }

    private static bool HasMinMax(SelectShape shape)
    {
        var aggregates = new List<AggregateExpr>();
        foreach (var e in shape.Output) AggregateExpr.CollectIn(e, aggregates);
        return aggregates.Exists(a => a.IsMinMax);
    }

    /// <summary>A result column reading the table outside any aggregate.</summary>
    private static bool HasBareColumn(SelectShape shape)
    {
        static bool Bare(Expr e) => e switch
        {
            AggregateExpr => false,
            ColumnExpr => true,
            UnaryExpr u => Bare(u.Operand),
            BinaryExpr b => Bare(b.Left) || Bare(b.Right),
            IsNullExpr n => Bare(n.Operand),
            ScalarFunctionExpr f => f.Args.Any(Bare),
            IHasChildren h => h.Children.Any(Bare),
            _ => false,
        };
        return shape.Output.Exists(Bare) || shape.Order.Exists(o => Bare(o.Key));
    }

    private static bool ReadsAnyKey(Expr e, UniqueIndex ix)
    {
        var read = new HashSet<int>();
        Collect(e, read);
        foreach (int c in ix.Columns) if (read.Contains(c)) return true;
        return false;
    }

    private static bool ReadsColumn(Expr? e, int column)
    {
        if (e == null) return false;
        var read = new HashSet<int>();
        Collect(e, read);
        return read.Contains(column);
    }

    /// <summary>Every column the query reads is a key column, or the rowid (which every index entry ends with).</summary>
    private static bool Covers(Table table, UniqueIndex ix, HashSet<int> read)
    {
        foreach (int c in read)
            if (c != RowId && c != table.RowIdColumn && Array.IndexOf(ix.Columns, c) < 0) return false;
        return true;
    }

    private static HashSet<int> WithoutRowId(Table table, HashSet<int> read)
    {
        var columns = new HashSet<int>(read);
        columns.Remove(RowId);
        return columns;
    }

    /// <summary>The column number <see cref="Collect"/> gives a rowid read.</summary>
    private const int RowId = -1;

    /// <summary>The columns an expression reads (the rowid as -1), inside subqueries' correlated terms too
    /// (whatever IHasChildren exposes).</summary>
    private static void Collect(Expr e, HashSet<int> into)
    {
        switch (e)
        {
            case ColumnExpr c: into.Add(c.Index < 0 ? RowId : c.Index); break;
            case UnaryExpr u: Collect(u.Operand, into); break;
            case BinaryExpr b: Collect(b.Left, into); Collect(b.Right, into); break;
            case IsNullExpr n: Collect(n.Operand, into); break;
            case ScalarFunctionExpr f: foreach (var a in f.Args) Collect(a, into); break;
            case IHasChildren h: foreach (var child in h.Children) Collect(child, into); break;
        }
    }

    private static void SplitAnd(Expr e, List<Expr> into)
    {
        if (e is BinaryExpr { Op: BinaryOp.And } a) { SplitAnd(a.Left, into); SplitAnd(a.Right, into); }
        else into.Add(e);
    }

    /// <summary>estimateTableWidth: the columns' size estimates, one more for a rowid without an alias.</summary>
    private static int TableRowLogEst(Table table)
    {
        int width = table.RowIdColumn < 0 ? 1 : 0;
        foreach (var c in table.Columns) width += ScanPlanner.SizeEstimate(c.DeclaredType);
        return ScanPlanner.LogEst((ulong)width * 4);
    }

    /// <summary>estimateIndexWidth: the key columns' size estimates and 1 for the rowid.</summary>
    private static int IndexRowLogEst(Table table, UniqueIndex ix)
    {
        int width = 1;
        foreach (int c in ix.Columns) width += ScanPlanner.SizeEstimate(table.Columns[c].DeclaredType);
        return ScanPlanner.LogEst((ulong)width * 4);
    }
}
