using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// Subqueries: the executor binds a nested query when the expression holding it is bound (names it lacks reach the
// enclosing queries through _outer) and runs it into a list of rows when the expression is evaluated. The prepared
// form is kept on the query node, so a correlated subquery binds once and runs once per outer row.
public sealed partial class Executor : ISubqueryHost
{
    /// <summary>While a subquery is being bound: the scope of the query around it.</summary>
    private OuterLink? _outer;
    /// <summary>Rows the next query run may return at most (-1: no cap); read and reset when the run starts.</summary>
    private long _rowCap = -1;

    (int Columns, Affinity FirstAffinity) ISubqueryHost.Prepare(QueryStatement query, OuterLink outer)
    {
        var saved = _outer;
        _outer = outer;
        try
        {
            CheckQueryTables(query);
            var prepared = PrepareQuery(query);
            RefuseOuterAggregates(prepared);
            return (prepared[0].Output.Count, prepared[^1].Output[0].Affinity);
        }
        finally { _outer = saved; }
    }

    List<SqlValue[]> ISubqueryHost.Run(QueryStatement query, long maxRows)
    {
        var (savedRows, savedBuffer, savedCap) = (Rows, _rowValues, _rowCap);
        var (savedValues, savedRowId) = (_context.Values, _context.RowId);
        var sink = new CollectingRowOutput();
        Rows = sink;
        _rowValues = [];
        try
        {
            _rowCap = maxRows;
            RunQuery(query, new StringBuilder());
            return sink.Collected;
        }
        finally
        {
            (Rows, _rowValues, _rowCap) = (savedRows, savedBuffer, savedCap);
            (_context.Values, _context.RowId) = (savedValues, savedRowId);
        }
    }

    /// <summary>Binds a query (each SELECT of a compound, right to left as SQLite resolves them) and keeps the
    /// prepared SELECTs on the node.</summary>
    private List<PreparedSelect> PrepareQuery(QueryStatement query)
    {
        if (query is SelectStatement s)
        {
            var one = new List<PreparedSelect> { PrepareSelect(s) };
            s.Prepared = one;
            return one;
        }
        var c = (CompoundSelectStatement)query;
        var prepared = PrepareCompound(c);
        c.Prepared = prepared;
        return prepared.Cores;
    }

    private void RunQuery(QueryStatement query, StringBuilder stdout)
    {
        if (query is SelectStatement s) RunSelect(((List<PreparedSelect>)s.Prepared!)[0], stdout);
        else RunCompound((PreparedCompound)query.Prepared!, stdout);
    }

    /// <summary>A query's rows as a list (INSERT ... SELECT reads them all before it inserts).</summary>
    private List<SqlValue[]> CollectQuery(QueryStatement query) => ((ISubqueryHost)this).Run(query, -1);

    /// <summary>An aggregate in a subquery whose argument reads only enclosing queries' columns belongs to the
    /// enclosing query in SQLite; FastDb does not move it there.</summary>
    private static void RefuseOuterAggregates(List<PreparedSelect> cores)
    {
        foreach (var p in cores)
        {
            var aggregates = new List<AggregateExpr>();
            foreach (var e in p.Output) CollectAggregates(e, aggregates);
            if (p.Having != null) CollectAggregates(p.Having, aggregates);
            foreach (var k in p.Order) CollectAggregates(k.Key, aggregates);
            foreach (var a in aggregates)
                if (a.Children.Any(ReadsOuter))
                    throw new SqlParseException("FastDb does not support aggregates of an enclosing query's columns in a subquery");
        }

        static bool ReadsOuter(Expr e) => e switch
        {
            OuterColumnExpr => true,
            UnaryExpr u => ReadsOuter(u.Operand),
            BinaryExpr b => ReadsOuter(b.Left) || ReadsOuter(b.Right),
            IsNullExpr n => ReadsOuter(n.Operand),
            ScalarFunctionExpr f => f.Args.Any(ReadsOuter),
            IHasChildren h => h.Children.Any(ReadsOuter),
            _ => false,
        };
    }

