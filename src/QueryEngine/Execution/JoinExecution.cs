using System.Runtime.InteropServices;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// Joins: the tables of FROM make one joined row shape (each table's columns side by side, then each table's rowid),
// produced by nested loops in FROM order and streamed to the rest of SELECT (copied only where it sorts or groups).
public sealed partial class Executor
{
    /// <summary>A prepared join: the joined table's shape, the tables as names see them, each inner table's ON.</summary>
    private sealed class JoinPlan
    {
        public required Table Joined;
        public required List<JoinSource> Sources;
        public required List<JoinClause> Clauses;
        public Expr?[] On = [];
        /// <summary>Joined-row columns the query reads anywhere (result, WHERE, ON, GROUP BY, ORDER BY, HAVING):
        /// SQLite's colUsed, which decides the extra columns of an automatic index.</summary>
        public HashSet<int> Used = [];
        /// <summary>The tables' FROM positions in loop order, outermost first (PlanJoinLoops).</summary>
        public int[] LoopOrder = [];
        /// <summary>Per FROM position: the index lookup that finds its rows, or null (a scan, or an automatic index).</summary>
        public IndexAccess?[] Access = [];
        /// <summary>Per FROM position: an equality with the tables outside it is answered as SQLite's automatic index.</summary>
        public bool[] Automatic = [];
        /// <summary>The key columns of the index the outer scan walks (a one-column index for a range carried over
        /// through a join equality, TurnForFixedOrdering, or one that covers the table; a multi-column one that
        /// covers it), its rows in their order, then rowid; null for rowid order.</summary>
        public int[]? OuterIndexOrder;
        /// <summary>The ORDER BY is the outer table's rowid: the outer scan walks the table in rowid order (backwards
        /// when <see cref="OuterDescending"/>) and the joined rows stream out with no sort (PlanOrderByOuterRowId).</summary>
        public bool OrderSatisfied;
        public bool OuterDescending;
        /// <summary>The loops give GROUP BY's groups one after another (the outer table walked in rowid order,
        /// PlanGroupsByOuterRowId): each group is aggregated and printed as the next begins, with no sort.</summary>
        public bool GroupsSatisfied;
    }

    /// <summary>Looks up FROM's tables and USING columns (sqlite3ProcessJoin, before any name is resolved) and
    /// builds the joined table's columns.</summary>
    private JoinPlan PrepareJoin(SelectStatement s)
    {
        if (s.FromIsCall) RequireFromTable(s);
        foreach (var j in s.Joins) if (j.IsCall) RequireFromItem(j.Table, true, j.Schema);
        var names = new List<(string Name, string? Schema, string? Alias)> { (s.From!, s.FromSchema, s.FromAlias) };
        foreach (var j in s.Joins) names.Add((j.Table, j.Schema, j.Alias));
        var sources = new List<JoinSource>();
        int width = 0;
        foreach (var (name, schema, alias) in names)
        {
            var t = RequireReadableTable(name, schema); // "no such table: foo.t" before the refusal of sqlite_master
            if (SchemaTable.CanonicalName(name) != null) throw new SqlParseException("FastDb does not support JOIN with " + name + " yet");
            sources.Add(new JoinSource { Table = t, Alias = alias, Offset = width });
            width += t.Columns.Length;
        }
        var columns = new List<Column>();
        foreach (var src in sources)
            foreach (var c in src.Table.Columns) columns.Add(new Column { Name = c.Name, DeclaredType = c.DeclaredType, Affinity = c.RowIdColumnAffinity(src.Table, columns.Count - src.Offset) });
        for (int i = 0; i < sources.Count; i++)
        {
            sources[i].RowIdSlot = width + i;
            columns.Add(new Column { Name = "rowid", Affinity = Affinity.Integer });
        }
        var joined = new Table { Name = sources[0].Table.Name, Columns = [.. columns] };
        var plan = new JoinPlan { Joined = joined, Sources = sources, Clauses = s.Joins, On = new Expr?[sources.Count] };
        // USING (x): x must be in the right table and in a table to its left; it joins the leftmost such table's x.
        for (int k = 1; k < sources.Count; k++)
        {
            var clause = s.Joins[k - 1];
            if (clause.Natural)
                clause.Using = [.. sources[k].Table.Columns.Select(c => c.Name).Where(n => sources.Take(k).Any(l => l.Table.ColumnIndex(n) >= 0))];
            if (clause.Using == null || clause.Using.Count == 0) continue;
            var right = sources[k];
            right.UsingColumns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            Expr? on = null;
            foreach (var column in clause.Using)
            {
                int r = right.Table.ColumnIndex(column);
                var left = r < 0 ? null : sources.Take(k).FirstOrDefault(src => src.Table.ColumnIndex(column) >= 0);
                if (left == null) throw new SqlParseException("cannot join using column " + column + " - column not present in both tables");
                right.UsingColumns.Add(column);
                var eq = new BinaryExpr(BinaryOp.Equal, new NameExpr(column, left.Name, false), new NameExpr(column, right.Name, false));
                on = on == null ? eq : new BinaryExpr(BinaryOp.And, on, eq);
            }
            clause.On = on;
        }
        return plan;
    }

