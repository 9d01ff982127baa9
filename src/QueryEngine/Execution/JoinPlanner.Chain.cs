using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// Contract: the loop order of an inner join of three or more tables, in the two shapes where SQLite 3.40.1's path
// solver (where.c, no ANALYZE) provably picks one order whatever the tables hold; every other shape is refused by
// name. It only plans: RunJoin executes the plan.
public sealed partial class Executor
{
    private const string ChainRefusal = "FastDb does not support this join of three or more tables yet (SQLite orders them by cost)";

    /// <summary>
    /// Three or more tables, every one joined by JOIN or a comma, each join term an equality of two tables' columns,
    /// n - 1 of them tying the tables into a tree:
    /// <list type="bullet">
    /// <item>No table pinned: exactly one table, the root, is not found by its rowid (or a UNIQUE column) through
    /// a join equality, and every other one is, from the root or from one found before it. Scanning the root and
    /// looking up one row per table is a million rows by where.c's estimates without ANALYZE; any other order scans
    /// another table and finds the root through a plain or automatic index, ten rows a probe, so ten million or
    /// more. The root is scanned in rowid order (or through an index that covers it, in that index's order, as a
    /// lone table is), and every joined row comes in its root row's order whichever way the lookups are ordered.
    /// Any filter but a key's is allowed on the root; on the other tables up to three that cannot fail at run
    /// time, read no key and are no equality with a constant (see below; pinned, any number, equalities too). sqlite3 3.40.1, EXPLAIN QUERY PLAN of
    /// <c>FROM users u JOIN orders o ON o.user_id = u.id JOIN items i ON i.order_id = o.id</c>, with orders and items
    /// indexed on those columns: SCAN i, SEARCH o USING INTEGER PRIMARY KEY, SEARCH u USING INTEGER PRIMARY KEY.</item>
    /// <item>One table pinned: a WHERE term fixes its rowid or a UNIQUE column to a constant, so it gives one row at
    /// most and goes outside (or fixes a plain index's column, about ten rows by where.c's guess, with no such key
    /// pinned: it still goes outside, found through that index, its rows in rowid order as a scan gives them; with
    /// two tables too, <c>comments c JOIN posts p ON p.id = c.post_id WHERE p.author_id = 1</c>: SEARCH p USING
    /// INDEX posts_author, SEARCH c USING INDEX comments_post). A pin on a column a join equality ties to a key of
    /// another table (SQLite's transitive constant) is refused; every other table is then found through a real index (rowid, UNIQUE or plain) from
    /// the tables before it, never more than one table with several rows a probe in reach at a time (two such
    /// tables could be nested either way). Any filter is allowed on the pinned table, and on the others
    /// those of the first shape. <c>... WHERE u.id = 1</c>: SEARCH u USING INTEGER PRIMARY KEY, SEARCH o
    /// USING COVERING INDEX idx_orders_user (user_id=?), SEARCH i USING INDEX idx_items_order (order_id=?).</item>
    /// </list>
    /// One-row lookups go in FROM order where several are in reach: they leave the order of the rows as it is.
    /// <paramref name="ordering"/> (ORDER BY, GROUP BY and DISTINCT terms) may not read a key of any table (an index
    /// walk could serve it), nor the pinned table (its one row satisfies the ORDER BY, and SQLite sorts less).
    /// </summary>
    private void PlanInnerChain(JoinPlan plan, List<Expr> terms, List<Expr> ordering)
    {
        var sources = plan.Sources;
        int n = sources.Count;
        if (plan.Clauses.Any(c => c.Kind is not (JoinKind.Inner or JoinKind.Comma)))
            throw new SqlParseException("FastDb does not support a join of three or more tables that mixes LEFT or CROSS JOIN with inner joins yet");
        // Each term: an equality between two tables (a possible lookup either way), a pin, or a one-table filter.
        var equalities = new List<(Expr Term, int A, int B)>();
        var filters = new List<(Expr Term, int Table)>();
        var indexPins = new List<(Expr Term, int Table)>();
        int pinned = -1;
        var read = new HashSet<int>();
        foreach (var term in terms)
        {
            read.Clear();
            CollectColumns(term, read);
            var tables = Enumerable.Range(0, n).Where(k => read.Any(i => InSource(i, sources[k]))).ToList();
            if (tables.Count == 2 && term is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnExpr, Right: ColumnExpr })
                equalities.Add((term, tables[0], tables[1]));
            else if (tables.Count == 1)
                switch (KeyTerms(plan, tables[0], [term], []))
                {
                    case [{ Constant: true, Rank: RankRowIdOrUnique }]:
                        if (pinned >= 0 && pinned != tables[0]) throw new SqlParseException(ChainRefusal);
                        pinned = tables[0];
                        break;
                    case [{ Constant: true, Rank: RankIndex }]: indexPins.Add((term, tables[0])); break;
                    default: filters.Add((term, tables[0])); break;
                }
            // A term reading no table is tested once before the loops (RunJoin) and plans nothing.
            else if (tables.Count > 1) throw new SqlParseException(ChainRefusal);
        }
        if (equalities.Count != n - 1) throw new SqlParseException(ChainRefusal);
        // A plain index's column against a constant pins its table too, to about ten rows (where.c's guess), which
        // still puts it outside every plan that scans a table; several such tables would be a cost choice.
        // (PlanLevel looks the outer table up through that index, as SQLite does.)
        if (pinned < 0 && indexPins.Count > 0 && indexPins.TrueForAll(pin => pin.Table == indexPins[0].Table)) pinned = indexPins[0].Table;
        else filters.AddRange(indexPins);
        // A pin on a column a join equality ties to another table's key is a constant for that table too
        // (transitive terms), which SQLite may then put outside: refused.
        if (pinned >= 0)
        {
            var src = sources[pinned];
            foreach (var term in terms)
            {
                if (SingleSource(term, plan) != pinned || KeyTerms(plan, pinned, [term], []) is not [{ Constant: true } pin]) continue;
                // The pinned column as the join reads it: the rowid reads as the rowid slot or the INTEGER PRIMARY KEY.
                bool IsPinColumn(Expr e) => e is ColumnExpr c && (pin.Column >= 0 ? c.Index == src.Offset + pin.Column
                    : c.Index == src.RowIdSlot || (src.Table.RowIdColumn >= 0 && c.Index == src.Offset + src.Table.RowIdColumn));
                foreach (var (eq, a, b) in equalities)
                {
                    if (eq is not BinaryExpr e || (!IsPinColumn(e.Left) && !IsPinColumn(e.Right))) continue;
                    int other = a == pinned ? b : a;
                    if (pin.Rank == RankIndex || KeyTerms(plan, other, [eq], [pinned]) is [{ Rank: RankRowIdOrUnique }]) throw new SqlParseException(ChainRefusal);
                }
            }
        }
        // The best lookup of table k from the tables placed so far: its rank, 0 for none.
        int RankFrom(int k, HashSet<int> placed)
        {
            int best = 0;
            foreach (var (term, a, b) in equalities)
                if ((a == k && placed.Contains(b)) || (b == k && placed.Contains(a)))
                    foreach (var key in KeyTerms(plan, k, [term], placed)) best = Math.Max(best, key.Rank);
            return best;
        }
        int root = pinned;
        if (root < 0)
        {
            var everyOther = new HashSet<int>();
            var roots = new List<int>();
            for (int k = 0; k < n; k++)
            {
                everyOther.Clear();
                for (int o = 0; o < n; o++) if (o != k) everyOther.Add(o);
                if (RankFrom(k, everyOther) < RankRowIdOrUnique) roots.Add(k);
            }
            if (roots.Count != 1) throw new SqlParseException(ChainRefusal);
            root = roots[0];
        }
        // Filters. On the outer table anything but a key term unpinned (a constant on a key of the root makes the
        // table it finds a constant lookup, which SQLite may put outside). On the others, since the one-row lookups'
        // order is SQLite's choice (FROM order without filters; a filter, a GROUP BY or a DISTINCT moves them, by
        // cost) and a lookup that finds no row skips the levels after it, only terms that cannot fail at run time
        // (abs() of the smallest integer would fail in one order and not the other) and call nothing (random() would
        // be drawn a different number of times), and that read no key (an index could find that table first: p.price
        // = 3 with an index on products(price) puts SEARCH p USING COVERING INDEX p_price outside). Unpinned, also no
        // equality with a constant (where.c's guess of a quarter of the rows: FROM items i JOIN orders o ON o.id =
        // i.order_id JOIN users u ON u.id = o.user_id WHERE o.note = 'a', or IN ('a'), plans SCAN o, SEARCH u, SEARCH
        // i USING INDEX i_order; ranges, LIKE, <>, NOT IN, IS [NOT] NULL and o.qty * 2 = 3 keep SCAN i) and at most
        // three (as for two tables, FilteredPairOrder). Anywhere, no equality with a constant on a join column: it is
        // a constant across the join too (transitive terms), which SQLite may search first (q.b = 5 with s.id = q.b
        // puts SEARCH s USING INTEGER PRIMARY KEY outside, ahead of the pinned p).
        var joinColumns = new HashSet<int>();
        foreach (var (eq, _, _) in equalities) CollectColumns(eq, joinColumns);
        int away = 0;
        foreach (var (term, table) in filters)
        {
            if (IsConstantEquality(term))
            {
                read.Clear();
                CollectColumns(term, read);
                if (read.Overlaps(joinColumns)) throw new SqlParseException(ChainRefusal);
            }
            bool outer = table == root;
            if (outer ? pinned < 0 && TouchesKey(term, sources[root])
                : TouchesKey(term, sources[table]) || !RunsWithoutError(term) || (pinned < 0 && (IsConstantEquality(term) || ++away > 3)))
                throw new SqlParseException(ChainRefusal);
        }
        // An ORDER BY, GROUP BY or DISTINCT on an index of any of the tables may be served by walking that index,
        // the table moved outside, and whether that beats the sort is a cost SQLite weighs: GROUP BY q.n (UNIQUE) in
        // p JOIN q ON q.id = p.a JOIN s ON s.id = q.a plans SCAN q USING INDEX, SEARCH s, SEARCH p USING INDEX owa,
        // while ORDER BY u.name (UNIQUE) in orders o JOIN users u ... JOIN products p ... sorts.
        RefuseOrderingOnKeys(plan, ordering);
        if (pinned >= 0 && ordering.Any(term => ReadsSource(term, sources[pinned]))) throw new SqlParseException(ChainRefusal);
        var order = new List<int> { root };
        var before = new HashSet<int> { root };
        while (order.Count < n)
        {
            int next = -1, several = -1, severalCount = 0;
            for (int k = 0; k < n && next < 0; k++)
            {
                if (before.Contains(k)) continue;
                int rank = RankFrom(k, before);
                if (rank == RankRowIdOrUnique) next = k;
                else if (rank == RankIndex && pinned >= 0) { several = k; severalCount++; }
            }
            if (next < 0 && severalCount == 1) next = several;
            if (next < 0) throw new SqlParseException(ChainRefusal);
            order.Add(next);
            before.Add(next);
        }
        plan.LoopOrder = [.. order];
        plan.Access = new IndexAccess?[n];
        plan.OuterIndexOrder = null;
        var placed = new HashSet<int>();
        foreach (int k in order)
        {
            PlanLevel(plan, k, terms, placed, allowAutomatic: false, coveringScan: k == root);
            if (k != root && plan.Access[k] == null) throw new SqlParseException(ChainRefusal);
            placed.Add(k);
        }
    }

    /// <summary>
    /// Two tables joined by JOIN or a comma, then LEFT JOINs only (<c>users u JOIN orders o ON o.user_id = u.id LEFT
    /// JOIN items i ON i.order_id = o.id</c>): a LEFT JOIN's table follows every table before it in FROM (where.c's
    /// prerequisites), and costs the same rows whichever way the pair goes, so the pair is planned as on its own and
    /// the LEFT JOINs follow in FROM order, as a LEFT chain's tables are (sqlite3 3.40.1: SCAN o USING COVERING INDEX
    /// o_user, SEARCH u USING INTEGER PRIMARY KEY, SEARCH i USING INDEX i_order LEFT-JOIN, whichever of u and o comes
    /// first in FROM). The pair's order is planned without ORDER BY, GROUP BY or DISTINCT, so those may read no key
    /// and no column a WHERE term fixes (either could turn the pair). A LEFT JOIN before an inner one is refused:
    /// SQLite may make it an inner join and order all three.
    /// </summary>
    private void PlanPairThenLeftJoins(JoinPlan plan, Expr? where, List<Expr> ordering, List<Expr> innerTerms)
    {
        var sources = plan.Sources;
        int n = sources.Count;
        RefuseOrderingOnKeys(plan, ordering);
        foreach (var term in ordering)
            if (term is ColumnExpr column && ScanPlanner.FixesColumn(innerTerms, column))
                throw new SqlParseException("FastDb does not support ORDER BY, GROUP BY or DISTINCT on a column WHERE fixes in a join of three or more tables yet");
        var pair = new JoinPlan { Joined = plan.Joined, Sources = [sources[0], sources[1]], Clauses = [plan.Clauses[0]], On = [plan.On[0], plan.On[1]], Used = plan.Used };
        PlanJoinLoops(pair, where, [], [], sortTermsOrdered: false);
        plan.LoopOrder = [.. pair.LoopOrder, .. Enumerable.Range(2, n - 2)];
        plan.Access = [.. pair.Access, .. new IndexAccess?[n - 2]];
        plan.Automatic = [.. pair.Automatic, .. new bool[n - 2]];
        plan.OuterIndexOrder = pair.OuterIndexOrder;
        for (int k = 2; k < n; k++)
        {
            var before = new HashSet<int>(Enumerable.Range(0, k));
            PlanLevel(plan, k, TermsFor(plan, k, innerTerms), before, allowAutomatic: AutomaticIndexPays(plan, before, innerTerms));
        }
    }

    /// <summary>One table of a pair has a plain index's column equal to a constant, and no table a rowid or UNIQUE
    /// key: the pinned shape of PlanInnerChain, which the pair's own rules (PlanInnerPair) do not cover.</summary>
    private static bool PinnedByIndexOnly(JoinPlan plan, List<Expr> terms)
    {
        bool index = false;
        foreach (var term in terms)
        {
            if (SingleSource(term, plan) is not (var k and >= 0)) continue;
            foreach (var key in KeyTerms(plan, k, [term], []))
                if (key.Constant && key.Rank == RankRowIdOrUnique) return false;
                else if (key.Constant) index = true;
        }
        return index;
    }

    /// <summary>A column = (or IS) something, IN a one-item list, or IS NULL: what where.c takes for an equality.</summary>
    private static bool IsConstantEquality(Expr term) => term switch
    {
        BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is } b => b.Left is ColumnExpr || b.Right is ColumnExpr,
        InListExpr { Negated: false, Items.Count: 1 } => true,
        IsNullExpr { Negated: false } => true,
        _ => false,
    };

    /// <summary>The expression cannot raise an error or draw anything at run time: columns, literals, comparisons,
    /// AND/OR/NOT, arithmetic (an integer overflow turns real in SQLite, a division by zero gives NULL), IS NULL,
    /// BETWEEN, IN a list, CAST, and LIKE or GLOB against a short literal pattern without ESCAPE (a pattern over
    /// SQLITE_LIMIT_LIKE_PATTERN_LENGTH fails). No function call; no || (a result over the length limit fails).</summary>
    private static bool RunsWithoutError(Expr e) => e switch
    {
        ColumnExpr or LiteralExpr or UnaryExpr or IsNullExpr or BetweenExpr or InListExpr or CastExpr => true,
        BinaryExpr b => b.Op != BinaryOp.Concat,
        LikeExpr l => l.Escape == null && l.Pattern is LiteralExpr { Value.Type: SqlType.Text } p && p.Value.AsText()!.Length <= 1000,
        _ => false,
    } && Expr.OperandsOf(e).All(RunsWithoutError);
}
