using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// FROM (query) as the only FROM item. SQLite either runs such a subquery as a co-routine, yielding its rows in its
// own order to the outer query's scan, or flattens it into the outer query. FastDb runs it into a table without
// indexes (rowids 1, 2, ... in the subquery's order) and lets the outer query scan that, which is the co-routine's
// answer; it refuses by name where flattening or pushing the outer WHERE down could make SQLite's plan differ
// (an index or rowid of the inner tables, an expression evaluated once here but once per use there, ...).
//
// Contract: PrepareFromSubquery binds the subquery (names not in it reach the enclosing queries, never the outer
// query's other clauses) and returns the table, its columns named and typed as SQLite's
// sqlite3ColumnsFromExprList / sqlite3SelectAddColumnTypeAndCollation do; FillFromSubquery runs it into that table
// on every run of the outer query (a correlated one sees the current enclosing row).
public sealed partial class Executor
{
    private Table PrepareFromSubquery(SelectStatement s)
    {
        var query = s.FromQuery!;
        var leftmost = query is SelectStatement one ? one : ((CompoundSelectStatement)query).Selects[0];
        // Names come from the SELECT as written (before binding replaces its expressions).
        var written = leftmost.Columns.Select(WrittenName).ToList();
        var cores = PrepareQuery(query);
        RefuseOuterAggregates(cores);
        var first = cores[0];
        var names = new List<string>();
        if (first.Join != null)
        {
            foreach (var rc in first.Named)
            {
                int at = leftmost.Columns.IndexOf(rc);
                names.Add(at >= 0 ? written[at] ?? "" : first.Table!.Columns[((ColumnExpr)rc.Expression!).Index].Name);
            }
        }
        else
        {
            for (int i = 0; i < leftmost.Columns.Count; i++)
            {
                if (written[i] != null) names.Add(written[i]!);
                else foreach (var c in first.Table!.Columns) names.Add(c.Name);
            }
        }
        var columns = new Column[names.Count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Count; i++)
        {
            string name = IsTrueOrFalse(names[i]) ? "column" + (i + 1) : names[i];
            name = UniqueColumnName(name, seen);
            seen.Add(name);
            columns[i] = new Column { Name = name, Affinity = first.Output[i].Affinity };
        }
        var table = new Table { Name = s.FromAlias ?? "(subquery)", Columns = columns, IsSubquery = true };
        table.BuildColumnIndex();
        return table;
    }

    /// <summary>The subquery's rows, in its order, become the table's rows (rowids 1, 2, ...).</summary>
    private void FillFromSubquery(Table table, QueryStatement query)
    {
        var rows = CollectQuery(query);
        table.Rows.Clear();
        for (int i = 0; i < rows.Count; i++) table.Rows.Add(new Row(i + 1, rows[i]));
    }

    /// <summary>A result column's name before it is bound: its alias, the identifier it is (the last part of
    /// t.col, as written), or its text; null for * and t.* (their columns' names).</summary>
    private static string? WrittenName(ResultColumn rc) => rc.Alias ?? rc.Expression switch
    {
        null => null,
        NameExpr ne => ne.Name,
        _ => rc.Span ?? "",
    };

    private static bool IsTrueOrFalse(string name) =>
        name.Equals("true", StringComparison.OrdinalIgnoreCase) || name.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>A name already taken gets ":1", ":2", ... (a ":N" it ends in replaced); past ":4" SQLite draws a
    /// random number, which FastDb refuses.</summary>
    private static string UniqueColumnName(string name, HashSet<string> seen)
    {
        for (int count = 1; seen.Contains(name); count++)
        {
            if (count > 4) throw new SqlParseException("FastDb does not support five result columns of one name in a subquery in FROM");
            int n = name.Length, j = n - 1;
            while (j > 0 && char.IsAsciiDigit(name[j])) j--;
            if (n > 0 && name[j] == ':') n = j;
            name = name[..n] + ":" + count;
        }
        return name;
    }