    /// <summary>Binds each ON (after WHERE, as SQLite ANDs them to it) and refuses WHERE on the right table of a LEFT
    /// JOIN (which may turn it into an inner one) other than its column IS NULL. The loops are planned later, once the
    /// columns the query reads are known (PlanJoinLoops, which refuses the orders SQLite's costs decide).</summary>
    private void BindJoin(JoinPlan plan, Expr? where)
    {
        for (int k = 1; k < plan.Sources.Count; k++)
            if (plan.Clauses[k - 1].On is { } on)
            {
                // SQLite marks every node of an ON clause, and its error offsets skip marked nodes: no caret.
                try { plan.On[k] = Expr.BindWhole(on, new Scope { Host = this, Outer = _outer, Table = plan.Joined, Sources = plan.Sources }); }
                catch (SqlParseException e) when (e.Offset >= 0) { throw new SqlParseException(e.Message, -1, e.Code); }
            }
        if (where == null) return;
        var conjuncts = new List<Expr>();
        SplitConjuncts(where, conjuncts);
        for (int k = 1; k < plan.Sources.Count; k++)
            if (plan.Clauses[k - 1].Kind == JoinKind.Left)
                foreach (var c in conjuncts)
                    // `right.col IS NULL` (the rows no right row matched, or whose column is NULL) rejects no NULL row,
                    // so SQLite keeps the LEFT JOIN and its FROM order and tests the term on the joined row, NULL row
                    // too; any other term may reject the NULL row and turn the join into an inner one (EXPLAIN of FROM
                    // posts p LEFT JOIN likes l ON l.post_id = p.id WHERE l.id IS NULL: SCAN p, SEARCH l USING
                    // COVERING INDEX likes_post LEFT-JOIN).
                    if (ReadsSource(c, plan.Sources[k]) && c is not IsNullExpr { Negated: false, Operand: ColumnExpr })
                        throw new SqlParseException("FastDb does not support WHERE on the right table of a LEFT JOIN yet");
    }

    private static void SplitConjuncts(Expr e, List<Expr> into)
    {
        if (e is BinaryExpr { Op: BinaryOp.And } a) { SplitConjuncts(a.Left, into); SplitConjuncts(a.Right, into); }
        else into.Add(e);
    }

    /// <summary>A term on the source's columns and constants only (what could drive an automatic index there).</summary>
    private static bool IsConstantFilterOn(Expr term, JoinSource src)
    {
        var used = new HashSet<int>();
        CollectColumns(term, used);
        return used.Count > 0 && used.All(i => i >= src.Offset && i < src.Offset + src.Table.Columns.Length);
    }

    private static bool ReadsSource(Expr e, JoinSource src, HashSet<int>? used = null)
    {
        if (used == null) { used = new HashSet<int>(); CollectColumns(e, used); }
        return used.Any(i => (i >= src.Offset && i < src.Offset + src.Table.Columns.Length) || i == src.RowIdSlot);
    }

