using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Execution;

/// <summary>Which order SQLite's planner visits rows in. Equality on the rowid or a UNIQUE column yields at most one
/// row, so order only changes when a range (&lt; &lt;= &gt; &gt;=) on a UNIQUE/PRIMARY KEY column drives the scan:
/// rows then come in that column's order. A rowid range keeps rowid order.</summary>
public static class ScanPlanner
{
    /// <summary>The column whose index order the scan follows, or -1 for rowid order.</summary>
    public static int IndexOrderColumn(Table table, Expr? where, HashSet<int>? used = null) => IndexOrderColumn(table, where, used, out _);

    /// <summary>As above; <paramref name="bounds"/> is how many range terms on that column there are (1: one-sided).</summary>
    public static int IndexOrderColumn(Table table, Expr? where, HashSet<int>? used, out int bounds)
    {
        bounds = 0;
        if (where == null || table.Indexes.Count == 0) return -1;
        // x IN (...) seeks each value ascending: rows in x's index order (rowid order for the rowid).
        if (InColumn(PlannedInList(table, where, used)) is { } inColumn)
            return inColumn.IsRowId || inColumn.Index < 0 ? -1 : inColumn.Index;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        int best = -1, bestScore = 0, bestPosition = -1;
        foreach (var term in terms)
        {
            if (!TryIndexableTerm(term, out var col, out bool isEquality, used, table)) continue;
            if (col.IsRowId || col.Index < 0)
            {
                if (isEquality) return -1; // rowid lookup wins
                continue;
            }
            if (table.IndexOn(col.Index) is not { } index) continue;
            if (isEquality) return -1;     // one row at most
            int score = 1;
            foreach (var t2 in terms)
                if (t2 != term && TryIndexableTerm(t2, out var c2, out _, used, table) && c2.Index == col.Index) score++;
            // At equal cost whereLoopAddBtree's first loop stays: it tries the newest index first (pTab->pIndex).
            int position = table.Indexes.IndexOf(index);
            if (score > bestScore || (score == bestScore && position > bestPosition))
                (bestScore, best, bestPosition) = (score, col.Index, position);
        }
        // A rowid range is preferred over an index range.
        foreach (var term in terms)
            if (TryIndexableTerm(term, out var col, out _, used, table) && (col.IsRowId || col.Index < 0)) return -1;
        bounds = bestScore;
        return best;
    }

    /// <summary>IN (list) and GLOB on an indexed column (or the rowid) can drive SQLite's plan (IN always, GLOB
    /// through its prefix range), which FastDb does not model yet: such a query is refused instead of answered in a
    /// possibly different row order. (BETWEEN is planned as its two comparisons; LIKE never drives.)</summary>
    /// <para>x IN (subquery) on an indexed column drives an index walk in SQLite (rows in that column's order); on
    /// the rowid it drives seeks in ascending rowid order, the table's own order, so a SELECT allows it as an AND
    /// term of a WHERE no other index term could drive. UPDATE and DELETE (<paramref name="ordered"/> false) do
    /// not depend on the visiting order here: a WHERE with a subquery is never run in one pass.</para></summary>
    public static void RefuseUnmodelled(Table table, Expr? where, bool ordered = true)
    {
        if (where == null) return;
        var conjuncts = new List<Expr>();
        SplitAnd(where, conjuncts);
        Walk(where);

        void Walk(Expr e)
        {
            if (ordered && e is SubqueryExpr { Kind: SubqueryKind.In, Negated: false, Left: ColumnExpr ic } && !ReferenceEquals(e, PlannedInList(table, where)))
            {
                bool rowId = ic.IsRowId || ic.Index < 0;
                if ((!rowId && table.IndexOn(ic.Index) != null)
                    || (rowId && (!conjuncts.Contains(e) || HasRowIdOrIndexTerm(table, where) || OrUnionPlan(table, where) != null)))
                    throw new SqlParseException("FastDb does not support IN (subquery) on an indexed column, or on the rowid beside other index terms, in WHERE yet");
            }
            // BETWEEN is planned as its two comparisons (SplitAnd). LIKE never drives a plan here: it is case-blind,
            // so only a NOCASE index could serve it (FastDb has no COLLATE) and sqlite3 scans as for any filter.
            // x IN (constants) alone among the index terms is planned (PlannedInList): in a SELECT on any index, in an
            // UPDATE or DELETE on the rowid (whose order is the table's; an index's order would steer a one-pass).
            // NOT IN, and IN whose list reads the table itself, are filters SQLite never seeks by.
            bool planned = e is InListExpr { Operand: ColumnExpr pc } && ReferenceEquals(e, PlannedInList(table, where))
                           && (ordered || pc.IsRowId || pc.Index < 0);
            bool filter = e is InListExpr il && (il.Negated || !il.Items.TrueForAll(ScanInvariance.Holds));
            if (e is InListExpr or LikeExpr { Glob: true } && !planned && !filter)
            {
                foreach (var child in ((IHasChildren)e).Children)
                    if (child is ColumnExpr c && (c.IsRowId || c.Index < 0 || table.IndexOn(c.Index) != null))
                        throw new SqlParseException("FastDb does not support " + (e is InListExpr ? "IN" : "GLOB") + " on an indexed column or the rowid in WHERE yet");
            }
            switch (e)
            {
                case UnaryExpr u: Walk(u.Operand); break;
                case BinaryExpr b: Walk(b.Left); Walk(b.Right); break;
                case IsNullExpr n: Walk(n.Operand); break;
                case ScalarFunctionExpr f: foreach (var a in f.Args) Walk(a); break;
                case IHasChildren h: foreach (var child in h.Children) Walk(child); break;
            }
        }
    }