    /// <summary>SQLite looks up every table a statement's queries name (selectExpander: a query's FROM, then the
    /// subqueries in its expressions; a compound's SELECTs right to left) before it resolves any column name.</summary>
    private void CheckQueryTables(QueryStatement? query)
    {
        switch (query)
        {
            case SelectStatement s:
                if (s.From != null) RequireFromTable(s);
                CheckQueryTables(s.FromQuery);
                foreach (var j in s.Joins) RequireFromItem(j.Table, j.IsCall, j.Schema);
                foreach (var rc in s.Columns) CheckExprTables(rc.Expression);
                CheckExprTables(s.Where);
                foreach (var j in s.Joins) CheckExprTables(j.On);
                foreach (var g in s.GroupBy) CheckExprTables(g);
                CheckExprTables(s.Having);
                foreach (var o in s.OrderBy) CheckExprTables(o.Expression);
                CheckExprTables(s.Limit);
                CheckExprTables(s.Offset);
                break;
            case CompoundSelectStatement c:
                for (int i = c.Selects.Count - 1; i >= 0; i--)
                {
                    CheckQueryTables(c.Selects[i]);
                    if (i == c.Selects.Count - 1)
                    {
                        foreach (var o in c.OrderBy) CheckExprTables(o.Expression);
                        CheckExprTables(c.Limit);
                        CheckExprTables(c.Offset);
                    }
                }
                break;
        }
    }

    /// <summary>The tables of the subqueries inside an expression (before it is bound).</summary>
    private void CheckExprTables(Expr? e)
    {
        switch (e)
        {
            case null: return;
            case SubqueryExpr q: CheckExprTables(q.Left); CheckQueryTables(q.Query); return;
            case UnaryExpr u: CheckExprTables(u.Operand); return;
            case BinaryExpr b: CheckExprTables(b.Left); CheckExprTables(b.Right); return;
            case IsNullExpr n: CheckExprTables(n.Operand); return;
            case FunctionCallExpr f: foreach (var a in f.Args) CheckExprTables(a); return;
            case IHasChildren h: foreach (var child in h.Children) CheckExprTables(child); return;
        }
    }

    /// <summary>True when the expression holds a subquery (SQLite's EP_Subquery: an UPDATE's WHERE with one is not
    /// run in one pass).</summary>
    private static bool HasSubquery(Expr? e) => e switch
    {
        null => false,
        SubqueryExpr => true,
        UnaryExpr u => HasSubquery(u.Operand),
        BinaryExpr b => HasSubquery(b.Left) || HasSubquery(b.Right),
        IsNullExpr n => HasSubquery(n.Operand),
        ScalarFunctionExpr f => f.Args.Any(HasSubquery),
        IHasChildren h => h.Children.Any(HasSubquery),
        _ => false,
    };

    /// <summary>
    /// sqlite3's xferOptimization for <c>INSERT INTO t SELECT * FROM s</c>: when the tables are alike (columns of
    /// the same affinity, NOT NULL kept, the same later DEFAULTs and INTEGER PRIMARY KEY, every index of t matched
    /// by one of s) the rows are copied with their rowids. It differs from inserting the SELECT's rows only when t
    /// has an index and no INTEGER PRIMARY KEY (otherwise new rowids are the same) and t is empty (otherwise SQLite
    /// inserts row by row). Returns s when the rows are to be copied, null otherwise.
    /// </summary>
    private Table? TransferSource(Table target, InsertStatement s)
    {
        if (s.Columns != null || s.Select is not SelectStatement q) return null;
        if (q.From == null || q.Joins.Count > 0 || q.Where != null || q.GroupBy.Count > 0 || q.Having != null
            || q.OrderBy.Count > 0 || q.Limit != null || q.Distinct || q.Columns.Count != 1
            || q.Columns[0] is not { Expression: null, StarQualifier: null }) return null;
        if (SchemaTable.CanonicalName(q.From) != null || _catalog.Find(q.From) is not { } source || ReferenceEquals(source, target)) return null;
        if (target.RowIdColumn >= 0 || target.Indexes.Count == 0 || target.Rows.Count > 0) return null;
        if (source.Columns.Length != target.Columns.Length || source.RowIdColumn != target.RowIdColumn) return null;
        for (int i = 0; i < target.Columns.Length; i++)
        {
            Column d = target.Columns[i], c = source.Columns[i];
            if (d.Affinity != c.Affinity || (d.NotNull && !c.NotNull)) return null;
            if (i > 0 && (d.DefaultExpr == null) != (c.DefaultExpr == null)) return null;
            if (d.PerRowDefault != null || c.PerRowDefault != null) return null;
            if (i > 0 && d.DefaultExpr != null && !(d.Default.Type == c.Default.Type && ValueComparer.Compare(d.Default, c.Default) == 0)) return null;
        }
        foreach (var ix in target.Indexes)
            if (!source.Indexes.Exists(o => o.Columns.AsSpan().SequenceEqual(ix.Columns) && o.Unique == ix.Unique && o.Descending == ix.Descending)) return null;
        return source;
    }