    /// <summary>
    /// Nested loops in the planned order (PlanJoinLoops; FROM order unless a lookup decides otherwise), each table
    /// found as planned: through a rowid or index lookup (rows of one key in rowid order), else in rowid order, an
    /// equality with the tables outside it answered from a hash of that column as SQLite's automatic index answers it
    /// (matching rows in its order), under the comparison's affinity. A LEFT JOIN's ON decides which rows pair with
    /// the row built so far, and a row no inner row matched pairs with NULLs. Each joined row WHERE accepts goes to
    /// <paramref name="sink"/> in one reused buffer (copy what you keep), with a running count as its rowid; the sink
    /// returns false to stop (LIMIT reached). Nothing is materialized, so a join costs what its loops cost, like
    /// SQLite's. Constant WHERE terms are evaluated first, as sqlite3WhereBegin does.
    /// </summary>
    private void RunJoin(JoinPlan plan, Expr? where, Func<SqlValue[], long, bool> sink)
    {
        if (where != null && ConstantTermIsFalse(where)) return;
        var sources = plan.Sources;
        int n = sources.Count;
        var order = plan.LoopOrder;
        var (on, filters) = PushDownTerms(plan, where);
        var lookups = new Lookup?[n];
        for (int level = 0; level < n; level++)
        {
            int k = order[level];
            if (plan.Access[k] is { } access) lookups[level] = Lookup.ForIndex(sources[k], access);
            else if (level > 0 && plan.Automatic[k]) lookups[level] = Lookup.For(on[level] ?? filters[level], sources[k], plan.Used);
            // The equality a lookup answers holds for every row it returns (same affinity, same comparison, NULLs
            // never found), so it is not tested again: SQLite's index seek consumes its term the same way.
            foreach (var consumed in lookups[level]?.Terms ?? [])
            {
                if (on[level] != null) on[level] = Without(on[level]!, consumed);
                else if (filters[level] != null) filters[level] = Without(filters[level]!, consumed);
            }
        }
        Row[]? outerInIndexOrder = null;
        if (plan.OuterDescending)
        {
            outerInIndexOrder = [.. sources[order[0]].Table.Rows];
            Array.Reverse(outerInIndexOrder);
        }
        else if (plan.OuterIndexOrder is { } key)
        {
            outerInIndexOrder = [.. sources[order[0]].Table.Rows];
            Array.Sort(outerInIndexOrder, ByColumnsThenRowId(key));
        }
        var row = new SqlValue[plan.Joined.Columns.Length];
        var context = new RowContext { Values = row };
        long count = 0;
        bool Passes(Expr? term)
        {
            if (term == null) return true;
            var v = term.Eval(context);
            return !v.IsNull && Arithmetic.IsTrue(v);
        }
        bool Level(int level)
        {
            if (level == n)
            {
                context.RowId = ++count;
                return sink(row, count);
            }
            int k = order[level];
            var src = sources[k];
            bool matched = false;
            var candidates = lookups[level] is { } lookup ? lookup.Probe(context)
                : level == 0 && outerInIndexOrder != null ? outerInIndexOrder : CollectionsMarshal.AsSpan(src.Table.Rows);
            foreach (var r in candidates)
            {
                r.Values.AsSpan().CopyTo(row.AsSpan(src.Offset)); // a span copy: Array.Copy checks types per call
                row[src.RowIdSlot] = SqlValue.FromInteger(r.RowId);
                if (!Passes(on[level])) continue;
                matched = true;
                if (!Passes(filters[level])) continue;
                if (!Level(level + 1)) return false;
            }
            if (!matched && k > 0 && plan.Clauses[k - 1].Kind == JoinKind.Left)
            {
                Array.Clear(row, src.Offset, src.Table.Columns.Length);
                row[src.RowIdSlot] = SqlValue.Null;
                if (!Passes(filters[level])) return true;
                return Level(level + 1);
            }
            return true;
        }
        Level(0);
    }