    private static bool Covers(Table table, int column, HashSet<int> used)
    {
        foreach (int u in used) if (u != column && u != table.RowIdColumn) return false;
        return true;
    }

    /// <summary>A WHERE term an index or the rowid can answer: column = < <= > >= IS constant, column IS [NOT] NULL
    /// (IS NOT NULL becomes the range "> NULL", as SQLite's STAT4 builds do).</summary>
    public static bool TryIndexableTerm(Expr term, out ColumnExpr column, out bool isEquality, HashSet<int>? used = null, Table? table = null)
    {
        column = null!;
        isEquality = false;
        if (term is IsNullExpr { Operand: ColumnExpr c } n)
        {
            // "x IS NOT NULL" only pays off when the index covers the query (no table lookups).
            if (n.Negated && (used == null || table == null || !Covers(table, c.Index, used))) return false;
            // On a column that cannot be NULL (NOT NULL, or the rowid and its INTEGER PRIMARY KEY alias:
            // sqlite3ExprCanBeNull) SQLite folds "x IS NOT NULL" to true and "x IS NULL" to false (resolve.c, 3.40):
            // a constant, which no index answers, so nothing is left to drive the scan (soak seed 10496: a covering
            // index scan under "ipk IS NOT NULL").
            if (table != null && (c.IsRowId || c.Index < 0 || c.Index == table.RowIdColumn || table.Columns[c.Index].NotNull)) return false;
            column = c;
            isEquality = !n.Negated;
            return true;
        }
        if (term is not BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is or BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual } b) return false;
        ColumnExpr? col = b.Left as ColumnExpr ?? b.Right as ColumnExpr;
        Expr other = ReferenceEquals(col, b.Left) ? b.Right : b.Left;
        if (col == null || !ScanInvariance.Holds(other)) return false;
        // sqlite3IndexAffinityOk: the comparison's affinity must suit the index (a TEXT column compared numerically,
        // say with an INTEGER column of an enclosing query, is not looked up in its index).
        var comparison = Values.AffinityRules.ForComparison(col.Affinity, other.Affinity);
        if (comparison == Values.Affinity.Text ? col.Affinity != Values.Affinity.Text
            : Values.AffinityRules.IsNumeric(comparison) && !Values.AffinityRules.IsNumeric(col.Affinity)) return false;
        column = col;
        isEquality = b.Op is BinaryOp.Equal or BinaryOp.Is;
        return true;
    }

    /// <summary>True when an AND term of WHERE is "column = constant" (either side): sqlite3WhereFindTerm's WO_EQ.</summary>
    public static bool HasEqualityTerm(Expr? where, int column)
    {
        if (where == null) return false;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        foreach (var term in terms)
            if (term is BinaryExpr { Op: BinaryOp.Equal } && TryIndexableTerm(term, out var col, out _) && !col.IsRowId && col.Index == column) return true;
        return false;
    }

    /// <summary>True when an AND term of WHERE fixes <paramref name="column"/> to one value: "column = constant",
    /// "column IS constant" or "column IS NULL" (either side). wherePathSatisfiesOrderBy marks an ORDER BY term on such
    /// a column satisfied before it looks at the scan (eqOpMask), so the rows keep the plan's order, never reversed.</summary>
    public static bool FixesColumn(Expr? where, ColumnExpr column)
    {
        if (where == null) return false;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        return FixesColumn(terms, column);
    }

    /// <summary>As above, over AND terms already split.</summary>
    public static bool FixesColumn(List<Expr> terms, ColumnExpr column)
    {
        foreach (var term in terms)
        {
            ColumnExpr? fixedColumn = term switch
            {
                IsNullExpr { Negated: false, Operand: ColumnExpr c } => c,
                BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is, Left: ColumnExpr l } b when ScanInvariance.Holds(b.Right) => l,
                BinaryExpr { Op: BinaryOp.Equal or BinaryOp.Is, Right: ColumnExpr r } b when ScanInvariance.Holds(b.Left) => r,
                _ => null,
            };
            if (fixedColumn != null && SameColumn(fixedColumn, column)) return true;
        }
        return false;
    }

    /// <summary>True when an AND term "= constant", "IS constant" or "IS NULL" on the rowid or an indexed column other
    /// than <paramref name="column"/> can drive a lookup: without ANALYZE SQLite estimates it at a few rows of a
    /// million-row table, far cheaper than walking the whole index of <paramref name="column"/>.</summary>
    public static bool HasEqualityLookupOtherThan(Table table, Expr? where, ColumnExpr column)
    {
        if (where == null) return false;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        foreach (var term in terms)
        {
            if (!TryIndexableTerm(term, out var col, out bool isEquality, null, table) || !isEquality || SameColumn(col, column)) continue;
            if (col.IsRowId || col.Index < 0 || table.IndexOn(col.Index) != null) return true;
        }
        // x IN (...) seeks a few values too.
        return InColumn(PlannedInListOf(table, terms, null)) is { } x && !SameColumn(x, column);
    }

    /// <summary>Both name the rowid (the word or the INTEGER PRIMARY KEY), or the same other column.</summary>
    public static bool SameColumn(ColumnExpr a, ColumnExpr b) =>
        a.IsRowId || a.Index < 0 ? b.IsRowId || b.Index < 0 : !b.IsRowId && a.Index == b.Index;

    /// <summary>True when a WHERE term (equality or range against a constant) on the rowid or an indexed column
    /// drives the scan, which SQLite prefers over a covering full scan.</summary>
    public static bool HasRowIdOrIndexTerm(Table table, Expr? where, HashSet<int>? used = null)
    {
        if (where == null) return false;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        foreach (var term in terms)
            if (TryIndexableTerm(term, out var col, out _, used, table) && IndexedOrRowId(table, col)) return true;
        return PlannedInListOf(table, terms, used) != null;
    }

    private static bool IndexedOrRowId(Table table, ColumnExpr c) => c.IsRowId || c.Index < 0 || table.IndexOn(c.Index) != null;

    /// <summary>The column left of a planned IN (list or subquery; see PlannedInList), or null.</summary>
    public static ColumnExpr? InColumn(Expr? planned) => planned switch
    {
        InListExpr { Operand: ColumnExpr c } => c,
        SubqueryExpr { Kind: SubqueryKind.In, Left: ColumnExpr c } => c,
        _ => null,
    };

    /// <summary>
    /// The AND term x IN (e1, e2, ...) on the rowid or a one-column index that FastDb plans as SQLite does: one seek
    /// per list value, the values ascending (an ephemeral index of them), so rows come in x's index order (rowid
    /// order on the rowid) and only the matching rows are visited; ranges on other indexes or the rowid are then
    /// filters. Null beside an equality on an index or the rowid, another such IN, an IN (subquery), an OR, or a
    /// multi-column or DESC index, where SQLite would weigh the plans by cost.
    /// </summary>
    public static Expr? PlannedInList(Table table, Expr? where, HashSet<int>? used = null)
    {
        if (where == null || table.Indexes.Count == 0 && !HasRowIdIn(where)) return null;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        return PlannedInListOf(table, terms, used);

        static bool HasRowIdIn(Expr e) => e switch
        {
            InListExpr { Operand: ColumnExpr c } => c.IsRowId || c.Index < 0,
            SubqueryExpr { Kind: SubqueryKind.In, Left: ColumnExpr c } => c.IsRowId || c.Index < 0,
            BinaryExpr { Op: BinaryOp.And } a => HasRowIdIn(a.Left) || HasRowIdIn(a.Right),
            _ => false,
        };
    }

    private static Expr? PlannedInListOf(Table table, List<Expr> terms, HashSet<int>? used)
    {
        if (table.HasKeyPlannedIndex) return null;
        Expr? found = null;
        foreach (var term in terms)
        {
            if (term is InListExpr { Negated: false, Operand: ColumnExpr c } inList && IndexedOrRowId(table, c))
            {
                if (found != null || inList.Items.Count == 0 || !inList.Items.TrueForAll(ScanInvariance.Holds)) return null;
                found = inList;
                continue;
            }
            // x IN (SELECT ...) not reading this table's row: its rows, distinct and ascending, are seeked the same way.
            if (term is SubqueryExpr { Kind: SubqueryKind.In, Negated: false, Left: ColumnExpr sc } sq && IndexedOrRowId(table, sc))
            {
                if (found != null || sq.EnclosingColumns.Count > 0) return null;
                found = sq;
                continue;
            }
            if (term is BinaryExpr { Op: BinaryOp.Or } or SubqueryExpr { Kind: SubqueryKind.In }) return null;
            // A range elsewhere (a quarter of the rows, by SQLite's estimate) loses to a few seeks; an equality may not.
            if (TryIndexableTerm(term, out var col, out bool isEquality, used, table) && IndexedOrRowId(table, col) && isEquality) return null;
        }
        return found;
    }

    /// <summary>True when a WHERE term on the rowid or on an indexed column other than <paramref name="column"/> could
    /// drive the scan (a rowid term counts unless <paramref name="column"/> is the rowid: -1 or the INTEGER PRIMARY KEY).</summary>
    public static bool HasIndexTermOtherThan(Table table, Expr? where, int column, HashSet<int>? used = null)
    {
        if (where == null) return false;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        foreach (var term in terms)
        {
            if (!TryIndexableTerm(term, out var col, out _, used, table)) continue;
            bool rowId = col.IsRowId || col.Index < 0;
            if (rowId ? column != -1 && column != table.RowIdColumn : col.Index != column && table.IndexOn(col.Index) != null) return true;
        }
        return false;
    }

    /// <summary>For a SELECT with no usable WHERE term: SQLite scans a covering index instead of the table when the
    /// index row is estimated narrower than the table row (whereLoopAddBtree's CoverIdxScan), picking the cheapest,
    /// newest index on ties. Returns the index's column, or -1 for a table scan.</summary>
    public static int CoveringIndexColumn(Table table, HashSet<int> usedColumns)
    {
        FullScanCost(table, usedColumns, out int column);
        return column;
    }

    /// <summary>What a full scan of the table adds to its LogEst row count in whereLoopAddBtree: 16 through the table,
    /// 1 + 15 * szIdxRow / szTabRow through the cheapest covering index (<paramref name="column"/>, else -1).</summary>
    public static int FullScanCost(Table table, HashSet<int> usedColumns, out int column)
    {
        column = -1;
        const int tableScan = 16;
        if (table.Indexes.Count == 0) return tableScan;
        int szTabRow = TableRowLogEst(table);
        int best = -1, bestCost = int.MaxValue;
        for (int i = table.Indexes.Count - 1; i >= 0; i--)
        {
            var ix = table.Indexes[i];
            if (ix.KeyPlanned || !Covers(table, ix.Column, usedColumns)) continue;
            int szIdxRow = IndexRowLogEst(table, ix.Column);
            if (szIdxRow >= szTabRow) continue;
            int cost = 1 + 15 * szIdxRow / szTabRow;
            if (cost < bestCost) { bestCost = cost; best = ix.Column; }
        }
        if (best < 0) return tableScan;
        column = best;
        return bestCost;
    }

    /// <summary>select.c's minMaxQuery: an aggregate query without GROUP BY whose only aggregate call (equal calls
    /// count once) is min(x) or max(x), not DISTINCT. SQLite then plans it as ORDER BY x (DESC for max) and stops at
    /// the first row when the walk gives that order, so max() reads the last of the keys that compare equal (1 and
    /// 1.0) in index order, where the aggregate over a forward walk would keep the first.</summary>
    public static AggregateExpr? LoneMinMax(IEnumerable<Expr> expressions)
    {
        var calls = new List<AggregateExpr>();
        foreach (var e in expressions) AggregateExpr.CollectIn(e, calls);
        if (calls.Count == 0 || calls.Exists(c => !c.SameAs(calls[0]))) return null;
        return calls[0] is { IsMinMax: true, Distinct: false, Argument: not null } call ? call : null;
    }

    /// <summary>sqlite3AffinityType's column size estimate (an integer is 1).</summary>
    public static int SizeEstimate(string? declared)
    {
        if (string.IsNullOrEmpty(declared)) return 1;
        var aff = Values.AffinityRules.FromDeclaredType(declared);
        if (aff >= Values.Affinity.Numeric) return 1;
        string t = declared.ToLowerInvariant();
        int zChar = -1;
        uint h = 0;
        for (int i = 0; i < t.Length; i++)
        {
            h = (h << 8) + t[i];
            if (h == 0x63686172) zChar = i + 1;                                       // "char"
            else if (h == 0x626c6f62 && i + 1 < t.Length && t[i + 1] == '(') zChar = i + 1; // "blob("
        }
        int v = 16;
        if (zChar >= 0)
        {
            v = 0;
            int j = zChar;
            while (j < t.Length && !char.IsAsciiDigit(t[j])) j++;
            if (j < t.Length)
            {
                long n = 0;
                while (j < t.Length && char.IsAsciiDigit(t[j]) && n < int.MaxValue) n = n * 10 + (t[j++] - '0');
                v = (int)Math.Min(n, int.MaxValue);
            }
        }
        v = v / 4 + 1;
        return Math.Min(v, 255);
    }

    /// <summary>sqlite3LogEst: about 10*log2(x).</summary>
    public static int LogEst(ulong x)
    {
        ReadOnlySpan<int> a = [0, 2, 3, 5, 6, 7, 8, 9];
        int y = 40;
        if (x < 8)
        {
            if (x < 2) return 0;
            while (x < 8) { y -= 10; x <<= 1; }
        }
        else
        {
            while (x > 255) { y += 40; x >>= 4; }
            while (x > 15) { y += 10; x >>= 1; }
        }
        return a[(int)(x & 7)] + y - 10;
    }

    /// <summary>One branch of SQLite's multi-index OR plan: the rows matching <see cref="Term"/>, visited in the
    /// order of <see cref="OrderColumn"/> (-1 = rowid order).</summary>
    public readonly record struct OrBranch(Expr Term, int OrderColumn);

    /// <summary>When no AND term can drive the scan but an OR term has an index-driven term in every disjunct, SQLite
    /// runs one index scan per disjunct and skips rows already seen; an OR of equalities on one column becomes an
    /// IN scanned in that column's order. Null when the plan is a plain scan.</summary>
    public static List<OrBranch>? OrUnionPlan(Table table, Expr? where, HashSet<int>? used = null)
    {
        if (where == null || HasRowIdOrIndexTerm(table, where, used)) return null;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        foreach (var term in terms)
        {
            if (term is not BinaryExpr { Op: BinaryOp.Or }) continue;
            var disjuncts = new List<Expr>();
            SplitOr(term, disjuncts);
            if (EqualitiesOnOneColumn(disjuncts) is { } inColumn)
            {
                if (inColumn.IsRowId || inColumn.Index < 0) return [new OrBranch(term, -1)];
                if (table.IndexOn(inColumn.Index) != null) return [new OrBranch(term, inColumn.Index)];
                continue;
            }
            var branches = new List<OrBranch>();
            int cost = -1, rows = -1;
            foreach (var d in disjuncts)
            {
                var driving = DrivingTerm(table, d, used);
                if (driving == null) { branches = null; break; }
                branches.Add(driving.Value);
                int branchCost = DisjunctCost(table, d, used, out int branchRows);
                cost = cost < 0 ? branchCost : LogEstAdd(cost, branchCost);
                rows = rows < 0 ? branchRows : LogEstAdd(rows, branchRows);
            }
            // whereLoopAddOr: the sum of the branches' costs plus 1 must beat a full scan (and a covering index scan);
            // at equal cost wherePathSolver keeps the plan with fewer rows out (a scan keeps about all of them).
            int scan = ScanCost(table, used);
            if (branches != null && (cost + 1 < scan || cost + 1 == scan && rows < RowsLogEst - terms.Count)) return branches;
        }
        return null;
    }

    // SQLite's estimates without ANALYZE: 1,048,576 rows (LogEst 200), an equality on a non-unique index column
    // keeps 10 rows (23), IS NULL twice that (+10), each range bound keeps a quarter (-20, at least 10), except the
    // "> NULL" that IS NOT NULL becomes (TERM_VNULL), which keeps all.
    private const int RowsLogEst = 200;
    private static readonly int LogRowsLogEst = LogEst(RowsLogEst) - 33; // estLog(200): the seek, 43

    /// <summary>whereLoopAddBtree's cost of the plain scan of the table: a full scan (3N, rSize + 16) or, when an index
    /// covers every column the query reads, that index's scan if it is cheaper.</summary>
    private static int ScanCost(Table table, HashSet<int>? used)
    {
        int cost = RowsLogEst + 16;
        if (used == null) return cost;
        int szTab = TableRowLogEst(table);
        foreach (var ix in table.Indexes)
        {
            if (ix.KeyPlanned) continue;
            int szIdx = IndexRowLogEst(table, ix.Column);
            if (szIdx < szTab && Covers(table, ix.Column, used)) cost = Math.Min(cost, RowsLogEst + 1 + 15 * szIdx / szTab);
        }
        return cost;
    }

    /// <summary>The cheapest of whereLoopAddBtreeIndex's costs for one disjunct: over the rowid and each indexed
    /// column its AND terms constrain, the rows it keeps (nOut), the index walk (nOut + 1 + 15 * szIdxRow / szTabRow,
    /// after a seek of estLog(N)) and, unless the index covers the query or it is the rowid, a table lookup per row
    /// (nOut + 16).</summary>
    private static int DisjunctCost(Table table, Expr disjunct, HashSet<int>? used, out int rows)
    {
        rows = RowsLogEst;
        var terms = new List<Expr>();
        SplitAnd(disjunct, terms);
        int szTab = TableRowLogEst(table), best = int.MaxValue;
        var columns = new HashSet<int>();
        foreach (var term in terms)
            if (TryIndexableTerm(term, out var col, out _, used, table))
                columns.Add(col.IsRowId || col.Index < 0 || col.Index == table.RowIdColumn ? -1 : col.Index);
        foreach (int column in columns)
        {
            bool rowId = column < 0;
            var index = rowId ? null : table.IndexOn(column);
            if (!rowId && index == null) continue;
            bool eq = false, isNull = false, lower = false, upper = false;
            foreach (var term in terms)
            {
                if (!TryIndexableTerm(term, out var col, out bool isEquality, used, table)) continue;
                int c = col.IsRowId || col.Index < 0 || col.Index == table.RowIdColumn ? -1 : col.Index;
                if (c != column) continue;
                if (term is IsNullExpr n)
                {
                    if (!n.Negated) { eq = true; isNull = true; }
                    continue; // IS NOT NULL: the "> NULL" bound keeps every row
                }
                if (isEquality) { eq = true; continue; }
                var b = (BinaryExpr)term;
                if (b.Op is BinaryOp.Greater or BinaryOp.GreaterEqual == b.Left is ColumnExpr) lower = true; else upper = true;
            }
            int bounds = (lower ? 1 : 0) + (upper ? 1 : 0);
            int nOut = eq ? (rowId || (index!.Unique && !isNull) ? 0 : 23 + (isNull ? 10 : 0))
                : bounds == 0 ? RowsLogEst : Math.Max(10, RowsLogEst - 20 * bounds);
            int szIdx = rowId ? szTab : IndexRowLogEst(table, column);
            int run = LogEstAdd(LogRowsLogEst, nOut + 1 + 15 * szIdx / szTab);
            if (!rowId && (used == null || !Covers(table, column, used))) run = LogEstAdd(run, nOut + 16);
            if (run < best) { best = run; rows = nOut; }
        }
        return best;
    }

    private static int TableRowLogEst(Table table)
    {
        int width = table.RowIdColumn < 0 ? 1 : 0;
        foreach (var c in table.Columns) width += SizeEstimate(c.DeclaredType);
        return LogEst((ulong)width * 4);
    }

    private static int IndexRowLogEst(Table table, int column) => LogEst((ulong)(SizeEstimate(table.Columns[column].DeclaredType) + 1) * 4);

    /// <summary>sqlite3LogEstAdd: the LogEst of the sum of two LogEst values.</summary>
    public static int LogEstAdd(int a, int b)
    {
        ReadOnlySpan<byte> x = [10, 10, 9, 9, 8, 8, 7, 7, 7, 6, 6, 6, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2];
        if (a < b) (a, b) = (b, a);
        if (a > b + 49) return a;
        if (a > b + 31) return a + 1;
        return a + x[a - b];
    }

    private static ColumnExpr? EqualitiesOnOneColumn(List<Expr> disjuncts)
    {
        ColumnExpr? column = null;
        foreach (var d in disjuncts)
        {
            if (d is not BinaryExpr { Op: BinaryOp.Equal } b) return null;
            ColumnExpr? col = b.Left as ColumnExpr ?? b.Right as ColumnExpr;
            Expr other = ReferenceEquals(col, b.Left) ? b.Right : b.Left;
            if (col == null || !ScanInvariance.Holds(other)) return null;
            if (column != null && column.Index != col.Index) return null;
            column = col;
        }
        return column;
    }

    /// <summary>The term of a disjunct that an index or the rowid can answer: equality before range, rowid first.</summary>
    private static OrBranch? DrivingTerm(Table table, Expr disjunct, HashSet<int>? used)
    {
        var terms = new List<Expr>();
        SplitAnd(disjunct, terms);
        OrBranch? best = null;
        int bestRank = int.MaxValue;
        foreach (var term in terms)
        {
            if (!TryIndexableTerm(term, out var col, out bool eq, used, table)) continue;
            bool rowId = col.IsRowId || col.Index < 0;
            if (!rowId && table.IndexOn(col.Index) == null) continue;
            int rank = (eq ? 0 : 2) + (rowId ? 0 : 1);
            if (rank < bestRank) { bestRank = rank; best = new OrBranch(term, rowId ? -1 : col.Index); }
        }
        return best;
    }

    private static void SplitOr(Expr e, List<Expr> into)
    {
        if (e is BinaryExpr { Op: BinaryOp.Or } o) { SplitOr(o.Left, into); SplitOr(o.Right, into); }
        else into.Add(e);
    }

    /// <summary>The AND terms of WHERE that bound a walk of <paramref name="column"/>'s index (or the rowid): SQLite
    /// seeks to the range they give, so rows outside it are never visited and the other terms never run on them.</summary>
    public static List<Expr> WalkBounds(Table table, Expr? where, ColumnExpr column, HashSet<int>? used)
    {
        var bounds = new List<Expr>();
        if (where == null) return bounds;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        var inList = PlannedInListOf(table, terms, used);
        foreach (var term in terms)
        {
            // "x IS NOT NULL" bounds the walk of x's own index whether or not that index covers the query; x IN (...)
            // seeks its values only.
            if (term is IsNullExpr { Negated: true, Operand: ColumnExpr n } && SameColumn(n, column)) bounds.Add(term);
            else if (ReferenceEquals(term, inList) && InColumn(term) is { } ic && SameColumn(ic, column)) bounds.Add(term);
            else if (TryIndexableTerm(term, out var c, out bool isEquality, used, table) && !isEquality && SameColumn(c, column)) bounds.Add(term);
        }
        return bounds;
    }

    /// <summary>How many sides (lower, upper: 0 to 2) the range terms of WHERE bound on <paramref name="column"/>
    /// (-1: the rowid). Two lower bounds are still one side: SQLite seeks by one of them.</summary>
    public static int RangeSides(Table table, Expr? where, int column)
    {
        if (where == null) return 0;
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        bool lower = false, upper = false;
        foreach (var term in terms)
        {
            if (!TryIndexableTerm(term, out var c, out bool isEquality, null, table) || isEquality) continue;
            if (column < 0 ? !(c.IsRowId || c.Index < 0) : c.IsRowId || c.Index != column) continue;
            if (term is not BinaryExpr b) { lower = true; continue; } // IS NOT NULL: "> NULL"
            bool columnLeft = b.Left is ColumnExpr;
            bool greater = b.Op is BinaryOp.Greater or BinaryOp.GreaterEqual;
            if (greater == columnLeft) lower = true; else upper = true;
        }
        return (lower ? 1 : 0) + (upper ? 1 : 0);
    }

    /// <summary>
    /// The AND terms the scan's seek consumes, so that the rows failing them are never visited: the range on the
    /// index <paramref name="orderColumn"/> drives (see IndexOrderColumn), else the rowid's range, else the
    /// equalities on the one indexed column that has them. Null when the plan reads every row, or when equalities
    /// on several indexes leave the choice to costs FastDb does not model. <paramref name="indexColumn"/>: the column
    /// of the index the loop reads (-1: the rowid, or none).
    /// </summary>
    public static List<Expr>? SeekTerms(Table table, Expr? where, int orderColumn, HashSet<int>? used, out int indexColumn)
    {
        indexColumn = orderColumn;
        if (where == null) return null;
        if (orderColumn >= 0) return WalkBounds(table, where, new ColumnExpr(orderColumn, table.Columns[orderColumn].Affinity, false), used);
        var terms = new List<Expr>();
        SplitAnd(where, terms);
        var rowIdRange = new List<Expr>();
        var equalities = new List<Expr>();
        int equalityColumn = -1;
        bool severalEqualityColumns = false;
        var inList = PlannedInListOf(table, terms, used);
        foreach (var term in terms)
        {
            if (inList != null && ReferenceEquals(term, inList) && InColumn(inList) is { IsRowId: true } or { Index: < 0 }) { rowIdRange.Add(term); continue; }
            if (!TryIndexableTerm(term, out var c, out bool isEquality, used, table)) continue;
            if (c.IsRowId || c.Index < 0) { if (!isEquality) rowIdRange.Add(term); continue; }
            if (!isEquality || table.IndexOn(c.Index) == null) continue;
            if (equalityColumn >= 0 && equalityColumn != c.Index) severalEqualityColumns = true;
            equalityColumn = c.Index;
            equalities.Add(term);
        }
        if (rowIdRange.Count > 0) return rowIdRange;
        if (equalities.Count == 0 || severalEqualityColumns) return null;
        indexColumn = equalityColumn;
        return equalities;
    }

    /// <summary>WHERE's AND terms as where.c analyses them: x BETWEEN a AND b adds the virtual terms x >= a and
    /// x &lt;= b (exprAnalyze's TERM_VIRTUAL children), which an index or the rowid can use as a two-sided range.</summary>
    private static void SplitAnd(Expr e, List<Expr> into)
    {
        if (e is BinaryExpr { Op: BinaryOp.And } a) { SplitAnd(a.Left, into); SplitAnd(a.Right, into); }
        else if (e is BetweenExpr { Negated: false } between)
        {
            into.Add(e);
            into.Add(new BinaryExpr(BinaryOp.GreaterEqual, between.Operand, between.Low));
            into.Add(new BinaryExpr(BinaryOp.LessEqual, between.Operand, between.High));
        }
        else into.Add(e);
    }
}
