using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// Joins: the tables of FROM become one joined table (each table's columns side by side, then each table's rowid),
// filled by nested loops in FROM order, which the rest of SELECT reads like any table.
public sealed partial class Executor
{
    /// <summary>A prepared join: the joined table's shape, the tables as names see them, each inner table's ON.</summary>
    private sealed class JoinPlan
    {
        public required Table Joined;
        public required List<JoinSource> Sources;
        public required List<JoinClause> Clauses;
        public Expr?[] On = [];
    }

    /// <summary>Looks up FROM's tables and USING columns (sqlite3ProcessJoin, before any name is resolved) and
    /// builds the joined table's columns.</summary>
    private JoinPlan PrepareJoin(SelectStatement s)
    {
        var names = new List<(string Name, string? Alias)> { (s.From!, s.FromAlias) };
        foreach (var j in s.Joins) names.Add((j.Table, j.Alias));
        var sources = new List<JoinSource>();
        int width = 0;
        foreach (var (name, alias) in names)
        {
            if (SchemaTable.CanonicalName(name) != null) throw new SqlParseException("FastDb does not support JOIN with " + name + " yet");
            var t = RequireReadableTable(name);
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

    /// <summary>Binds each ON (after WHERE, as SQLite ANDs them to it) and refuses the join shapes whose plan SQLite
    /// picks by cost, which FastDb does not reproduce: tables with indexes, terms on a rowid, three or more tables
    /// joined other than by CROSS or LEFT JOIN, a constant filter on the inner table of a two-table inner join (SQLite
    /// then scans that table first), and WHERE on the right table of a LEFT JOIN (which may turn it into an inner one).</summary>
    private void BindJoin(JoinPlan plan, Expr? where)
    {
        for (int k = 1; k < plan.Sources.Count; k++)
            if (plan.Clauses[k - 1].On is { } on)
            {
                // SQLite marks every node of an ON clause, and its error offsets skip marked nodes: no caret.
                try { plan.On[k] = Expr.BindWhole(on, new Scope { Host = this, Outer = _outer, Table = plan.Joined, Sources = plan.Sources }); }
                catch (SqlParseException e) when (e.Offset >= 0) { throw new SqlParseException(e.Message, -1, e.Code); }
            }
        foreach (var src in plan.Sources)
            if (src.Table.Indexes.Count > 0)
                throw new SqlParseException("FastDb does not support JOIN of tables with indexes (" + src.Table.Name + " has one) yet");
        var terms = new List<Expr>();
        if (where != null) terms.Add(where);
        foreach (var on in plan.On) if (on != null) terms.Add(on);
        foreach (var term in terms)
            if (ReadsRowId(term, plan)) throw new SqlParseException("FastDb does not support JOIN conditions on a rowid yet");
        if (plan.Sources.Count > 2 && plan.Clauses.Any(c => c.Kind is JoinKind.Inner or JoinKind.Comma))
            throw new SqlParseException("FastDb does not support joining three or more tables other than by CROSS or LEFT JOIN yet");
        var inner = plan.Sources[^1];
        if (plan.Sources.Count == 2 && plan.Clauses[0].Kind is JoinKind.Inner or JoinKind.Comma)
        {
            var conjuncts = new List<Expr>();
            foreach (var term in terms) SplitConjuncts(term, conjuncts);
            foreach (var c in conjuncts)
                if (IsConstantFilterOn(c, inner))
                    throw new SqlParseException("FastDb does not support a JOIN with a constant filter on its second table yet");
        }
        for (int k = 1; k < plan.Sources.Count; k++)
            if (plan.Clauses[k - 1].Kind == JoinKind.Left && where != null && ReadsSource(where, plan.Sources[k]))
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

    private static bool ReadsSource(Expr e, JoinSource src)
    {
        var used = new HashSet<int>();
        CollectColumns(e, used);
        return used.Any(i => (i >= src.Offset && i < src.Offset + src.Table.Columns.Length) || i == src.RowIdSlot);
    }

    private static bool ReadsRowId(Expr e, JoinPlan plan)
    {
        var used = new HashSet<int>();
        CollectColumns(e, used);
        foreach (var src in plan.Sources)
            if (used.Contains(src.RowIdSlot) || (src.Table.RowIdColumn >= 0 && used.Contains(src.Offset + src.Table.RowIdColumn))) return true;
        return false;
    }

    /// <summary>
    /// Nested loops in FROM order, each table in rowid order; an inner table's ON decides which of its rows pair with
    /// the row built so far, and a LEFT JOIN pairs a row no inner row matched with NULLs. An equality between one
    /// of the inner table's columns and an expression over the tables before it is answered from a hash of that
    /// column (as SQLite's automatic index answers it: matching rows in rowid order), under the comparison's affinity.
    /// </summary>
    private void FillJoin(JoinPlan plan)
    {
        var sources = plan.Sources;
        var lookups = new Lookup?[sources.Count];
        for (int k = 1; k < sources.Count; k++) lookups[k] = Lookup.For(plan.On[k], sources[k]);
        var row = new SqlValue[plan.Joined.Columns.Length];
        var rows = plan.Joined.Rows;
        rows.Clear();
        long bytes = 0;
        var context = new RowContext { Values = row };
        void Level(int k)
        {
            if (k == sources.Count)
            {
                var copy = (SqlValue[])row.Clone();
                Hold(ref bytes, StorageSize.OfRow(copy));
                rows.Add(new Row(rows.Count + 1, copy));
                return;
            }
            var src = sources[k];
            var on = plan.On[k];
            bool matched = false;
            IEnumerable<Row> candidates = lookups[k] is { } lookup ? lookup.Probe(context) : src.Table.Rows;
            foreach (var r in candidates)
            {
                Array.Copy(r.Values, 0, row, src.Offset, r.Values.Length);
                row[src.RowIdSlot] = SqlValue.FromInteger(r.RowId);
                if (on != null)
                {
                    var v = on.Eval(context);
                    if (v.IsNull || !Arithmetic.IsTrue(v)) continue;
                }
                matched = true;
                Level(k + 1);
            }
            if (!matched && k > 0 && plan.Clauses[k - 1].Kind == JoinKind.Left)
            {
                Array.Clear(row, src.Offset, src.Table.Columns.Length);
                row[src.RowIdSlot] = SqlValue.Null;
                Level(k + 1);
            }
        }
        Level(0);
    }

    /// <summary>An inner table's rows by one column's value, for an ON equality with the tables before it.</summary>
    private sealed class Lookup
    {
        private readonly Dictionary<SqlValue, List<Row>> _rows = new(KeyComparer.Instance);
        private Expr _probe = null!;
        private Affinity _affinity;

        public static Lookup? For(Expr? on, JoinSource inner)
        {
            if (on == null) return null;
            var conjuncts = new List<Expr>();
            SplitConjuncts(on, conjuncts);
            foreach (var c in conjuncts)
            {
                if (c is not BinaryExpr { Op: BinaryOp.Equal } eq) continue;
                foreach (var (column, other) in new[] { (eq.Left, eq.Right), (eq.Right, eq.Left) })
                {
                    if (column is not ColumnExpr col || col.Index < inner.Offset || col.Index >= inner.Offset + inner.Table.Columns.Length) continue;
                    var used = new HashSet<int>();
                    CollectColumns(other, used);
                    if (used.Any(i => i >= inner.Offset) || other is AggregateExpr) continue;
                    var lookup = new Lookup { _probe = other, _affinity = AffinityRules.ForComparison(column.Affinity, other.Affinity) };
                    int index = col.Index - inner.Offset;
                    foreach (var r in inner.Table.Rows)
                    {
                        var key = r.Values[index];
                        if (key.IsNull) continue;
                        key = AffinityRules.ForCompare(lookup._affinity, key);
                        if (!lookup._rows.TryGetValue(key, out var list)) lookup._rows[key] = list = [];
                        list.Add(r);
                    }
                    return lookup;
                }
            }
            return null;
        }

        public IEnumerable<Row> Probe(RowContext context)
        {
            var v = _probe.Eval(context);
            if (v.IsNull) return [];
            return _rows.TryGetValue(AffinityRules.ForCompare(_affinity, v), out var list) ? list : [];
        }
    }
}

internal static class JoinColumns
{
    /// <summary>A joined column keeps its table's affinity (an INTEGER PRIMARY KEY is INTEGER).</summary>
    public static Affinity RowIdColumnAffinity(this Column c, Table table, int index) => index == table.RowIdColumn ? Affinity.Integer : c.Affinity;
}