    /// <summary>
    /// Where SQLite tests each term, by loop level: a WHERE term, and an ON term of an inner or comma join, at the
    /// loop of the last table it reads (so a term on the outer table alone runs, and may fail, before the inner loop
    /// is entered); the ON of a LEFT JOIN stays with its table (it decides the NULL row; LEFT JOINs keep FROM order).
    /// Terms reading no table were tested once before the loops. Returns each level's ON and filter, null when empty.
    /// </summary>
    private static (Expr?[] On, Expr?[] Filters) PushDownTerms(JoinPlan plan, Expr? where)
    {
        int n = plan.Sources.Count;
        var on = new Expr?[n];
        var filters = new Expr?[n];
        var levelOf = new int[n];
        for (int level = 0; level < n; level++) levelOf[plan.LoopOrder[level]] = level;
        var read = new HashSet<int>();
        static Expr And(Expr? a, Expr b) => a == null ? b : new BinaryExpr(BinaryOp.And, a, b);
        void Place(Expr c, bool skipConstant)
        {
            int level = LastLevelRead(c, plan, levelOf, read);
            if (level < 0 && skipConstant && c.IsConstant) return;
            filters[Math.Max(level, 0)] = And(filters[Math.Max(level, 0)], c);
        }
        for (int k = 1; k < n; k++)
        {
            if (plan.On[k] == null) continue;
            if (plan.Clauses[k - 1].Kind == JoinKind.Left) { on[levelOf[k]] = plan.On[k]; continue; }
            var conjuncts = new List<Expr>();
            SplitConjuncts(plan.On[k]!, conjuncts);
            foreach (var c in conjuncts) Place(c, skipConstant: false);
        }
        if (where != null)
        {
            var conjuncts = new List<Expr>();
            SplitConjuncts(where, conjuncts);
            foreach (var c in conjuncts) Place(c, skipConstant: true);
        }
        return (on, filters);
    }

    /// <summary>An AND of conjuncts without one of them (by reference), in their order; null when none is left.</summary>
    private static Expr? Without(Expr conjunction, Expr term)
    {
        var conjuncts = new List<Expr>();
        SplitConjuncts(conjunction, conjuncts);
        Expr? rest = null;
        foreach (var c in conjuncts)
            if (!ReferenceEquals(c, term)) rest = rest == null ? c : new BinaryExpr(BinaryOp.And, rest, c);
        return rest;
    }

    /// <summary>The loop level of the last table a term reads, or -1 when it reads none.</summary>
    private static int LastLevelRead(Expr term, JoinPlan plan, int[] levelOf, HashSet<int> used)
    {
        used.Clear();
        CollectColumns(term, used);
        int last = -1;
        for (int k = 0; k < plan.Sources.Count; k++)
            if (ReadsSource(term, plan.Sources[k], used)) last = Math.Max(last, levelOf[k]);
        return last;
    }

    /// <summary>An index's order: rows by the values of <paramref name="columns"/> in turn, then by rowid.</summary>
    private static Comparer<Row> ByColumnsThenRowId(IReadOnlyList<int> columns) => Comparer<Row>.Create((x, y) =>
    {
        foreach (int c in columns)
        {
            int d = ValueComparer.Compare(x.Values[c], y.Values[c]);
            if (d != 0) return d;
        }
        return x.RowId.CompareTo(y.RowId);
    });

    /// <summary>The joined rows WHERE accepts, copied, for the plans that sort or group them (counted against the
    /// statement's memory limit).</summary>
    private List<(SqlValue[]? Values, long RowId)> MaterializeJoin(JoinPlan plan, Expr? where)
    {
        var rows = new List<(SqlValue[]? Values, long RowId)>();
        long bytes = 0;
        RunJoin(plan, where, (row, rowId) =>
        {
            var copy = (SqlValue[])row.Clone();
            Hold(ref bytes, StorageSize.OfRow(copy));
            rows.Add((copy, rowId));
            return true;
        });
        return rows;
    }