    /// <summary>DELETE and UPDATE whose WHERE holds a subquery reading the table they change: SQLite may look
    /// the subquery up live in that table's index while it deletes row by row, which FastDb does not model.</summary>
    private static void RefuseSubqueryOnTarget(Table target, Expr? where, string statement)
    {
        if (where != null && ReadsTable(where, target))
            throw new SqlParseException("FastDb does not support a subquery reading the table being changed in " + statement + "'s WHERE yet");
    }

    /// <summary>Whether an expression holds a subquery naming <paramref name="target"/> (insert.c's readsTable, which
    /// looks for the table's cursor in the code the expression compiled to).</summary>
    private static bool ReadsTable(Expr e, Table target) => e switch
    {
        SubqueryExpr q => QueryReadsTable(q.Query, target) || (q.Left != null && ReadsTable(q.Left, target)),
        UnaryExpr u => ReadsTable(u.Operand, target),
        BinaryExpr b => ReadsTable(b.Left, target) || ReadsTable(b.Right, target),
        IsNullExpr n => ReadsTable(n.Operand, target),
        ScalarFunctionExpr f => f.Args.Any(a => ReadsTable(a, target)),
        FunctionCallExpr f => f.Args.Any(a => ReadsTable(a, target)),
        IHasChildren h => h.Children.Any(c => ReadsTable(c, target)),
        _ => false,
    };

    /// <summary>Whether a query names <paramref name="target"/> anywhere: its FROM and joins, or a subquery in any clause.</summary>
    private static bool QueryReadsTable(QueryStatement query, Table target)
    {
        bool Reads(Expr? e) => e != null && ReadsTable(e, target);
        switch (query)
        {
            case SelectStatement s:
                if (s.From != null && string.Equals(s.From, target.Name, StringComparison.OrdinalIgnoreCase)) return true;
                foreach (var j in s.Joins)
                    if (string.Equals(j.Table, target.Name, StringComparison.OrdinalIgnoreCase) || Reads(j.On)) return true;
                return (s.FromQuery != null && QueryReadsTable(s.FromQuery, target))
                    || s.Columns.Any(c => Reads(c.Expression)) || Reads(s.Where) || Reads(s.Having)
                    || s.GroupBy.Any(g => Reads(g)) || s.OrderBy.Any(o => Reads(o.Expression)) || Reads(s.Limit) || Reads(s.Offset);
            case CompoundSelectStatement c:
                return c.Selects.Any(q => QueryReadsTable(q, target)) || c.OrderBy.Any(o => Reads(o.Expression)) || Reads(c.Limit) || Reads(c.Offset);
            default:
                return false;
        }
    }

    /// <summary>Collects a query's rows instead of printing them.</summary>
    private sealed class CollectingRowOutput : RowOutput
    {
        public readonly List<SqlValue[]> Collected = [];
        private long _held;
        public override bool NeedsNames => false;
        public override void Begin(string[]? names) { }
        public override void End(StringBuilder stdout) { }
        public override void Row(ReadOnlySpan<SqlValue> values, StringBuilder stdout)
        {
            var row = values.ToArray();
            Hold(ref _held, StorageSize.OfRow(row));
            Collected.Add(row);
        }
    }
}
