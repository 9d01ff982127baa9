using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// Contract: decides, for a join over tables with indexes or rowid terms, the loop order and how each table's rows
// are found (a scan, a rowid/index lookup, SQLite's automatic index), in the cases where SQLite 3.40.1's cost-based
// planner (where.c, no ANALYZE data) provably decides the same way whatever the tables hold; every other shape is
// refused by name. It only plans: RunJoin executes the plan.
public sealed partial class Executor
{
    /// <summary>How one table of a join is looked up through a real index: its column (-1: the rowid) equal to
    /// <see cref="Probe"/>, an expression over the tables before it in the loop (or a constant), compared under
    /// <see cref="Affinity"/>, from the AND term <see cref="Term"/>. Rows with one key come in rowid order, as SQLite's
    /// index (key, rowid) gives them; through the first column of a multi-column index (<see cref="LookupIndex"/>), in
    /// the order of its next columns, then rowid; <see cref="Next"/>, equalities on those next columns too (a LEFT JOIN's
    /// seek of several key columns, CompositeSeek).</summary>
    private sealed record IndexAccess(int Column, Expr Probe, Affinity Affinity, Expr Term, IReadOnlyList<KeyTerm>? Next = null);

    /// <summary>One AND term of the join, as the planner sees it for one table.</summary>
    private readonly record struct KeyTerm(Expr Term, int Column, Expr Probe, Affinity Affinity, int Rank, bool Constant);

    private const int RankRowIdOrUnique = 2, RankIndex = 1;

    /// <summary>
    /// Plans the loops of a join once the columns the query reads are known. Tables without indexes and joins that
    /// read no rowid keep the nested loops in FROM order with automatic indexes (as before). Otherwise:
    /// a table with <c>key = constant</c> on its rowid or a UNIQUE column yields at most one row and is looked up;
    /// an equality with another table on a rowid or indexed column (or the first column of a multi-column index) is
    /// looked up in that index (rows in rowid order, or in the multi-column index's order);
    /// a two-table inner join puts the table with the better lookup inside (rowid or UNIQUE over a plain index over
    /// none, FROM order on a tie of rowid/UNIQUE lookups), which where.c's costs decide the same way only when no
    /// other term filters either table (or when the outer table has no lookup at all); LEFT and CROSS joins keep
    /// FROM order. Refused: any other term on an indexed column or a rowid (it may drive a range or another index),
    /// a table an index covers (SQLite may scan the index instead), the ties and filters where the costs decide, and
    /// ORDER BY, GROUP BY or DISTINCT on an indexed column or a rowid (SQLite may walk that index, and turn the loops
    /// around to do it: rows that tie come in another order). <paramref name="ordering"/> holds those terms;
    /// <paramref name="sortTerms"/> the ones the plan's order would have to meet to skip its sort: the ORDER BY terms
    /// (<paramref name="sortTermsOrdered"/>: in their order), else the GROUP BY terms, else the DISTINCT columns.
    /// </summary>
    private void PlanJoinLoops(JoinPlan plan, Expr? where, List<Expr> ordering, List<Expr> sortTerms, bool sortTermsOrdered, bool firstDescending = false,
        bool groupByIsOrderBy = false)
    {
        var sources = plan.Sources;
        int n = sources.Count;
        plan.LoopOrder = [.. Enumerable.Range(0, n)];
        plan.Access = new IndexAccess?[n];
        plan.Automatic = [.. Enumerable.Repeat(true, n)];
        var whereTerms = new List<Expr>();
        if (where != null) SplitConjuncts(where, whereTerms);
        var innerTerms = new List<Expr>(whereTerms);
        for (int k = 1; k < n; k++)
            if (plan.On[k] != null && plan.Clauses[k - 1].Kind != JoinKind.Left) SplitConjuncts(plan.On[k]!, innerTerms);
        // Without indexes only a rowid (or INTEGER PRIMARY KEY) term can call for a lookup: one pass over the
        // columns the terms read tells (the common case stays as cheap as before indexes were planned).
        var read = new HashSet<int>();
        foreach (var term in innerTerms) CollectColumns(term, read);
        foreach (var on in plan.On) if (on != null) CollectColumns(on, read);
        bool readsKey = sources.Any(src => read.Contains(src.RowIdSlot) || (src.Table.RowIdColumn >= 0 && read.Contains(src.Offset + src.Table.RowIdColumn)));
        // DESC indexes are not in the plan here, nor multi-column ones but as lookups of the column they lead
        // (CompositeIndexPlanner.RefuseJoin made sure); such an index counts only where the terms test that column.
        bool keyed = sources.Any(src => src.Table.Indexes.Exists(ix => !ix.KeyPlanned || (ix.IsComposite && read.Contains(src.Offset + ix.Column))));
        bool innerJoin = n == 2 && plan.Clauses[0].Kind is JoinKind.Inner or JoinKind.Comma;
        if (n > 2 && plan.Clauses[0].Kind is JoinKind.Inner or JoinKind.Comma && plan.Clauses.Skip(1).All(c => c.Kind == JoinKind.Left))
        {
            PlanPairThenLeftJoins(plan, where, ordering, innerTerms);
            return;
        }
        if (n > 2 && plan.Clauses.Any(c => c.Kind is JoinKind.Inner or JoinKind.Comma))
        {
            PlanInnerChain(plan, innerTerms, ordering);
            return;
        }
        if (!keyed && !readsKey)
        {
            if (innerJoin)
            {
                TurnForAutomaticIndex(plan, innerTerms);
                TurnForRowIdOrder(plan, innerTerms, sortTermsOrdered && sortTerms.Count > 0 ? [sortTerms[0]] : sortTerms);
            }
            TurnForFixedOrdering(plan, sortTerms, innerTerms, keyed: false);
            RefuseUnplannedFilters(plan, innerTerms);
            // A table a multi-column index covers, narrower, is scanned through it outside a chain of LEFT or CROSS
            // JOINs (FROM order, nothing to weigh); elsewhere it is refused where it is scanned: outside an inner
            // pair (the index could turn the loops), or inside without an automatic index that serves the join
            // (whose order it then has).
            bool fromOrder = plan.Clauses.TrueForAll(c => c.Kind is JoinKind.Left or JoinKind.Cross);
            for (int level = 0; level < n; level++)
            {
                int k = plan.LoopOrder[level];
                if (CompositeIndexPlanner.CoveringScanIndex(sources[k], plan.Used) is not { } covering) continue;
                if (level == 0 && fromOrder) plan.OuterIndexOrder = covering.Columns;
                else if (level == 0 || !AutomaticIndexServes(plan, k, TermsFor(plan, k, innerTerms))) throw CompositeIndexPlanner.CoveringScanRefusal();
            }
            return;
        }
        if (innerJoin && sortTermsOrdered && ordering.Count == sortTerms.Count && PlanOrderByOuterRowId(plan, innerTerms, sortTerms, firstDescending)) return;
        if (!sortTermsOrdered && sortTerms.Count > 0 && PlanGroupsByOuterRowId(plan, innerTerms, sortTerms, groupByIsOrderBy, groupByIsOrderBy && firstDescending)) return;
        if (!(innerJoin && SortsAfterUsualPair(plan, innerTerms, ordering))) RefuseOrderingOnKeys(plan, ordering);
        if (innerJoin)
        {
            try { PlanInnerPair(plan, innerTerms); }
            catch (SqlParseException refusal) when (PinnedByIndexOnly(plan, innerTerms))
            {
                // A plain index pinned to a constant on one table outranks the pair's cost choices (PlanInnerChain).
                try { PlanInnerChain(plan, innerTerms, ordering); }
                catch (SqlParseException) { throw refusal; }
                return;
            }
        }
        else
        {
            for (int k = 0; k < n; k++)
            {
                var terms = TermsFor(plan, k, innerTerms);
                var before = new HashSet<int>(Enumerable.Range(0, k));
                PlanLevel(plan, k, terms, before, allowAutomatic: k > 0 && AutomaticIndexPays(plan, before, innerTerms), coveringScan: k == 0);
            }
        }
        TurnForFixedOrdering(plan, sortTerms, innerTerms, keyed: true);
    }