    /// <summary>An inner table's rows by one column's value, for an equality with the tables outside it: one flat
    /// array of the rows grouped by key (each group in rowid order, or the automatic index's order) and a map from a
    /// key to its group, built once per statement; a probe is a span of that array, nothing allocated per row.</summary>
    private sealed class Lookup
    {
        private Dictionary<SqlValue, (int Start, int Count)> _groups = null!;
        private Row[] _flat = [];
        private Expr _probe = null!;
        private Affinity _affinity;
        private Table? _table;
        private bool _rowId;
        private UniqueIndex? _unique;
        private readonly Row[] _one = new Row[1];
        /// <summary>The AND terms whose equalities this lookup answers.</summary>
        public IReadOnlyList<Expr> Terms { get; private set; } = [];
        /// <summary>Equalities on a multi-column index's next key columns (a seek of several): the rows of the first
        /// column's group that match them too, in the group's (index) order.</summary>
        private (Expr Probe, Affinity Affinity, int Column)[] _next = [];
        private readonly List<Row> _matches = [];
        private SqlValue[]? _keys;

        public static Lookup? For(Expr? on, JoinSource inner, HashSet<int> used)
        {
            if (on == null) return null;
            var conjuncts = new List<Expr>();
            SplitConjuncts(on, conjuncts);
            // The first equality an automatic index serves (its affinity suits the column), as where.c takes; failing
            // one, the first equality, whose groups keep the rowid order of the scan SQLite does instead.
            AutomaticIndexKey? chosen = null;
            foreach (var candidate in AutomaticIndexKeys(conjuncts, inner, outerColumnsOnly: false))
            {
                if (candidate.Usable) { chosen = candidate; break; }
                chosen ??= candidate;
            }
            if (chosen is not { } key) return null;
            var lookup = new Lookup { _probe = key.Other, _affinity = key.Affinity, Terms = [key.Term] };
            int index = key.Column.Index - inner.Offset;
            lookup.Group(inner.Table, index);
            // An automatic index orders each group by the other columns it holds; a comparison it cannot serve leaves
            // SQLite scanning the inner table, in rowid order, as the groups already are.
            if (key.Usable) lookup.OrderAsAutomaticIndex(inner, index, used);
            return lookup;
        }

        /// <summary>A lookup through a real index (PlanJoinLoops): the rowid by binary search, a UNIQUE column from
        /// its map when the comparison leaves the stored keys as they are, else the column grouped here, each group
        /// in rowid order as the index's (key, rowid) entries are.</summary>
        public static Lookup ForIndex(JoinSource inner, IndexAccess access)
        {
            var lookup = new Lookup { _probe = access.Probe, _affinity = access.Affinity, _table = inner.Table, Terms = [access.Term, .. (access.Next ?? []).Select(n => n.Term)] };
            lookup._next = [.. (access.Next ?? []).Select(n => (n.Probe, n.Affinity, n.Column))];
            if (access.Column < 0) lookup._rowId = true;
            else if (inner.Table.IndexOn(access.Column) is { Unique: true } unique && LeavesStoredKeys(inner.Table.Columns[access.Column].Affinity, access.Affinity))
                lookup._unique = unique;
            else
            {
                lookup.Group(inner.Table, access.Column);
                if (LookupIndex(inner.Table, access.Column) is { IsComposite: true } composite) lookup.OrderAsIndex(composite);
            }
            return lookup;
        }

        /// <summary>A multi-column index's entries of one first-column key run in the order of its next columns, then
        /// rowid.</summary>
        private void OrderAsIndex(UniqueIndex index) => SortGroups(ByColumnsThenRowId(index.Columns[1..]));

        /// <summary>Sorts each group of <see cref="_flat"/> in place.</summary>
        private void SortGroups(Comparer<Row> comparer)
        {
            foreach (var (start, count) in _groups.Values)
                if (count > 1) Array.Sort(_flat, start, count, comparer);
        }