    /// <summary>
    /// Refuses what FastDb's reading of a FROM subquery (its rows in its own order, then the outer query over them)
    /// may not answer as SQLite does. SQLite flattens a plain SELECT (no aggregate, no DISTINCT) or a UNION ALL
    /// compound under a non-aggregate, non-DISTINCT query into the outer one, and otherwise pushes the outer WHERE
    /// down into the subquery unless it has a LIMIT: then the inner tables' indexes and rowid may drive the plan
    /// (other rows, another order, errors of rows never read), expressions are evaluated once per use, and a UNION
    /// ALL's SELECTs compare with their own affinities.
    /// </summary>
    private static void PlanFromSubquery(SelectStatement s, bool outerAggregate, IEnumerable<Expr> outerExpressions)
    {
        var query = s.FromQuery!;
        var cores = Cores(query);
        var compound = query as CompoundSelectStatement;
        bool innerLimit = compound != null ? compound.Limit != null : cores[0].Limit != null;
        // select.c's OmitOrderBy: with an ORDER BY of the outer query's own, the subquery's is dropped unless it has
        // a LIMIT or the outer query calls an aggregate other than count(), min() and max().
        bool innerOrder = compound != null ? ((PreparedCompound)query.Prepared!).Order.Count > 0 : cores[0].Order.Count > 0;
        if (innerOrder && s.OrderBy.Count > 0 && !innerLimit && !outerExpressions.Any(NeedsOrderedInput))
        {
            if (compound != null) throw new SqlParseException("FastDb does not support ORDER BY on both a compound subquery in FROM and the query over it");
            if (ReadsIndexedTable(cores))
                throw new SqlParseException("FastDb does not support ORDER BY on both a subquery in FROM over a table with an index and the query over it");
            cores[0] = cores[0] with { Order = [] };
        }
        bool mayFlatten = compound != null
            ? compound.Ops.All(op => op == CompoundOp.UnionAll) && !outerAggregate && !s.Distinct
            : !cores[0].Aggregate && !cores[0].S.Distinct && !(innerLimit && s.Where != null);
        bool pushDown = s.Where != null && !innerLimit;
        bool trivialOuter = s.Columns.All(c => c.Expression == null) && s.Where == null && s.GroupBy.Count == 0
            && s.OrderBy.Count == 0 && !s.Distinct && !outerAggregate;
        if ((!mayFlatten && !pushDown) || trivialOuter) return;
        if (compound != null && mayFlatten)
        {
            if (s.OrderBy.Count > 0) throw new SqlParseException("FastDb does not support ORDER BY over a UNION ALL subquery in FROM");
            for (int i = 0; i < cores[0].Output.Count; i++)
                if (cores.Any(c => c.Output[i].Affinity != cores[0].Output[i].Affinity))
                    throw new SqlParseException("FastDb does not support a UNION ALL subquery in FROM whose SELECTs' columns differ in affinity");
        }
        // Flattened, a LIMIT without ORDER BY or OFFSET applies after the outer ORDER BY (when the outer query has
        // no LIMIT of its own).
        if (compound == null && mayFlatten && innerLimit && cores[0].Offset == null && cores[0].Order.Count == 0
            && s.OrderBy.Count > 0 && s.Limit == null)
            throw new SqlParseException("FastDb does not support ORDER BY over a subquery in FROM with LIMIT and no ORDER BY");
        if (compound == null && mayFlatten && s.Distinct && cores[0].Order.Count > 0)
            throw new SqlParseException("FastDb does not support SELECT DISTINCT over a subquery in FROM with ORDER BY");
        RefuseUnmodelledCores(cores, s.Where != null);
    }

    private static bool ReadsIndexedTable(List<PreparedSelect> cores) => cores.Any(core =>
        (core.S.FromQuery != null && ReadsIndexedTable(Cores(core.S.FromQuery)))
        || (core.Join != null ? core.Join.Sources.Any(src => src.Table.Indexes.Count > 0) : core.Table is { Indexes.Count: > 0 }));

    /// <summary>An aggregate whose value depends on the order of its rows (SQLite's SF_OrderByReqd).</summary>
    private static bool NeedsOrderedInput(Expr e)
    {
        var aggregates = new List<AggregateExpr>();
        CollectAggregates(e, aggregates);
        return aggregates.Any(a => a.Kind is not (AggregateKind.Count or AggregateKind.Min or AggregateKind.Max));
    }

    private static void RefuseUnmodelledCores(List<PreparedSelect> cores, bool outerWhere)
    {
        foreach (var core in cores)
        {
            if (core.S.FromQuery != null) RefuseUnmodelledCores(Cores(core.S.FromQuery), outerWhere);
            var tables = core.Join != null ? core.Join.Sources.Select(src => src.Table) : core.Table != null ? [core.Table] : [];
            foreach (var t in tables)
            {
                if (t.Indexes.Count > 0) throw new SqlParseException("FastDb does not support a subquery in FROM over a table with an index");
                if (outerWhere && t.RowIdColumn >= 0)
                    throw new SqlParseException("FastDb does not support WHERE on a subquery in FROM over a table with an INTEGER PRIMARY KEY");
            }
            if (outerWhere && core.Join != null) throw new SqlParseException("FastDb does not support WHERE on a subquery in FROM that joins tables");
            // Grouped, the outer WHERE reaches the groups (HAVING, then WHERE): an aggregate that may fail, or a
            // function, could fail here on a group SQLite never forms.
            if ((outerWhere || !core.Aggregate) && !core.Output.All(e => IsPlainExpression(e, core.Aggregate)))
                throw new SqlParseException("FastDb does not support a subquery in FROM whose result columns call functions, sum() or group_concat(), or hold subqueries");
        }
    }

    private static List<PreparedSelect> Cores(QueryStatement query) =>
        query is SelectStatement ? (List<PreparedSelect>)query.Prepared! : ((PreparedCompound)query.Prepared!).Cores;

    /// <summary>Columns, constants and operators (and aggregates that cannot fail, where allowed): the same value
    /// however often and wherever SQLite evaluates them.</summary>
    private static bool IsPlainExpression(Expr e, bool aggregates) => e switch
    {
        ColumnExpr or LiteralExpr or OuterColumnExpr => true,
        UnaryExpr u => IsPlainExpression(u.Operand, aggregates),
        BinaryExpr b => IsPlainExpression(b.Left, aggregates) && IsPlainExpression(b.Right, aggregates),
        IsNullExpr n => IsPlainExpression(n.Operand, aggregates),
        AggregateExpr a => aggregates && a.Kind is not (AggregateKind.Sum or AggregateKind.GroupConcat or AggregateKind.JsonGroupArray
            or AggregateKind.JsonGroupObject) && a.Children.All(c => IsPlainExpression(c, false)),
        CastExpr or CaseExpr or BetweenExpr or InListExpr => ((IHasChildren)e).Children.All(c => IsPlainExpression(c, aggregates)),
        _ => false,
    };
}