    /// <summary>
    /// Two tables without indexes, where a term of <paramref name="sortFree"/> (the first ORDER BY term, else any
    /// GROUP BY term or DISTINCT column) is the inner table's rowid (or its
    /// INTEGER PRIMARY KEY) and none the outer one's: scanning the inner table outside, in rowid order, meets the
    /// ORDER BY, GROUP BY or DISTINCT without a sort, which where.c's costs prefer (both loop orders cost the same
    /// otherwise). sqlite3 3.40.1: <c>SELECT DISTINCT r.* FROM t AS l JOIN t AS r USING (b)</c>, with t's INTEGER
    /// PRIMARY KEY, plans SCAN r, SEARCH l USING AUTOMATIC PARTIAL COVERING INDEX. Only when an automatic index on the
    /// new inner table serves the join, as it did on the old one.
    /// </summary>
    private static void TurnForRowIdOrder(JoinPlan plan, List<Expr> terms, List<Expr> sortFree)
    {
        int outer = plan.LoopOrder[0], inner = plan.LoopOrder[1];
        if (!ReadsRowId(sortFree, plan.Sources[inner]) || ReadsRowId(sortFree, plan.Sources[outer])) return;
        if (!AutomaticIndexServes(plan, outer, terms)) return;
        plan.LoopOrder = [inner, outer];
    }

    /// <summary>One of the terms is exactly the table's rowid or INTEGER PRIMARY KEY column.</summary>
    private static bool ReadsRowId(List<Expr> terms, JoinSource src) =>
        terms.Exists(t => t is ColumnExpr c && (c.Index == src.RowIdSlot || (src.Table.RowIdColumn >= 0 && c.Index == src.Offset + src.Table.RowIdColumn)));

    /// <summary>
    /// wherePathSatisfiesOrderBy counts an ORDER BY, GROUP BY or DISTINCT term satisfied when a WHERE term fixes its
    /// column to a constant ("= constant", "IS NULL") in the outermost loop, so where.c's costs turn an inner join to
    /// put that table outside and skip the sort when that meets every term, unless the table is found by its rowid or
    /// a UNIQUE index (sqlite3 3.40.1 then keeps that lookup inside and sorts). EXPLAIN QUERY PLAN:
    /// <c>FROM ja JOIN jb ON jb.v = ja.w WHERE jb.w = 3 ORDER BY jb.w</c> (jb indexed on v) scans jb and searches ja
    /// through an automatic index (without ORDER BY: SCAN ja, SEARCH jb USING INDEX jbv); <c>... ON jb.id = ja.w</c>
    /// keeps SCAN ja, SEARCH jb USING INTEGER PRIMARY KEY and a temp b-tree; a term left unmet (<c>SELECT DISTINCT
    /// ja.w, jb.w ... WHERE jb.w = 1.0</c>) keeps the plan too. Turned only for two tables, where an automatic index on
    /// the new inner table serves the join (<paramref name="keyed"/>: both loops are planned again); more are refused.
    /// No turn when the outer table is looked up by a constant key (one row at most: the same order either way).
    /// </summary>
    private void TurnForFixedOrdering(JoinPlan plan, List<Expr> sortTerms, List<Expr> terms, bool keyed)
    {
        if (sortTerms.Count == 0 || plan.Clauses.Any(c => c.Kind is not (JoinKind.Inner or JoinKind.Comma))) return;
        int outer = plan.LoopOrder[0];
        if (IsKeyLookup(plan, outer, constantOnly: true)) return;
        int fixedIn = -1;
        foreach (var term in sortTerms)
        {
            if (term is not ColumnExpr { IsRowId: false } col || SingleSource(col, plan) is var k && (k < 0 || k == outer)) return;
            if (fixedIn >= 0 && k != fixedIn || !ScanPlanner.FixesColumn(terms, col)) return;
            fixedIn = k;
        }
        if (IsKeyLookup(plan, fixedIn, constantOnly: false)) return;
        if (plan.Sources.Count != 2)
            throw new SqlParseException("FastDb does not support ORDER BY, GROUP BY or DISTINCT on columns a WHERE term fixes in an inner table of a JOIN of more than two tables yet");
        // Only an automatic index on the other table would make the turn pay: without one (its column's affinity
        // does not suit the comparison) sqlite3 keeps the fixed table inside, as a partial automatic index, and sorts.
        if (!AutomaticIndexServes(plan, outer, terms)) return;
        var bounded = keyed ? BoundThroughEquality(plan, fixedIn, terms) : [];
        if (bounded.Count > 1)
            throw new SqlParseException("FastDb does not support ORDER BY, GROUP BY or DISTINCT on columns a WHERE term fixes in a JOIN whose WHERE bounds several columns equal to indexed ones yet (SQLite carries each bound over to its index)");
        plan.LoopOrder = [fixedIn, outer];
        if (!keyed) return;
        plan.Access = new IndexAccess?[2];
        PlanLevel(plan, fixedIn, terms, [], allowAutomatic: false);
        PlanLevel(plan, outer, terms, [fixedIn], allowAutomatic: AutomaticIndexPays(plan, [fixedIn], terms));
        // The range scan of that index visits the rows in its order; those outside the range never join (the bound
        // holds on the column they must equal), so the scan is every row in index order (a rowid range: rowid order).
        if (bounded.Count == 1 && plan.Access[fixedIn] == null && bounded[0] >= 0) plan.OuterIndexOrder = [bounded[0]];
    }