        /// <summary>Groups the table's rows (NULL keys left out) by the column's value under the comparison's
        /// affinity: a count per key, then each row placed at its group's next slot, so groups keep rowid order.</summary>
        private void Group(Table table, int column)
        {
            var rows = table.Rows;
            _groups = new Dictionary<SqlValue, (int, int)>(Math.Min(rows.Count, 1024), KeyComparer.Instance);
            int placed = 0;
            foreach (var r in rows)
            {
                var key = r.Values[column];
                if (key.IsNull) continue;
                key = AffinityRules.ForCompare(_affinity, key);
                ref var g = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, key, out _);
                g.Count++;
                placed++;
            }
            _flat = new Row[placed];
            int start = 0;
            foreach (var key in _groups.Keys)
            {
                ref var g = ref CollectionsMarshal.GetValueRefOrNullRef(_groups, key);
                g.Start = start;
                start += g.Count;
                g.Count = 0;
            }
            foreach (var r in rows)
            {
                var key = r.Values[column];
                if (key.IsNull) continue;
                ref var g = ref CollectionsMarshal.GetValueRefOrNullRef(_groups, AffinityRules.ForCompare(_affinity, key));
                _flat[g.Start + g.Count++] = r;
            }
        }

        /// <summary>
        /// SQLite's automatic index holds, after the equality column, every other column of the inner table the query
        /// reads (in column order, the INTEGER PRIMARY KEY aside: it is the rowid), then the rowid, all of them its
        /// key: rows with one key value come ordered by those columns, then by rowid.
        /// </summary>
        private void OrderAsAutomaticIndex(JoinSource inner, int keyColumn, HashSet<int> used)
        {
            var extra = new List<int>();
            for (int c = 0; c < inner.Table.Columns.Length; c++)
                if (c != keyColumn && c != inner.Table.RowIdColumn && used.Contains(inner.Offset + c)) extra.Add(c);
            if (extra.Count == 0) return;
            SortGroups(ByColumnsThenRowId(extra));
        }


        /// <summary>The rows whose key equals the probe's value (valid until the next probe of this lookup).</summary>
        public ReadOnlySpan<Row> Probe(RowContext context)
        {
            var v = _probe.Eval(context);
            if (v.IsNull) return default;
            v = AffinityRules.ForCompare(_affinity, v);
            if (_rowId) return One(RowIdKey(v) is long id ? _table!.FindByRowId(id) : null);
            if (_unique != null) return One(_unique.Map.TryGetValue(v, out var hit) ? hit : null);
            if (!_groups.TryGetValue(v, out var g)) return default;
            var group = _flat.AsSpan(g.Start, g.Count);
            if (_next.Length == 0) return group;
            _matches.Clear();
            var keys = _keys ??= new SqlValue[_next.Length];
            for (int i = 0; i < _next.Length; i++)
            {
                keys[i] = _next[i].Probe.Eval(context);
                if (keys[i].IsNull) return default;
                keys[i] = AffinityRules.ForCompare(_next[i].Affinity, keys[i]);
            }
            foreach (var r in group)
            {
                bool all = true;
                for (int i = 0; i < _next.Length && all; i++)
                {
                    var stored = r.Values[_next[i].Column];
                    all = !stored.IsNull && KeyComparer.Instance.Equals(AffinityRules.ForCompare(_next[i].Affinity, stored), keys[i]);
                }
                if (all) _matches.Add(r);
            }
            return CollectionsMarshal.AsSpan(_matches);
        }

        /// <summary>The rowid a value seeks (OP_SeekRowid: an integer, or a real that is one), or null.</summary>
        private static long? RowIdKey(SqlValue v)
        {
            if (v.Type == SqlType.Integer) return v.Integer;
            if (v.Type == SqlType.Real && Math.Floor(v.Real) == v.Real && v.Real >= -9.2233720368547758e18 && v.Real < 9.2233720368547758e18) return (long)v.Real;
            return null;
        }

        private ReadOnlySpan<Row> One(Row? row)
        {
            if (row == null) return default;
            _one[0] = row;
            return _one;
        }
    }
}

internal static class JoinColumns
{
    /// <summary>A joined column keeps its table's affinity (an INTEGER PRIMARY KEY is INTEGER).</summary>
    public static Affinity RowIdColumnAffinity(this Column c, Table table, int index) => index == table.RowIdColumn ? Affinity.Integer : c.Affinity;
}