    /// <summary>The columns of table <paramref name="k"/> (its rowid -1, or an indexed column) in a join equality
    /// <c>k.key = other.x</c> where another term compares other.x with a constant: where.c's equivalence classes
    /// (termIsEquivalence: both sides of one affinity, or both numeric) carry that comparison over to k.key
    /// (WO_EQUIV), where it drives a range of k's index when k is outside and the comparison's affinity suits the
    /// index (sqlite3 3.40.1: <c>... ON ja.w = jb.v WHERE ja.w > 2 AND jb.w = 2 ORDER BY jb.w</c> plans SEARCH jb
    /// USING INDEX jbv (v>?)).</summary>
    private static List<int> BoundThroughEquality(JoinPlan plan, int k, List<Expr> terms)
    {
        var src = plan.Sources[k];
        var found = new List<int>();
        foreach (var term in terms)
        {
            if (term is not BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is, Left: ColumnExpr l, Right: ColumnExpr r }) continue;
            var (key, other) = KeyColumn(l, src) != null ? (l, r) : KeyColumn(r, src) != null ? (r, l) : (null, null);
            if (key == null || other == null || InSource(other.Index, src)) continue;
            if (key.Affinity != other.Affinity && !(AffinityRules.IsNumeric(key.Affinity) && AffinityRules.IsNumeric(other.Affinity))) continue;
            foreach (var bound in terms)
            {
                if (bound is not BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is or BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual } b) continue;
                Expr? constant = b.Left is ColumnExpr bl && bl.Index == other.Index ? b.Right : b.Right is ColumnExpr br && br.Index == other.Index ? b.Left : null;
                if (constant == null || !constant.IsConstant) continue;
                if (!IndexAffinityOk(AffinityRules.ForComparison(other.Affinity, constant.Affinity), key.Affinity)) continue;
                int column = KeyColumn(key, src)!.Value;
                if (column == src.Table.RowIdColumn) column = -1;
                if (!found.Contains(column)) found.Add(column);
            }
        }
        return found;
    }

    /// <summary>Table <paramref name="k"/> is looked up by its rowid or a UNIQUE index (at most one row per probe),
    /// with <paramref name="constantOnly"/> by a constant (one row at most in all).</summary>
    private static bool IsKeyLookup(JoinPlan plan, int k, bool constantOnly) =>
        plan.Access[k] is { } access && (!constantOnly || (access.Probe.IsConstant && (access.Next ?? []).All(n => n.Probe.IsConstant)))
        && (access.Column < 0 || plan.Sources[k].Table.IndexOn(access.Column) is { Unique: true }
            || (access.Next is { } next && LookupIndex(plan.Sources[k].Table, access.Column) is { Unique: true } composite && next.Count + 1 == composite.Columns.Length));

    /// <summary>
    /// Whether where.c builds an automatic index for a level no real index serves, from the tables
    /// <paramref name="before"/> it, rather than scan the table in rowid order for each row that reaches it. Its
    /// costs (whereLoopAddBtree, LogEst, tables of 2^20 rows without ANALYZE): a scan costs N + 216 for N rows reaching
    /// the level; the automatic index 271 to build, then N + 53. Rows reaching it: 1 (LogEst 0) per table found by its
    /// rowid or a UNIQUE column, 10 (33) through a plain or multi-column index, 20 (43) through an automatic index,
    /// 2^20 (200) for a scan. So fewer than about 45 rows (LogEst 55) scan: one table found through an index or an
    /// automatic one among one-row lookups (filters only lower the count). A scanned table before it builds the
    /// index. Between the two, filters (whereLoopOutputAdjust lowers a loop's rows by one per term, 20 for an
    /// equality with a constant) could tip it either way: refused with one, the index built without. sqlite3 3.40.1:
    /// FROM posts p LEFT JOIN notes n ON n.pid = p.id plans SEARCH n USING AUTOMATIC COVERING INDEX (pid=?); with
    /// WHERE p.id = 1, or WHERE p.author_id = 1 (an index), SCAN n, its rows in rowid order.
    /// </summary>
    private static bool AutomaticIndexPays(JoinPlan plan, HashSet<int> before, List<Expr> innerTerms)
    {
        int rows = 0;
        foreach (int b in before)
            rows += plan.Access[b] != null ? (IsKeyLookup(plan, b, constantOnly: false) ? 0 : 33)
                : b != plan.LoopOrder[0] && plan.Automatic[b] && AutomaticIndexServes(plan, b, TermsFor(plan, b, innerTerms)) ? 43 : 200;
        if (rows >= 200) return true;
        if (rows < 55) return false;
        var read = new HashSet<int>();
        foreach (int b in before)
            foreach (var term in TermsFor(plan, b, innerTerms))
            {
                // A join equality, or the term a lookup consumes, filters nothing.
                if (term is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnExpr, Right: ColumnExpr } || before.Any(o => plan.Access[o] is { } access && (ReferenceEquals(access.Term, term) || (access.Next ?? []).Any(n => ReferenceEquals(n.Term, term))))) continue;
                read.Clear();
                CollectColumns(term, read);
                if (before.Any(o => read.Any(i => InSource(i, plan.Sources[o]))))
                    throw new SqlParseException("FastDb does not support a join whose filters decide whether SQLite builds an automatic index yet");
            }
        return true;
    }

    /// <summary>The terms a table's loop may use: the ON of a LEFT JOIN for its right table, else WHERE and the
    /// inner ONs.</summary>
    private static List<Expr> TermsFor(JoinPlan plan, int k, List<Expr> innerTerms)
    {
        if (k > 0 && plan.Clauses[k - 1].Kind == JoinKind.Left)
        {
            var terms = new List<Expr>();
            if (plan.On[k] != null) SplitConjuncts(plan.On[k]!, terms);
            return terms;
        }
        return innerTerms;
    }

    /// <summary>Two tables joined by JOIN or a comma: which one goes inside, and how each is found.</summary>
    private void PlanInnerPair(JoinPlan plan, List<Expr> terms)
    {
        var pinned = new bool[2];
        var best = new KeyTerm?[2];
        for (int k = 0; k < 2; k++)
        {
            var keys = KeyTerms(plan, k, terms, [1 - k]);
            pinned[k] = keys.Any(t => t.Constant && t.Rank == RankRowIdOrUnique);
            best[k] = keys.Where(t => !t.Constant).OrderByDescending(t => t.Rank).Cast<KeyTerm?>().FirstOrDefault();
        }
        if (pinned[0] || pinned[1])
        {
            // At most one row from the pinned table: the other table's rows come in rowid order whichever loop
            // SQLite puts outside (an equality lookup keeps rowid order among equal keys; no automatic index).
            int outer = pinned[0] ? 0 : 1, inner = 1 - outer;
            plan.LoopOrder = [outer, inner];
            PlanLevel(plan, outer, terms, [], allowAutomatic: false);
            PlanLevel(plan, inner, terms, [outer], allowAutomatic: false);
            return;
        }
        int r0 = best[0]?.Rank ?? 0, r1 = best[1]?.Rank ?? 0;
        bool filtered = terms.Any(t => SingleSource(t, plan) >= 0);
        if (r0 == 0 && r1 == 0)
        {
            TurnForAutomaticIndex(plan, terms);
            RefuseUnplannedFilters(plan, terms);
            int outer = plan.LoopOrder[0];
            PlanLevel(plan, outer, terms, [], allowAutomatic: false);
            PlanLevel(plan, 1 - outer, terms, [outer], allowAutomatic: true);
            return;
        }
        if (r0 == RankIndex && r1 == RankIndex)
            throw new SqlParseException("FastDb does not support a JOIN on two indexed columns yet (SQLite picks the loop order by the tables' widths)");
        if (r0 > 0 && r1 > 0 && filtered)
        {
            if (FilteredPairOrder(plan, terms, r0, r1) is not { } order)
                throw new SqlParseException("FastDb does not support a JOIN of two tables with index lookups and a filter on one of them yet (SQLite picks the loop order by cost)");
            plan.LoopOrder = [order.Outer, order.Inner];
            PlanLevel(plan, order.Outer, terms, [], allowAutomatic: false, coveringScan: true);
            PlanLevel(plan, order.Inner, terms, [order.Outer], allowAutomatic: false);
            return;
        }
        // The better lookup goes inside. On a tie a table an index covers (scanned through it, its rows in the
        // index's order) goes outside when the other is not covered; otherwise FROM order stands. sqlite3 3.40.1:
        // FROM users u JOIN orders o USING (id), reading o.id and u.name, with an index on orders(user_id), plans
        // SCAN o USING COVERING INDEX, SEARCH u USING INTEGER PRIMARY KEY; with both tables covered (a self-join
        // USING (id) reading p.a: SCAN p USING COVERING INDEX, SEARCH q) FROM order stands, whichever index is narrower.
        bool Covered(int k) => ScanPlanner.CoveringIndexColumn(plan.Sources[k].Table, UsedColumnsOf(plan, plan.Sources[k])) >= 0;
        // A tie beside a multi-column index that covers a table is not modelled (the same rule would be a guess).
        if (r0 == r1 && plan.Sources.Exists(src => CompositeIndexPlanner.CoveringScanIndex(src, plan.Used) != null))
            throw CompositeIndexPlanner.CoveringScanRefusal();
        int innerTable = r1 != r0 ? (r1 > r0 ? 1 : 0) : Covered(1) && !Covered(0) ? 0 : 1, outerTable = 1 - innerTable;
        plan.LoopOrder = [outerTable, innerTable];
        PlanLevel(plan, outerTable, terms, [], allowAutomatic: false, coveringScan: true);
        PlanLevel(plan, innerTable, terms, [outerTable], allowAutomatic: false);
    }

    /// <summary>
    /// How table <paramref name="k"/> is found, given the tables <paramref name="before"/> it in the loop: a key
    /// constant (rowid or UNIQUE), else an equality lookup with those tables (rowid or UNIQUE first), else a scan
    /// (or an automatic index, where SQLite builds one). Refuses the terms that could drive another plan there.
    /// </summary>
    private void PlanLevel(JoinPlan plan, int k, List<Expr> terms, HashSet<int> before, bool allowAutomatic, bool coveringScan = false, bool rowIdWalk = false)
    {
        var src = plan.Sources[k];
        if (k > 0 && plan.Clauses[k - 1].Kind == JoinKind.Left && CompositeSeek(plan, k, terms, before) is { } seek)
        {
            plan.Access[k] = seek;
            plan.Automatic[k] = false;
            return;
        }
        var keys = KeyTerms(plan, k, terms, before);
        var chosen = keys.Where(t => t.Constant && t.Rank == RankRowIdOrUnique).Cast<KeyTerm?>().FirstOrDefault()
            ?? keys.OrderByDescending(t => t.Rank).Cast<KeyTerm?>().FirstOrDefault(t => !t!.Value.Constant || t.Value.Rank == RankRowIdOrUnique)
            // The outermost table with one plain index's column fixed to a constant: SQLite searches that index (about
            // ten rows against a scan), so only the rows of that key are visited, in rowid order, and a filter that
            // fails at run time never meets the others (before, they were scanned: soak seed 974's abs() overflow).
            ?? (before.Count == 0 && keys.Select(t => t.Column).Distinct().Count() == 1 ? keys[0] : null);
        foreach (var term in terms)
        {
            if (!TouchesKey(term, src)) continue;
            // Any equality lookup (a plain index against a constant, a key against a later table) finds the rows of
            // one key in rowid order, as a scan does; anything else may drive a range or an index walk. A table SQLite
            // would give an automatic index may take a real one instead, in another order.
            if (IsKeyEquality(term, src) && (chosen != null || !allowAutomatic)) continue;
            throw new SqlParseException("FastDb does not support a JOIN term on an indexed column or a rowid other than an equality yet");
        }
        if (chosen is { } c)
        {
            if (c.Column >= 0 && LookupIndex(src.Table, c.Column) is { IsComposite: true } composite) RefuseLongerSeek(plan, k, composite, terms, before);
            plan.Access[k] = new IndexAccess(c.Column, c.Probe, c.Affinity, c.Term);
            plan.Automatic[k] = false;
            return;
        }
        plan.Automatic[k] = allowAutomatic;
        // A multi-column index narrower than the table that covers it: the outer table of a planned pair or chain
        // scans it, in its order (sqlite3 3.40.1: FROM p JOIN pw ON pw.post_id = p.id, reading pw's key columns of
        // three, plans SCAN pw USING COVERING INDEX sqlite_autoindex_pw_1, SEARCH p); elsewhere, or beside a
        // one-column index that covers it too (the narrower wins), refused.
        // (An automatic index, where SQLite builds one, serves the table instead: its rows in that index's order.)
        if (!(allowAutomatic && AutomaticIndexServes(plan, k, terms)) && CompositeIndexPlanner.CoveringScanIndex(src, plan.Used) is { } covering)
        {
            if (!coveringScan || rowIdWalk || ScanPlanner.CoveringIndexColumn(src.Table, UsedColumnsOf(plan, src)) >= 0)
                throw CompositeIndexPlanner.CoveringScanRefusal();
            plan.OuterIndexOrder = covering.Columns;
            return;
        }
        // A walk in rowid order that meets GROUP BY or DISTINCT costs less than any covering index and its sort.
        if (rowIdWalk) return;
        if (src.Table.Indexes.Exists(ix => !ix.KeyPlanned) && CoveredByIndex(plan, src))
        {
            // The outer table of a planned pair scans the index when that costs less: its rows in the index's order.
            if (coveringScan)
            {
                if (ScanPlanner.CoveringIndexColumn(src.Table, UsedColumnsOf(plan, src)) is var column and >= 0) plan.OuterIndexOrder = [column];
                return;
            }
            throw new SqlParseException("FastDb does not support a JOIN that reads only indexed columns of " + src.Table.Name + " yet (SQLite may scan the index)");
        }
    }

    /// <summary>
    /// The right table of a LEFT JOIN sought through a multi-column index whose first two or more key columns each
    /// equal a constant or an expression over the tables <paramref name="before"/> it in its ON (an equality on every
    /// column of a UNIQUE one finds one row): where.c takes every such column into the seek. sqlite3 3.40.1: FROM posts
    /// p LEFT JOIN likes l ON l.post_id = p.id AND l.user_id = 1, likes keyed on (user_id, post_id), plans SEARCH l
    /// USING COVERING INDEX sqlite_autoindex_likes_1 (user_id=? AND post_id=?) LEFT-JOIN. A range on the column after
    /// them narrows the seek too (ON s.account_id = a.id AND s.expires > 120: SEARCH s USING INDEX (account_id=? AND
    /// expires>?)): FastDb tests it on the rows of the equalities, which come in the index's order, so the ON's other
    /// terms must not fail at run time (SQLite never tests them on the rows outside the range). Null when no index has
    /// two such columns, or one and a range (the one-column rules apply); refused beside another key term on the
    /// table, a term on a later column, or a second such index (a cost choice).
    /// </summary>
    private static IndexAccess? CompositeSeek(JoinPlan plan, int k, List<Expr> terms, HashSet<int> before)
    {
        var src = plan.Sources[k];
        IndexAccess? found = null;
        List<Expr> used = [], ranges = [];
        UniqueIndex? index = null;
        foreach (var ix in src.Table.Indexes)
        {
            if (!ix.IsComposite) continue;
            var parts = new List<KeyTerm>();
            foreach (int column in ix.Columns)
            {
                if (EqualityOn(plan, k, column, terms, before) is not { } part) break;
                parts.Add(part);
            }
            var after = parts.Count is > 0 && parts.Count < ix.Columns.Length ? RangesOn(plan, k, ix.Columns[parts.Count], terms, before) : [];
            if (parts.Count < 2 && after.Count == 0) continue;
            if (found != null) throw new SqlParseException("FastDb does not support a LEFT JOIN that two multi-column indexes could seek yet");
            found = new IndexAccess(parts[0].Column, parts[0].Probe, parts[0].Affinity, parts[0].Term, parts.GetRange(1, parts.Count - 1));
            used = parts.ConvertAll(part => part.Term);
            ranges = after;
            index = ix;
        }
        if (found == null) return null;
        var read = new HashSet<int>();
        foreach (var term in terms)
        {
            if (used.Exists(u => ReferenceEquals(u, term))) continue;
            if (ranges.Exists(u => ReferenceEquals(u, term))) continue;
            read.Clear();
            CollectColumns(term, read);
            if (TouchesKey(term, src) || index!.Columns.Any(c => read.Contains(src.Offset + c)))
                throw new SqlParseException("FastDb does not support a LEFT JOIN term on a key beside a multi-column index's seek yet");
            if (ranges.Count > 0 && !RunsWithoutError(term))
                throw new SqlParseException("FastDb does not support a LEFT JOIN term that could fail beside a multi-column index's range yet");
        }
        return found;
    }

    /// <summary>The AND terms bounding table <paramref name="k"/>'s column by a constant or an expression over the
    /// tables <paramref name="before"/> only: <c>column &lt; x</c> (&lt;=, &gt;, &gt;=, either side) or
    /// <c>column BETWEEN x AND y</c>.</summary>
    private static List<Expr> RangesOn(JoinPlan plan, int k, int column, List<Expr> terms, HashSet<int> before)
    {
        var src = plan.Sources[k];
        var found = new List<Expr>();
        var read = new HashSet<int>();
        bool Over(Expr e)
        {
            read.Clear();
            CollectColumns(e, read);
            return e.IsConstant || (read.Count > 0 && ReadsOnly(read, plan, before));
        }
        bool IsColumn(Expr e) => e is ColumnExpr c && c.Index == src.Offset + column;
        foreach (var term in terms)
        {
            bool range = term switch
            {
                BinaryExpr { Op: BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual } b =>
                    (IsColumn(b.Left) && Over(b.Right)) || (IsColumn(b.Right) && Over(b.Left)),
                BetweenExpr { Negated: false } between => IsColumn(between.Operand) && Over(between.Low) && Over(between.High),
                _ => false,
            };
            if (range) found.Add(term);
        }
        return found;
    }

    /// <summary>An AND term <c>column = expression</c> on table <paramref name="k"/>'s column, the expression a
    /// constant or over the tables <paramref name="before"/> only, under an affinity an index on the column serves.</summary>
    private static KeyTerm? EqualityOn(JoinPlan plan, int k, int column, List<Expr> terms, HashSet<int> before)
    {
        int slot = plan.Sources[k].Offset + column;
        var read = new HashSet<int>();
        foreach (var term in terms)
            if (KeyEquality(plan, term, before, col => col.Index == slot ? (column, RankIndex) : null, read) is { } key) return key;
        return null;
    }

    /// <summary>Table <paramref name="k"/> is looked up through the first column of a multi-column index: a term on
    /// one of its next columns that reads no table after it (a constant, or the tables <paramref name="before"/> it)
    /// could extend SQLite's seek (an equality on every key column is a one-row lookup, which where.c costs as a
    /// UNIQUE one; a range narrows the walk), which the planner does not model.</summary>
    private static void RefuseLongerSeek(JoinPlan plan, int k, UniqueIndex composite, List<Expr> terms, HashSet<int> before)
    {
        var src = plan.Sources[k];
        var read = new HashSet<int>();
        foreach (var term in terms)
        {
            read.Clear();
            CollectColumns(term, read);
            if (!composite.Columns.Skip(1).Any(c => read.Contains(src.Offset + c))) continue;
            bool later = false;
            for (int o = 0; o < plan.Sources.Count && !later; o++)
                if (o != k && !before.Contains(o) && read.Any(i => InSource(i, plan.Sources[o]))) later = true;
            if (!later) throw new SqlParseException("FastDb does not support a JOIN term on a later column of a multi-column index it looks a table up through yet");
        }
    }

    /// <summary>The AND terms <c>key = expression</c> that can look up table <paramref name="k"/>'s rows through its
    /// rowid or an index: the expression a constant or over the tables in <paramref name="others"/> only, the
    /// comparison's affinity one the index serves (sqlite3IndexAffinityOk).</summary>
    private static List<KeyTerm> KeyTerms(JoinPlan plan, int k, List<Expr> terms, HashSet<int> others)
    {
        var src = plan.Sources[k];
        (int, int)? Key(ColumnExpr col)
        {
            if (KeyColumn(col, src) is not int column) return null;
            int rank = column < 0 || column == src.Table.RowIdColumn || src.Table.IndexOn(column) is { Unique: true } ? RankRowIdOrUnique
                : LookupIndex(src.Table, column) != null ? RankIndex : 0;
            return rank == 0 ? null : (column == src.Table.RowIdColumn ? -1 : column, rank);
        }
        var found = new List<KeyTerm>();
        var read = new HashSet<int>();
        foreach (var term in terms)
            if (KeyEquality(plan, term, others, Key, read) is { } key) found.Add(key);
        return found;
    }

    /// <summary>The AND term as <c>column = expression</c> (either side, the first that fits), the column one
    /// <paramref name="key"/> maps to a (table column, rank), the expression a constant or over the tables
    /// <paramref name="others"/> only and no aggregate, under an affinity an index on the column serves
    /// (sqlite3IndexAffinityOk); null when it is none.</summary>
    private static KeyTerm? KeyEquality(JoinPlan plan, Expr term, HashSet<int> others, Func<ColumnExpr, (int Column, int Rank)?> key, HashSet<int> read)
    {
        if (term is not BinaryExpr { Op: BinaryOp.Equal } eq) return null;
        for (int s = 0; s < 2; s++)
        {
            var (side, other) = s == 0 ? (eq.Left, eq.Right) : (eq.Right, eq.Left);
            if (side is not ColumnExpr col || key(col) is not { } found || other is AggregateExpr) continue;
            read.Clear();
            CollectColumns(other, read);
            bool constant = other.IsConstant;
            if (!constant && (read.Count == 0 || !ReadsOnly(read, plan, others))) continue;
            var affinity = AffinityRules.ForComparison(col.Affinity, other.Affinity);
            if (!IndexAffinityOk(affinity, col.Affinity)) continue;
            return new KeyTerm(term, found.Column, other, affinity, found.Rank, constant);
        }
        return null;
    }

    /// <summary>Every joined column in <paramref name="read"/> belongs to one of the tables <paramref name="others"/>.</summary>
    private static bool ReadsOnly(HashSet<int> read, JoinPlan plan, HashSet<int> others)
    {
        foreach (int i in read)
        {
            bool inOthers = false;
            foreach (int o in others) if (InSource(i, plan.Sources[o])) { inOthers = true; break; }
            if (!inOthers) return false;
        }
        return true;
    }

    /// <summary>The table column (or -1 for the rowid) a joined column is, when it is one of this table's rowid or
    /// indexed columns; null otherwise.</summary>
    private static int? KeyColumn(ColumnExpr col, JoinSource src)
    {
        if (col.Index == src.RowIdSlot) return -1;
        int local = col.Index - src.Offset;
        if (local < 0 || local >= src.Table.Columns.Length) return null;
        return local == src.Table.RowIdColumn || LookupIndex(src.Table, local) != null ? local : null;
    }

    /// <summary>The index a join looks column <paramref name="column"/> up through: a one-column ascending one, else
    /// an ascending multi-column one it leads (a lookup of its first column: the rows of one key come in the order of
    /// its next columns, then rowid, where.c's prefix seek; CompositeIndexPlanner.RefuseJoin refused the joins where
    /// two indexes lead the column). Null when none.</summary>
    internal static UniqueIndex? LookupIndex(Table table, int column)
    {
        if (table.IndexOn(column) is { } plain) return plain;
        foreach (var ix in table.Indexes) if (ix.IsComposite && ix.Column == column) return ix;
        return null;
    }

    /// <summary>
    /// Two tables joined by JOIN or a comma, with no index lookup either way: SQLite builds an automatic index on the
    /// inner table's column of an equality with the outer one, but only where the comparison's affinity suits that
    /// column (sqlite3IndexAffinityOk: a TEXT column for a TEXT comparison, a numeric one for a numeric comparison).
    /// Where only the first table's column suits (<c>b JOIN a ON a.x = b.y</c> with x TEXT and y REAL), where.c's
    /// costs (equal row estimates without ANALYZE) put the second table outside and index the first; otherwise FROM
    /// order stands. EXPLAIN QUERY PLAN in sqlite3 3.40.1 shows both: SCAN a, SEARCH b USING AUTOMATIC COVERING INDEX.
    /// </summary>
    private static void TurnForAutomaticIndex(JoinPlan plan, List<Expr> terms)
    {
        if (!AutomaticIndexServes(plan, 1, terms) && AutomaticIndexServes(plan, 0, terms)) plan.LoopOrder = [1, 0];
        // "t.d = -1, 0 or 1" on a column of the first table that a join equality ties to the second (ON u.d = t.d):
        // whereLoopOutputAdjust takes such an equality as keeping more rows than one with another value (its
        // TERM_HEURTRUTH guess: 10 against 20), and sqlite3 3.40.1 then scans the second table and searches the
        // first through a partial automatic index (EXPLAIN: SCAN u, SEARCH t USING AUTOMATIC PARTIAL COVERING INDEX
        // (d=?)). Another value (2, 1.0, '1') or IS (no transitive term for u) keeps FROM order, and so does any other
        // = or IS filter on t against anything but -1, 0 or 1 (its guess of 20 makes t the smaller loop); ranges,
        // IN lists, functions and ORs on t do not change the turn (checked with EXPLAIN QUERY PLAN one by one).
        else if (FixedJoinColumnOfFirst(plan, terms) is { } fixing && AutomaticIndexServes(plan, 0, terms))
        {
            bool keep = false;
            foreach (var term in terms)
                if (!ReferenceEquals(term, fixing) && IsConstantFilterOn(term, plan.Sources[0])
                    && term is BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is } other && !IsSmallIntegerLiteral(other.Left) && !IsSmallIntegerLiteral(other.Right))
                    keep = true;
            if (!keep) plan.LoopOrder = [1, 0];
        }
    }

    /// <summary>
    /// ORDER BY t.rowid [DESC] (then anything that reads no key) over an inner pair whose usual plan scans t outside:
    /// where.c walks t in rowid order, backwards for DESC, instead of its covering index, and the rows need no sort,
    /// so they stream (a LIMIT stops the walk). sqlite3 3.40.1: SELECT o.id, u.name FROM orders o JOIN users u ON
    /// u.id = o.user_id ORDER BY o.id DESC LIMIT 2 plans SCAN o, SEARCH u USING INTEGER PRIMARY KEY. False (nothing
    /// planned) for any other shape, which the caller refuses as before.
    /// </summary>
    private bool PlanOrderByOuterRowId(JoinPlan plan, List<Expr> terms, List<Expr> sortTerms, bool descending)
    {
        int t = plan.Sources.FindIndex(src => ReadsRowId([sortTerms[0]], src));
        if (t < 0 || sortTerms.Skip(1).Any(term => plan.Sources.Any(src => TouchesKey(term, src)))) return false;
        var saved = (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder);
        try { PlanInnerPair(plan, terms); }
        catch (SqlParseException) { (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder) = saved; return false; }
        // Only a pair with a lookup inside (the usual plan's) and t scanned outside keeps the walk in its loop order.
        int inner = 1 - t;
        // Several inner rows per outer one (a plain index) would leave later ORDER BY terms to a block sort.
        if (plan.LoopOrder[0] != t || plan.Access[t] != null || plan.Access[inner] == null
            || (sortTerms.Count > 1 && !IsKeyLookup(plan, inner, constantOnly: false)))
        {
            (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder) = saved;
            return false;
        }
        plan.OuterIndexOrder = null;
        plan.OrderSatisfied = true;
        plan.OuterDescending = descending;
        return true;
    }

    /// <summary>
    /// GROUP BY (or SELECT DISTINCT, without ORDER BY) of two joined tables whose terms are one table t's rowid and
    /// t's columns without an index: where.c's wherePathSatisfiesOrderBy finds the GROUP BY met by a scan of t in rowid
    /// order outside (the rowid makes every later term of t distinct, in any order unless the ORDER BY is the GROUP BY
    /// itself, WHERE_SORTBYGROUP: then the rowid must come first), and the sort it saves outweighs a worse lookup of
    /// the other table o, so t goes outside and the groups stream as the loops give them (backwards for ORDER BY the
    /// rowid DESC; o's rows of one group in its lookup's order). Always so for a LEFT or CROSS JOIN with t on the
    /// left; for an inner pair where the costs provably decide (sqlite3 3.40.1, EXPLAIN QUERY PLAN, no ANALYZE):
    /// <list type="bullet">
    /// <item>o looked up by its rowid or a UNIQUE column: <c>FROM orders o JOIN users u ON o.user_id = u.id GROUP BY o.id</c>
    /// plans SCAN o, SEARCH u USING INTEGER PRIMARY KEY, with up to three filters on u (equalities too);</item>
    /// <item>o looked up through a plain index and t by its rowid: <c>FROM users u JOIN orders o ON o.user_id = u.id GROUP
    /// BY u.id</c> plans SCAN u, SEARCH o USING INDEX idx_orders_user, not the usual SCAN o and a temp b-tree. Seven
    /// range filters on o keep it, eight turn it (whereLoopOutputAdjust: one each), and so does one equality with a
    /// constant (its 20) unless an equality on t balances it: up to four filters on o, none an equality;</item>
    /// <item>o through a plain index, t with no lookup, or o through an automatic index when t has none or a plain
    /// index's (o then unfiltered): SCAN t, SEARCH o USING AUTOMATIC COVERING INDEX.</item>
    /// </list>
    /// Refused (false): t found through its rowid, o only through an automatic index (the usual loops and a sort win),
    /// two plain-index lookups, filters on a key of either table (a range or index drives the scan), further terms
    /// joining the two, and any GROUP BY term on another table's column or an indexed one (another index may meet it).
    /// </summary>
    private bool PlanGroupsByOuterRowId(JoinPlan plan, List<Expr> terms, List<Expr> groupTerms, bool strictOrder, bool descending)
    {
        var sources = plan.Sources;
        // Three or more tables only in a chain of LEFT or CROSS JOINs (FROM order), walked from the first.
        if (sources.Count != 2 && plan.Clauses.Exists(c => c.Kind is not (JoinKind.Left or JoinKind.Cross))) return false;
        if (sources.Count > 2) return PlanGroupsAlongChain(plan, terms, groupTerms, strictOrder, descending);
        int t = strictOrder ? (ReadsRowId([groupTerms[0]], sources[0]) ? 0 : ReadsRowId([groupTerms[0]], sources[1]) ? 1 : -1)
            : sources.FindIndex(src => ReadsRowId(groupTerms, src));
        if (t < 0) return false;
        var table = sources[t];
        foreach (var g in groupTerms)
            if (!ReadsRowId([g], table) && (g is not ColumnExpr c || !InSource(c.Index, table) || TouchesKey(g, table))) return false;
        int o = 1 - t;
        var kind = plan.Clauses[0].Kind;
        bool fixedOrder = kind is JoinKind.Left or JoinKind.Cross;
        if (fixedOrder && t != 0) return false;
        var saved = (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder);
        if (!fixedOrder)
        {
            var lookupsOfOther = KeyTerms(plan, o, terms, [t]);
            var lookupsOfTable = KeyTerms(plan, t, terms, [o]);
            if (lookupsOfOther.Exists(k => k.Constant) || lookupsOfTable.Exists(k => k.Constant)) return false;
            int rankOther = lookupsOfOther.Count == 0 ? 0 : lookupsOfOther.Max(k => k.Rank);
            int rankTable = lookupsOfTable.Count == 0 ? 0 : lookupsOfTable.Max(k => k.Rank);
            int filtersOnOther = 0, joins = 0;
            bool equalityOnOther = false;
            foreach (var term in terms)
            {
                if (term.IsConstant) continue;
                bool readsTable = ReadsSource(term, table), readsOther = ReadsSource(term, sources[o]);
                bool equality = term is BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is };
                if (readsTable && readsOther && equality)
                {
                    // The one equality the lookup (or automatic index) answers; a second would be a second key.
                    if (!IsJoinEquality(term, plan, lookupsOfOther, lookupsOfTable) || ++joins > 1) return false;
                    continue;
                }
                if (TouchesKey(term, table) || TouchesKey(term, sources[o])) return false;
                if (!readsOther) continue;
                filtersOnOther++;
                equalityOnOther |= equality;
            }
            if (joins == 0) return false;
            bool turns = (rankOther, rankTable) switch
            {
                (RankRowIdOrUnique, _) => filtersOnOther <= 3,
                (RankIndex, RankRowIdOrUnique) => filtersOnOther <= 4 && !equalityOnOther,
                (RankIndex, 0) => filtersOnOther <= 4,
                (0, 0 or RankIndex) => filtersOnOther == 0 && AutomaticIndexServes(plan, o, terms),
                _ => false,
            };
            if (!turns) return false;
        }
        try
        {
            plan.LoopOrder = [t, o];
            plan.Access = new IndexAccess?[2];
            plan.Automatic = [false, false];
            plan.OuterIndexOrder = null;
            PlanLevel(plan, t, TermsFor(plan, t, terms), [], allowAutomatic: false, rowIdWalk: true);
            PlanLevel(plan, o, TermsFor(plan, o, terms), [t], allowAutomatic: AutomaticIndexPays(plan, [t], terms));
        }
        catch (SqlParseException) { (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder) = saved; return false; }
        plan.GroupsSatisfied = true;
        plan.OuterDescending = descending;
        return true;
    }

    /// <summary>PlanGroupsByOuterRowId for a chain of LEFT or CROSS JOINs: GROUP BY the first table's rowid (and its
    /// columns no index holds) walks that table in rowid order and streams each group as its joined rows come, every
    /// later table in FROM order as PlanJoinLoops plans it. sqlite3 3.40.1: FROM posts p LEFT JOIN post_tags pt ON
    /// pt.post_id = p.id LEFT JOIN tags t ON t.id = pt.tag_id GROUP BY p.id plans SCAN p, SEARCH pt USING COVERING
    /// INDEX (post_id=?), SEARCH t USING INTEGER PRIMARY KEY, and no temp b-tree.</summary>
    private bool PlanGroupsAlongChain(JoinPlan plan, List<Expr> terms, List<Expr> groupTerms, bool strictOrder, bool descending)
    {
        var first = plan.Sources[0];
        if (strictOrder ? !ReadsRowId([groupTerms[0]], first) : !ReadsRowId(groupTerms, first)) return false;
        foreach (var g in groupTerms)
            if (!ReadsRowId([g], first) && (g is not ColumnExpr c || !InSource(c.Index, first) || TouchesKey(g, first))) return false;
        int n = plan.Sources.Count;
        var saved = (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder);
        try
        {
            plan.LoopOrder = [.. Enumerable.Range(0, n)];
            plan.Access = new IndexAccess?[n];
            plan.Automatic = new bool[n];
            plan.OuterIndexOrder = null;
            PlanLevel(plan, 0, TermsFor(plan, 0, terms), [], allowAutomatic: false, rowIdWalk: true);
            for (int k = 1; k < n; k++)
            {
                var before = new HashSet<int>(Enumerable.Range(0, k));
                PlanLevel(plan, k, TermsFor(plan, k, terms), before, allowAutomatic: AutomaticIndexPays(plan, before, terms));
            }
        }
        catch (SqlParseException) { (plan.LoopOrder, plan.Access, plan.Automatic, plan.OuterIndexOrder) = saved; return false; }
        plan.GroupsSatisfied = true;
        plan.OuterDescending = descending;
        return true;
    }

    /// <summary>
    /// ORDER BY, GROUP BY or DISTINCT terms of an inner pair whose only keys are the rowid (or INTEGER PRIMARY KEY) or
    /// indexed columns of a table t found by that rowid from the other table o, which nothing finds from t (no index
    /// lookup, only an automatic index or a scan): walking t in rowid or index order outside would cost an automatic
    /// index on o or a scan of o per row, so where.c keeps the usual loops (o outside, t looked up) and sorts (with a
    /// lookup of o from t it walks instead: ORDER BY a.email over posts p JOIN authors a ON a.id = p.author_id,
    /// posts indexed on author_id, plans SCAN a USING INDEX, SEARCH p USING INDEX). sqlite3 3.40.1, EXPLAIN QUERY
    /// PLAN of <c>FROM products p JOIN order_items oi ON oi.product_id = p.id</c> (oi's key is (order_id,
    /// product_id)) with GROUP BY p.id, ORDER BY p.id [DESC], GROUP BY p.id ORDER BY p.id DESC, ORDER BY p.title,
    /// p.id, DISTINCT p.id, GROUP BY p.id, p.title, and up to five equality, range or LIKE filters on either table:
    /// SCAN oi, SEARCH p USING INTEGER PRIMARY KEY, USE TEMP B-TREE; and FROM tags t JOIN post_tags pt ON pt.tag_id =
    /// t.id with ORDER BY, GROUP BY or DISTINCT t.name (UNIQUE): SCAN pt, SEARCH t, USE TEMP B-TREE. No constant key on
    /// either table (a pinned pair is planned otherwise).
    /// </summary>
    private static bool SortsAfterUsualPair(JoinPlan plan, List<Expr> terms, List<Expr> ordering)
    {
        var sources = plan.Sources;
        int t = -1;
        foreach (var term in ordering)
        {
            if (!sources.Exists(src => TouchesKey(term, src))) continue;
            // The term is one of t's keys itself (its rowid or an indexed column), and touches no other key.
            int k = term is ColumnExpr column ? sources.FindIndex(src => KeyColumn(column, src) != null) : -1;
            if (k < 0 || (t >= 0 && k != t)) return false;
            t = k;
        }
        if (t < 0) return false;
        int o = 1 - t;
        if (KeyTerms(plan, o, terms, [t]).Count > 0) return false;
        if (KeyTerms(plan, t, terms, [o]) is not { Count: > 0 } lookups || !lookups.TrueForAll(key => !key.Constant && key.Column < 0)) return false;
        for (int k = 0; k < 2; k++)
            if (KeyTerms(plan, k, terms, []).Exists(key => key.Constant)) return false;
        return true;
    }

    /// <summary>An equality between a column of one table and one of the other that a lookup planned either way uses.</summary>
    private static bool IsJoinEquality(Expr term, JoinPlan plan, List<KeyTerm> a, List<KeyTerm> b) =>
        a.Exists(k => ReferenceEquals(k.Term, term)) || b.Exists(k => ReferenceEquals(k.Term, term))
        || (term is BinaryExpr { Op: BinaryOp.Equal } && AutomaticIndexKeys([term], plan.Sources[0], outerColumnsOnly: true).Any() && AutomaticIndexKeys([term], plan.Sources[1], outerColumnsOnly: true).Any());

    /// <summary>
    /// The loop order of an inner pair with lookups on both tables (one better: rowid or UNIQUE over a plain index)
    /// and filters, where where.c's costs provably decide: whereLoopOutputAdjust lowers a table's row estimate, when
    /// it is outside, by one per filter term and to 180 for an equality with a constant other than -1, 0 or 1, while
    /// a filter on the inner table changes no cost. So filters on the table with the worse lookup (outside in the
    /// usual plan) leave that plan standing; an equality filter on the table with the better lookup, beside at most
    /// four filters on the other and no equality there, saves more (20) than the worse lookup costs over the better
    /// one, and turns the loops. sqlite3 3.40.1: FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name = 'x'
    /// plans SCAN u, SEARCH o USING INDEX orders_user (user_id=?); WHERE o.status = 'x' (or u.name > 'x') keeps
    /// SCAN o, SEARCH u USING INTEGER PRIMARY KEY. Null for the other mixes (smaller equalities, ties, equalities on
    /// both tables, more than three other filters on the better-lookup table), where the margins are the tables' widths.
    /// </summary>
    private static (int Outer, int Inner)? FilteredPairOrder(JoinPlan plan, List<Expr> terms, int r0, int r1)
    {
        if (r0 == r1) return null;
        int better = r1 > r0 ? 1 : 0, worse = 1 - better;
        var onBetter = terms.FindAll(t => SingleSource(t, plan) == better);
        var onWorse = terms.FindAll(t => SingleSource(t, plan) == worse);
        if (onBetter.Count == 0) return (worse, better);
        static bool Equality(Expr t) => t is BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is };
        // "column = constant", the column written first (a commuted one is where.c's virtual term: not modelled).
        static bool Saves20(Expr t) => t is BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is, Left: ColumnExpr, Right: var r } && r.IsConstant && !IsSmallIntegerLiteral(r);
        // Up to three filters on it with no equality (ranges, LIKE, IN, IS NOT NULL, <>: one each in
        // whereLoopOutputAdjust, where eight or nine would be needed) keep the plan: WHERE u.name LIKE 'a%' still
        // scans orders and searches users by rowid.
        if (!onBetter.Exists(Equality)) return onBetter.Count <= 3 ? (worse, better) : null;
        if (!onBetter.Exists(Saves20) || onBetter.Exists(t => Equality(t) && !Saves20(t))) return null;
        if (onWorse.Count > 4 || onWorse.Exists(Equality)) return null;
        return (better, worse);
    }

    /// <summary>sqlite3ExprIsInteger for -1, 0 and 1: an integer literal, under unary + or -.</summary>
    private static bool IsSmallIntegerLiteral(Expr e) => e switch
    {
        LiteralExpr { Value.Type: SqlType.Integer } l => l.Value.Integer is >= -1 and <= 1,
        UnaryExpr { Op: UnaryOp.Negate, Operand: LiteralExpr { Value.Type: SqlType.Integer } l } => l.Value.Integer is >= 0 and <= 1,
        UnaryExpr { Op: UnaryOp.Plus, Operand: var operand } => IsSmallIntegerLiteral(operand),
        _ => false,
    };

    /// <summary>The AND term "column = -1, 0 or 1" on a column of the first table that an AND term "column = column"
    /// equates with one of the second, or null.</summary>
    private static Expr? FixedJoinColumnOfFirst(JoinPlan plan, List<Expr> terms)
    {
        JoinSource first = plan.Sources[0], second = plan.Sources[1];
        var joined = new HashSet<int>();
        foreach (var term in terms)
            if (term is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnExpr { IsRowId: false } l, Right: ColumnExpr { IsRowId: false } r })
            {
                if (InSource(l.Index, first) && InSource(r.Index, second)) joined.Add(l.Index);
                if (InSource(r.Index, first) && InSource(l.Index, second)) joined.Add(r.Index);
            }
        if (joined.Count == 0) return null;
        foreach (var term in terms)
            if (term is BinaryExpr { Op: BinaryOp.Equal } eq
                && (eq.Left is ColumnExpr { IsRowId: false } c && IsSmallIntegerLiteral(eq.Right) && joined.Contains(c.Index)
                    || eq.Right is ColumnExpr { IsRowId: false } d && IsSmallIntegerLiteral(eq.Left) && joined.Contains(d.Index)))
                return term;
        return null;
    }

    /// <summary>An equality of a column of table <paramref name="k"/> with an expression over the other table only
    /// that an automatic index on that column would serve.</summary>
    private static bool AutomaticIndexServes(JoinPlan plan, int k, List<Expr> terms)
    {
        foreach (var candidate in AutomaticIndexKeys(terms, plan.Sources[k], outerColumnsOnly: true))
            if (candidate.Usable) return true;
        return false;
    }

    /// <summary>A candidate key of an automatic index: the AND term <c>column = other</c> (either side), the inner
    /// table's column, the expression it is probed with, the comparison's affinity, and whether an automatic index on
    /// the column serves that comparison (sqlite3IndexAffinityOk).</summary>
    private readonly record struct AutomaticIndexKey(Expr Term, ColumnExpr Column, Expr Other, Affinity Affinity, bool Usable);

    /// <summary>
    /// The equalities, in term order, between one of the table's columns (not its rowid) and an expression that reads
    /// none of the table's columns and is not an aggregate; with <paramref name="outerColumnsOnly"/>, the expression
    /// must read some other table's column. The one matcher behind both the planner's choice of loop order
    /// (AutomaticIndexServes) and the join's lookup (Lookup.For), so the two cannot disagree on what an automatic
    /// index would serve.
    /// </summary>
    private static IEnumerable<AutomaticIndexKey> AutomaticIndexKeys(List<Expr> terms, JoinSource src, bool outerColumnsOnly)
    {
        var read = new HashSet<int>();
        foreach (var term in terms)
        {
            if (term is not BinaryExpr { Op: BinaryOp.Equal } eq) continue;
            for (int side = 0; side < 2; side++)
            {
                var (column, other) = side == 0 ? (eq.Left, eq.Right) : (eq.Right, eq.Left);
                if (column is not ColumnExpr { IsRowId: false } col || col.Index < src.Offset || col.Index >= src.Offset + src.Table.Columns.Length) continue;
                read.Clear();
                CollectColumns(other, read);
                if ((outerColumnsOnly && read.Count == 0) || read.Any(i => InSource(i, src)) || other is AggregateExpr) continue;
                var affinity = AffinityRules.ForComparison(col.Affinity, other.Affinity);
                yield return new AutomaticIndexKey(term, col, other, affinity, IndexAffinityOk(affinity, col.Affinity));
            }
        }
    }

    /// <summary>sqlite3IndexAffinityOk: an index on a column of this affinity serves a comparison of that affinity
    /// (a TEXT column for a TEXT comparison, a numeric one for a numeric comparison; BLOB and NONE serve any).</summary>
    private static bool IndexAffinityOk(Affinity comparison, Affinity column) =>
        comparison < Affinity.Text || (comparison == Affinity.Text ? column == Affinity.Text : AffinityRules.IsNumeric(column));

    private static bool InSource(int joinedColumn, JoinSource src) =>
        (joinedColumn >= src.Offset && joinedColumn < src.Offset + src.Table.Columns.Length) || joinedColumn == src.RowIdSlot;

    /// <summary>The term reads one of the table's rowid or indexed columns.</summary>
    private static bool TouchesKey(Expr term, JoinSource src)
    {
        var read = new HashSet<int>();
        CollectColumns(term, read);
        foreach (int i in read)
        {
            if (i == src.RowIdSlot) return true;
            int local = i - src.Offset;
            if (local >= 0 && local < src.Table.Columns.Length && (local == src.Table.RowIdColumn || LookupIndex(src.Table, local) != null)) return true;
        }
        return false;
    }

    /// <summary><c>key = expression</c> on one of the table's rowid or indexed columns (either side).</summary>
    private static bool IsKeyEquality(Expr term, JoinSource src) =>
        term is BinaryExpr { Op: BinaryOp.Equal } eq
        && ((eq.Left is ColumnExpr l && KeyColumn(l, src) != null) || (eq.Right is ColumnExpr r && KeyColumn(r, src) != null));

    /// <summary>The FROM position of the one table a term reads, or -1 when it reads none or several.</summary>
    private static int SingleSource(Expr term, JoinPlan plan)
    {
        var read = new HashSet<int>();
        CollectColumns(term, read);
        int found = -1;
        for (int k = 0; k < plan.Sources.Count; k++)
            if (read.Any(i => InSource(i, plan.Sources[k])))
            {
                if (found >= 0) return -1;
                found = k;
            }
        return found;
    }

    /// <summary>An ORDER BY, GROUP BY or DISTINCT term on a table's rowid or indexed column: SQLite may walk that index
    /// and turn the loops around to do it (rows that tie then come in another order).</summary>
    private static void RefuseOrderingOnKeys(JoinPlan plan, List<Expr> ordering)
    {
        foreach (var term in ordering)
            foreach (var src in plan.Sources)
                if (TouchesKey(term, src))
                    throw new SqlParseException("FastDb does not support ORDER BY, GROUP BY or DISTINCT on an indexed column or a rowid in a JOIN yet");
    }

    /// <summary>The columns of <paramref name="src"/>'s table the query reads, numbered in that table.</summary>
    private static HashSet<int> UsedColumnsOf(JoinPlan plan, JoinSource src)
    {
        var used = new HashSet<int>();
        for (int c = 0; c < src.Table.Columns.Length; c++) if (plan.Used.Contains(src.Offset + c)) used.Add(c);
        return used;
    }

    /// <summary>Every column of the table the query reads is in one index (the rowid aside): SQLite may scan that
    /// index, in its order, instead of the table.</summary>
    private static bool CoveredByIndex(JoinPlan plan, JoinSource src)
    {
        foreach (var ix in src.Table.Indexes)
        {
            if (ix.KeyPlanned) continue; // joins over a table with one are refused (CompositeIndexPlanner)
            bool covers = true;
            for (int c = 0; c < src.Table.Columns.Length && covers; c++)
                if (c != ix.Column && c != src.Table.RowIdColumn && plan.Used.Contains(src.Offset + c)) covers = false;
            if (covers) return true;
        }
        return false;
    }

    /// <summary>Without index lookups, a two-table inner join with a constant filter on its second table is planned
    /// by cost (SQLite then scans that table first): refused, as before indexes were planned.</summary>
    private static void RefuseUnplannedFilters(JoinPlan plan, List<Expr> terms)
    {
        if (plan.Sources.Count != 2 || plan.Clauses[0].Kind is not (JoinKind.Inner or JoinKind.Comma)) return;
        // Turned for an automatic index (TurnForAutomaticIndex), the inner table's filters make it a partial index
        // (EXPLAIN: AUTOMATIC PARTIAL COVERING INDEX), which leaves the rows it finds in the same order.
        if (plan.LoopOrder[0] == 1) return;
        foreach (var c in terms)
            if (IsConstantFilterOn(c, plan.Sources[1]))
                throw new SqlParseException("FastDb does not support a JOIN with a constant filter on its second table yet");
    }
}
