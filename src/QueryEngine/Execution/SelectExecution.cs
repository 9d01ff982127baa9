using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

// SELECT: names resolved in SQLite's order, rows in its plan's order, then grouping (GROUP BY's sorter), HAVING,
// DISTINCT, ORDER BY (a stable sort after the scan or index walk) and LIMIT/OFFSET.
public sealed partial class Executor
{
    /// <summary>One ORDER BY key as bound: the expression, its direction and where its NULLs go.</summary>
    private readonly record struct OrderKey(Expr Key, bool Desc, bool? NullsFirst)
    {
        /// <summary>ASC NULLS LAST and DESC NULLS FIRST are the orders an index walk cannot give.</summary>
        public bool DefaultNulls => NullsFirst == null || NullsFirst == !Desc;
    }

    /// <summary>A SELECT with its names bound, ready to run (again, for a correlated subquery).</summary>
    private sealed record PreparedSelect(SelectStatement S, Expr? Limit, Expr? Offset, JoinPlan? Join, Table? Table,
        List<ResultColumn> Named, List<Expr> Output, bool Aggregate, Expr? Having, Expr? Where, List<Expr> GroupBy,
        List<OrderKey> Order, HashSet<int> Used, int DistinctIndex, CompositeIndexPlanner.CompositeScan? Composite);

    private void Select(SelectStatement s, StringBuilder stdout)
    {
        CheckQueryTables(s);
        var prepared = PrepareSelect(s);
        // generateColumnNames, the last step of prepare: a column name over the value limit is TOOBIG.
        foreach (var rc in s.Columns)
            if (rc.NameTooBig) throw new SqlParseException(EngineLimits.TooBigMessage, -1, EngineLimits.TooBigCode);
        if (s.RaisesOutsideTrigger) throw RaiseExpr.Error(); // coded after the names are resolved
        Rows.Begin(Rows.NeedsNames ? ColumnNaming.Of(prepared.Named, prepared.Table) : null);
        RunSelect(prepared, stdout);
    }

    private PreparedSelect PrepareSelect(SelectStatement s)
    {
        // Binding order as SQLite resolves: LIMIT/OFFSET (no names), FROM, result columns, HAVING, WHERE, GROUP BY,
        // ORDER BY; the "misuse of aggregate" found when code is generated comes after all of them.
        var limit = s.Limit?.Bind(new Scope { Connection = this });
        var offset = s.Offset?.Bind(new Scope { Connection = this });
        JoinPlan? join = s.Joins.Count > 0 ? PrepareJoin(s) : null;
        var sources = join?.Sources;
        Table? table = join?.Joined ?? (s.FromQuery != null ? PrepareFromSubquery(s) : s.From == null ? null : RequireFromTable(s));
        bool schemaTable = join == null && s.From != null && SchemaTable.CanonicalName(s.From) != null;
        // What the column names are made from: the result columns, a join's * and t.* spelled out.
        var named = join == null ? s.Columns : new List<ResultColumn>();
        var scope = new Scope { Host = this, Outer = _outer, Table = table, Sources = sources, TableAlias = s.FromAlias, AllowAggregates = true };
        var output = new List<Expr>();
        foreach (var rc in s.Columns)
        {
            if (rc.Expression == null && sources != null)
            {
                bool any = false;
                foreach (var src in sources)
                {
                    if (rc.StarQualifier != null && !string.Equals(rc.StarQualifier, src.Name, StringComparison.OrdinalIgnoreCase)) continue;
                    any = true;
                    for (int c = 0; c < src.Table.Columns.Length; c++)
                    {
                        // A bare * shows a USING column once, from its left table.
                        if (rc.StarQualifier == null && src.UsingColumns != null && src.UsingColumns.Contains(src.Table.Columns[c].Name)) continue;
                        var column = new ColumnExpr(src.Offset + c, table!.Columns[src.Offset + c].Affinity, false);
                        output.Add(column);
                        named.Add(new ResultColumn { Expression = column });
                    }
                }
                if (!any) throw new SqlParseException("no such table: " + rc.StarQualifier);
                continue;
            }
            if (rc.Expression == null)
            {
                if (table == null) throw new SqlParseException("no tables specified");
                if (rc.StarQualifier != null && !string.Equals(rc.StarQualifier, s.FromAlias ?? table.Name, StringComparison.OrdinalIgnoreCase))
                    throw new SqlParseException("no such table: " + rc.StarQualifier);
                for (int c = 0; c < table.Columns.Length; c++) output.Add(new ColumnExpr(c, table.Columns[c].Affinity, c == table.RowIdColumn));
                continue;
            }
            rc.Expression = Expr.BindWhole(rc.Expression, scope);
            output.Add(rc.Expression);
            if (join != null) named.Add(rc);
        }
        bool aggregate = scope.SawAggregate || s.GroupBy.Count > 0;
        Expr? having = null;
        if (s.Having != null)
        {
            if (!aggregate) throw new SqlParseException("HAVING clause on a non-aggregate query");
            having = Expr.BindWhole(s.Having, new Scope { Host = this, Outer = _outer, Table = table, Sources = sources, TableAlias = s.FromAlias, Aliases = s.Columns, AllowAggregates = true });
        }
        // An aggregate query resolves WHERE with aggregates allowed: one there fails later, when code is generated.
        var whereScope = new Scope { Host = this, Outer = _outer, Table = table, Sources = sources, TableAlias = s.FromAlias, Aliases = s.Columns, AllowAggregates = aggregate };
        var where = s.Where == null ? null : Expr.BindWhole(s.Where, whereScope);
        if (join != null) BindJoin(join, where);
        if (table != null) ScanPlanner.RefuseUnmodelled(table, where);
        var order = new List<OrderKey>();
        AggregateExpr? misplaced = null;
        var orderTerms = new int[s.OrderBy.Count];
        for (int i = 0; i < s.OrderBy.Count; i++)
        {
            var term = s.OrderBy[i];
            Expr key;
            if (ColumnTerm(term.Expression, i, "ORDER", output.Count) is { } k)
            {
                orderTerms[i] = k;
                if (k > output.Count) continue;
                key = output[k - 1];
            }
            else
            {
                var orderScope = new Scope { Host = this, Outer = _outer, Table = table, Sources = sources, TableAlias = s.FromAlias, Aliases = s.Columns, AllowAggregates = true };
                key = term.Expression is NameExpr { Qualifier: null } ne && FindAlias(s.Columns, ne.Name) is { } aliased
                    ? aliased
                    : Expr.BindWhole(term.Expression, orderScope);
                if (!aggregate && orderScope.SawAggregate) misplaced ??= FirstAggregate(key);
            }
            order.Add(new OrderKey(key, term.Descending, term.NullsFirst));
        }
        CheckTermsInRange(orderTerms, "ORDER", output.Count);
        // resolveSelectStep resolves ORDER BY before GROUP BY: GROUP BY nosuch1 ORDER BY nosuch2 reports nosuch2.
        var groupBy = new List<Expr>();
        var groupTerms = new int[s.GroupBy.Count];
        for (int i = 0; i < s.GroupBy.Count; i++)
        {
            var term = s.GroupBy[i];
            Expr key;
            var groupScope = new Scope { Host = this, Outer = _outer, Table = table, Sources = sources, TableAlias = s.FromAlias, Aliases = s.Columns, AllowAggregates = true };
            if (ColumnTerm(term, i, "GROUP", output.Count) is { } k)
            {
                groupTerms[i] = k;
                if (k > output.Count) continue;
                key = output[k - 1];
                if (ContainsAggregate(key)) throw new SqlParseException("aggregate functions are not allowed in the GROUP BY clause");
            }
            else
            {
                key = Expr.BindWhole(term, groupScope);
                if (groupScope.SawAggregate) throw new SqlParseException("aggregate functions are not allowed in the GROUP BY clause");
            }
            groupBy.Add(key);
        }
        CheckTermsInRange(groupTerms, "GROUP", output.Count);
        if (aggregate && where != null && FirstAggregate(where) is { } inWhere) misplaced = inWhere;
        if (misplaced != null) throw new SqlParseException("misuse of aggregate: " + misplaced.Name + "()", misplaced.Offset);
        LikelyExpr.RefuseWherePlanned(join?.Joined ?? table, join != null,
            [where, .. order.Select(k => k.Key), .. groupBy, .. join?.On ?? [], .. s.Distinct ? output : []],
            having == null ? output : [.. output, having]);
        if (aggregate && table != null) RefuseUnmodelledAggregate(table, output, groupBy);
        if (s.FromQuery != null) PlanFromSubquery(s, aggregate, [.. output, .. order.Select(k => k.Key), .. having == null ? [] : new[] { having }]);

        var used = UsedColumns(output, where, order, groupBy, having);
        if (join == null && table != null && s.FromQuery == null) RefuseInListBeside(table, where, groupBy, aggregate ? output : null, s.Distinct && !aggregate ? output : null, having, order);
        CompositeIndexPlanner.CompositeScan? composite = null;
        if (join != null)
        {
            var terms = new HashSet<int>();
            if (where != null) CollectColumns(where, terms);
            foreach (var on in join.On) if (on != null) CollectColumns(on, terms);
            // What an index walk could serve: ORDER BY, GROUP BY, DISTINCT, and without GROUP BY min(), max() and
            // DISTINCT aggregates (select.c's pMinMaxOrderBy and WHERE_WANT_DISTINCT).
            // An ORDER BY of an aggregate's result sorts the groups (or the one row): only the columns outside
            // aggregate calls can be walked for.
            var ordering = new HashSet<int>();
            void OutsideAggregates(Expr e)
            {
                if (e is AggregateExpr) return;
                if (e is ColumnExpr { Index: >= 0 } c) ordering.Add(c.Index);
                foreach (var operand in Expr.OperandsOf(e)) OutsideAggregates(operand);
            }
            foreach (var k in order) OutsideAggregates(k.Key);
            foreach (var g in groupBy) CollectColumns(g, ordering);
            if (s.Distinct && !aggregate) foreach (var e in output) CollectColumns(e, ordering);
            if (aggregate && groupBy.Count == 0)
            {
                var aggregates = new List<AggregateExpr>();
                foreach (var e in output) AggregateExpr.CollectIn(e, aggregates);
                if (having != null) AggregateExpr.CollectIn(having, aggregates);
                foreach (var k in order) AggregateExpr.CollectIn(k.Key, aggregates);
                // count(DISTINCT x) counts the same whatever order the rows come in.
                foreach (var a in aggregates)
                    if ((a.IsMinMax || (a.Distinct && a.Kind != AggregateKind.Count)) && a.Argument != null) CollectColumns(a.Argument, ordering);
            }
            var read = new HashSet<int>(used);
            foreach (var on in join.On) if (on != null) CollectColumns(on, read);
            CompositeIndexPlanner.RefuseJoin(join.Sources, terms, ordering, read);
        }
        else if (table != null && s.FromQuery == null)
            composite = CompositeIndexPlanner.PlanSelect(table, where, new CompositeIndexPlanner.SelectShape
            {
                Output = output, GroupBy = groupBy, Having = having, Distinct = s.Distinct, Aggregate = aggregate, Limited = limit != null,
                Order = order.ConvertAll(k => new CompositeIndexPlanner.OrderTerm(k.Key, k.Desc, k.DefaultNulls)),
            });
        if (join != null)
        {
            join.Used = [.. used];
            foreach (var on in join.On) if (on != null) CollectColumns(on, join.Used);
            List<Expr> orderKeys = [.. order.Select(k => k.Key)];
            List<Expr> sortTerms = aggregate ? groupBy : order.Count > 0 ? orderKeys : s.Distinct ? output : [];
            PlanJoinLoops(join, where, [.. orderKeys, .. groupBy, .. s.Distinct && !aggregate ? output : []], sortTerms, !aggregate && order.Count > 0,
                order.Count > 0 && order[0].Desc, aggregate && OrderIsGroupBy(order, groupBy));
        }
        int distinctIndex = s.Distinct && !aggregate && order.Count == 0 && table != null && composite == null
                            && !(join == null && s.FromQuery == null && IsDistinctRedundant(table, output, where))
            ? DistinctIndexColumn(table, output, where, used) : -1;
        // The temp schema is always empty: nothing in it is unknown.
        if (schemaTable && SchemaTable.CanonicalName(s.From!) == SchemaTable.MasterName) SchemaTable.CheckKnown(_catalog, used);
        return new PreparedSelect(s, limit, offset, join, table, named, output, aggregate, having, where, groupBy, order, used, distinctIndex, composite);
    }

    private void RunSelect(PreparedSelect prepared, StringBuilder stdout)
    {
        var (s, limit, offset, join, table, _, output, aggregate, having, where, groupBy, order, used, distinctIndex, composite) = prepared;
        // A scalar or EXISTS subquery stops after its first row (SQLite adds LIMIT 1, or makes LIMIT X into X<>0).
        long cap = _rowCap;
        _rowCap = -1;

        _context.Values = null;
        long limitCount = limit == null ? -1 : cap >= 0 ? CappedLimit(limit) : MustBeInteger(limit.Eval(_context));
        // computeLimitRegisters: LIMIT 0 jumps to the end before OFFSET is computed or a row is read.
        if (limitCount == 0) return;
        long offsetCount = offset == null ? 0 : MustBeInteger(offset.Eval(_context));
        if (offsetCount < 0) offsetCount = 0;
        if (cap >= 0 && (limitCount < 0 || limitCount > cap)) limitCount = cap;
        if (s.FromQuery != null) FillFromSubquery(table!, s.FromQuery);

        var line = new StringBuilder();
        // A join is streamed into the aggregate (one group) or the output; sorting or grouping it copies its rows.
        bool streamJoin = join != null && (aggregate ? groupBy.Count == 0 || join.GroupsSatisfied : order.Count == 0 || join.OrderSatisfied);
        List<(SqlValue[]? Values, long RowId)> source;
        bool tieSensitive = false; // see ScanForOrderBy
        SqlRuntimeException? scanError = null; // WHERE failed on a row: the rows before it are printed first
        if (streamJoin) source = [];
        else if (join != null) source = MaterializeJoin(join, where);
        else if (table == null)
        {
            _context.Values = null;
            var v = where?.Eval(_context);
            source = where == null || (!v!.Value.IsNull && Arithmetic.IsTrue(v.Value)) ? [(null, 0)] : [];
        }
        else if (!aggregate && composite == null && s.FromQuery == null && StreamedWalk(table, where, order, limit != null, used) is { } walked)
        {
            StreamWalk(table, where, output, order, walked, s.Distinct, used, limitCount, offsetCount, stdout);
            return;
        }
        else if (!aggregate && composite == null && s.FromQuery == null && limit == null && order.Count > 1
                 && WalkedColumn(table, where, order[0], limited: false) is { } blocks && ScanPlanner.OrUnionPlan(table, where, used) == null)
        {
            StreamBlocks(table, where, output, order, blocks, s.Distinct, used, offsetCount, stdout);
            return;
        }
        else
        {
            // GROUP BY walking an index (or the rowid) and printing each group as it ends: a row whose WHERE fails ends
            // the walk, after the groups the rows before it finished (the group it was in is never printed).
            int walkColumn = NoWalk;
            if (aggregate && groupBy.Count > 0 && composite == null && s.FromQuery == null && (order.Count == 0 || OrderIsGroupBy(order, groupBy))
                && GroupIndexWalk(table, groupBy, where, order, used) is { Key: >= 0, Reverse: false } early)
                walkColumn = groupBy[early.Key] is ColumnExpr { IsRowId: false, Index: >= 0 } c && c.Index != table.RowIdColumn ? c.Index : -1;
            // (CompositeIndexPlanner plans GROUP BY over a multi-column index only as a walk of it: GroupsAlongKey.)
            bool groupWalk = walkColumn != NoWalk || (aggregate && groupBy.Count > 0 && composite != null);
            var rows = MatchingRows(table, where, used, (!aggregate && order.Count == 0 && distinctIndex < 0) || groupWalk, out scanError, composite, walkColumn);
            // NULLS FIRST/LAST against the index's order still walks it (WHERE_BIGNULL_SORT visits the NULL keys at the
            // other end, in the walk's order): the stable sort that follows puts them there.
            if (order.Count > 0 && !aggregate && composite == null) rows = ScanForOrderBy(table, where, rows, order[0], limit != null, out tieSensitive);
            // max() alone walks its index backwards (ScanPlanner.LoneMinMax): the scan ORDER BY x DESC would make.
            else if (aggregate && groupBy.Count == 0 && composite == null
                     && ScanPlanner.LoneMinMax([.. output, .. order.Select(k => k.Key), .. having == null ? [] : new[] { having }]) is { Kind: AggregateKind.Max, Argument: ColumnExpr max })
                rows = ScanForOrderBy(table, where, rows, new OrderKey(max, Desc: true, NullsFirst: null), limited: false, out _);
            tieSensitive &= order.Count > 1 && limit != null;
            if (distinctIndex >= 0) SortByColumn(rows, distinctIndex);
            source = rows.ConvertAll(r => ((SqlValue[]?)r.Values, r.RowId));
        }

        if (aggregate)
        {
            var walk = GroupIndexWalk(table, groupBy, where, order, used);
            if (order.Count == 0 || OrderIsGroupBy(order, groupBy))
            {
                // Nothing to sort: each group is printed as it ends, so a later group's error ("integer overflow")
                // comes after the rows before it and LIMIT stops before the next group is computed, as in SQLite.
                // DISTINCT keeps the rows printed, to skip repeats (an ephemeral index beside the output loop).
                long skip = offsetCount, left = limitCount, held = 0;
                HashSet<SqlValue[]>? seen = s.Distinct ? new HashSet<SqlValue[]>(DistinctRowComparer.Instance) : null;
                Group(source, streamJoin ? (join!, where) : null, table, output, groupBy, having, order, walk, row =>
                {
                    if (seen != null)
                    {
                        if (!seen.Add(row)) return true;
                        Hold(ref held, StorageSize.OfRow(row));
                    }
                    if (skip > 0) { skip--; return true; }
                    AppendLine(row, line, stdout);
                    return --left != 0;
                }, holdLast: scanError != null);
                // A LIMIT reached first ends the walk before the failing row.
                if (scanError != null && left != 0) throw scanError;
                return;
            }
            var results = Group(source, streamJoin ? (join!, where) : null, table, output, groupBy, having, order, walk);
            Finish(results, s.Distinct, order, limitCount, offsetCount, line, stdout);
            return;
        }

        if (order.Count == 0 || (streamJoin && join!.OrderSatisfied))
        {
            // Streamed: no row is held (SELECT DISTINCT keeps the rows it has printed, to skip repeats).
            HashSet<SqlValue[]>? seen = s.Distinct ? new HashSet<SqlValue[]>(DistinctRowComparer.Instance) : null;
            long skipped = 0, emitted = 0, held = 0;
            bool Emit(SqlValue[]? values, long rowId)
            {
                if (limitCount >= 0 && emitted >= limitCount) return false;
                _context.Values = values;
                _context.RowId = rowId;
                if (seen != null)
                {
                    var row = Evaluate(output);
                    if (!seen.Add(row)) return true;
                    Hold(ref held, StorageSize.OfRow(row));
                    if (skipped < offsetCount) { skipped++; return true; }
                    Rows.Row(row, stdout);
                    return ++emitted != limitCount;
                }
                if (skipped < offsetCount) { skipped++; return true; }
                EmitRow(output, line, stdout);
                // The LIMIT's last row ends the loops at once (OP_DecrJumpZero): no later row's WHERE is tested.
                return ++emitted != limitCount;
            }
            if (streamJoin)
            {
                if (limitCount != 0) RunJoin(join!, where, Emit);
            }
            else foreach (var (values, rowId) in source) if (!Emit(values, rowId)) break;
            // The scan reaches the failing row only if LIMIT did not end it first.
            if (scanError != null && !(limitCount >= 0 && emitted >= limitCount)) throw scanError;
            return;
        }

        // Under LIMIT the sorter holds LIMIT + OFFSET rows at most, and a row whose keys cannot enter it is dropped
        // before its result columns are computed (pushOntoSorter's OP_IdxLE), so they never fail on it. Not for
        // DISTINCT (tested on the result first), nor for a scalar subquery's implicit LIMIT 1 (no sorter limit).
        if (limit != null && cap < 0 && !s.Distinct && !tieSensitive && limitCount > 0 && offsetCount <= long.MaxValue - limitCount)
        {
            SortUnderLimit(source, output, order, limitCount, offsetCount, line, stdout);
            return;
        }

        // Sort: evaluate keys and result columns first (SQLite's sorter), then output; ties keep scan order.
        var sorted = new List<(SqlValue[] Keys, SqlValue[] Out)>();
        long bytes = 0;
        foreach (var (values, rowId) in source)
        {
            _context.Values = values;
            _context.RowId = rowId;
            var keys = new SqlValue[order.Count];
            for (int i = 0; i < keys.Length; i++) keys[i] = order[i].Key.Eval(_context);
            var outv = Evaluate(output);
            Hold(ref bytes, StorageSize.OfRow(keys) + StorageSize.OfRow(outv));
            sorted.Add((keys, outv));
        }
        Finish(sorted, s.Distinct, order, limitCount, offsetCount, line, stdout, tieSensitive);
    }

    /// <summary>x IN (...) planned as seeks (ScanPlanner.PlannedInList) beside what another index or the rowid could
    /// serve instead, which SQLite weighs by cost: a GROUP BY term or a DISTINCT result column on one, or a lone
    /// min() or max(). (An ORDER BY
    /// another index could walk sorts the few rows the seeks find; ORDER BY x walks them, backwards for DESC.)</summary>
    private static void RefuseInListBeside(Table table, Expr? where, List<Expr> groupBy, List<Expr>? aggregateOutput, List<Expr>? distinctOutput,
        Expr? having, List<OrderKey> order)
    {
        if (ScanPlanner.InColumn(ScanPlanner.PlannedInList(table, where)) is not { } x) return;
        bool Other(Expr e) => e is ColumnExpr c && (c.IsRowId || c.Index < 0 || table.IndexOn(c.Index) != null) && !ScanPlanner.SameColumn(c, x);
        // ORDER BY x NULLS LAST (or DESC NULLS FIRST): SQLite sorts the seeks' rows rather than walk the values.
        bool refused = groupBy.Exists(Other) || (distinctOutput != null && distinctOutput.Exists(Other))
            || (order.Count > 0 && order[0].Key is ColumnExpr o && ScanPlanner.SameColumn(o, x) && !order[0].DefaultNulls)
            || (aggregateOutput != null && ScanPlanner.LoneMinMax([.. aggregateOutput, .. order.Select(k => k.Key), .. having == null ? [] : new[] { having }]) != null);
        if (refused)
            throw new SqlParseException("FastDb does not support IN on an indexed column or the rowid in WHERE beside a GROUP BY, DISTINCT or min()/max() another index could serve, or ORDER BY it with NULLS LAST or DESC NULLS FIRST, yet");
    }

    /// <summary>ORDER BY ... LIMIT through a sorter of LIMIT + OFFSET rows (see the caller): the largest row held is
    /// displaced by a smaller one; a row not smaller than it, once the sorter is full, is dropped unevaluated.</summary>
    private void SortUnderLimit(List<(SqlValue[]? Values, long RowId)> source, List<Expr> output, List<OrderKey> order,
        long limitCount, long offsetCount, StringBuilder line, StringBuilder stdout)
    {
        long capacity = limitCount + offsetCount;
        int CompareKeys(SqlValue[] x, SqlValue[] y)
        {
            for (int i = 0; i < order.Count; i++)
            {
                int c = CompareForOrder(x[i], y[i], order[i]);
                if (c != 0) return c;
            }
            return 0;
        }
        int CompareRows((SqlValue[] Keys, long Seq) x, (SqlValue[] Keys, long Seq) y)
        {
            int c = CompareKeys(x.Keys, y.Keys);
            return c != 0 ? c : x.Seq.CompareTo(y.Seq);
        }
        // A max-heap on (keys, arrival): its top is the row the next smaller one displaces.
        var held = new PriorityQueue<(SqlValue[] Keys, SqlValue[] Out, long Size), (SqlValue[] Keys, long Seq)>(
            Comparer<(SqlValue[] Keys, long Seq)>.Create((x, y) => CompareRows(y, x)));
        long bytes = 0, seq = 0;
        foreach (var (values, rowId) in source)
        {
            _context.Values = values;
            _context.RowId = rowId;
            var keys = new SqlValue[order.Count];
            for (int i = 0; i < keys.Length; i++) keys[i] = order[i].Key.Eval(_context);
            if (held.Count == capacity && CompareKeys(held.Peek().Keys, keys) <= 0) { seq++; continue; }
            var outv = Evaluate(output);
            long size = StorageSize.OfRow(keys) + StorageSize.OfRow(outv);
            Hold(ref bytes, size);
            held.Enqueue((keys, outv, size), (keys, seq++));
            if (held.Count > capacity) bytes -= held.Dequeue().Size;
        }
        var rows = new List<((SqlValue[] Keys, SqlValue[] Out, long Size) Row, (SqlValue[] Keys, long Seq) Order)>(held.Count);
        while (held.TryDequeue(out var row, out var key)) rows.Add((row, key));
        rows.Reverse(); // dequeued largest first
        long skip = offsetCount, left = limitCount;
        foreach (var (row, _) in rows)
        {
            if (left == 0) break;
            if (skip > 0) { skip--; continue; }
            AppendLine(row.Out, line, stdout);
            left--;
        }
    }

    /// <summary>The column whose index walk (or the rowid's) delivers the whole ORDER BY, so SQLite needs no sorter
    /// and prints each row as the walk reaches it: one term, or a first term no two rows share (the rowid, or a
    /// UNIQUE NOT NULL column). Null when a sort follows, or when an OR of index terms may drive the scan instead.</summary>
    private static ColumnExpr? StreamedWalk(Table table, Expr? where, List<OrderKey> order, bool limited, HashSet<int> used)
    {
        if (order.Count == 0 || WalkedColumn(table, where, order[0], limited) is not { } col) return null;
        bool isRowId = col.IsRowId || col.Index < 0;
        bool distinctKeys = isRowId || (table.IndexOn(col.Index) is { Unique: true, IsComposite: false } && table.Columns[col.Index].NotNull);
        // The index's entries end in the rowid, so "ORDER BY x, rowid" in one direction is the walk's own order.
        bool rowIdNext = order.Count > 1 && order[1] is { Key: ColumnExpr { IsRowId: true }, DefaultNulls: true } next && next.Desc == order[0].Desc;
        if (order.Count > 1 && !distinctKeys && !rowIdNext) return null;
        if (ScanPlanner.OrUnionPlan(table, where, used) != null) return null;
        return col;
    }

    /// <summary>
    /// SELECT ... ORDER BY that an index walk satisfies, as SQLite runs it: rows in the walk's order, the walk's
    /// range terms first (rows outside the range are never visited), then WHERE, OFFSET and the result columns, one
    /// row at a time. A run-time error in WHERE or a result column therefore comes after the rows before it in
    /// that order, and a LIMIT that ends the walk first never reaches it.
    /// </summary>
    private void StreamWalk(Table table, Expr? where, List<Expr> output, List<OrderKey> order, ColumnExpr walked, bool distinct,
        HashSet<int> used, long limitCount, long offsetCount, StringBuilder stdout)
    {
        // sqlite3WhereBegin runs the AND terms that read no table once, before the loop.
        if (where != null && ConstantTermIsFalse(where)) return;
        var first = order[0];
        var rows = WalkVisits(table, walked, first);
        var tests = WalkTests(table, where, walked, used);
        HashSet<SqlValue[]>? seen = distinct ? new HashSet<SqlValue[]>(DistinctRowComparer.Instance) : null;
        // SELECT DISTINCT x ... ORDER BY x becomes GROUP BY x (select.c, when sqlite3ExprListCompare finds the lists
        // equal, sort flags included: not for DESC or NULLS LAST): a group prints once the next one's first row
        // is read, so a run-time error holds back the row before it.
        bool grouped = distinct && output.Count == 1 && order.Count == 1 && output[0] is ColumnExpr o && ScanPlanner.SameColumn(o, walked) && !first.Desc && first.DefaultNulls;
        SqlValue[]? pending = null;
        long skip = offsetCount, left = limitCount, held = 0;
        var line = new StringBuilder();
        foreach (var row in rows)
        {
            _context.Values = row.Values;
            _context.RowId = row.RowId;
            if (!Accepts(tests)) continue;
            if (seen != null)
            {
                var values = Evaluate(output);
                if (!seen.Add(values)) continue;
                Hold(ref held, StorageSize.OfRow(values));
                if (skip > 0) { skip--; continue; }
                if (grouped)
                {
                    if (pending != null)
                    {
                        AppendLine(pending, line, stdout);
                        pending = null;
                        if (left > 0 && --left == 0) break;
                    }
                    pending = values;
                    continue;
                }
                AppendLine(values, line, stdout);
            }
            else
            {
                if (skip > 0) { skip--; continue; }
                EmitRow(output, line, stdout);
            }
            if (left > 0 && --left == 0) break;
        }
        if (pending != null) AppendLine(pending, line, stdout);
    }

    /// <summary>What a walk of <paramref name="walked"/> tests on each row it visits, in order: the terms that bound
    /// its range (a row outside fails one), then WHERE's terms as the loop tests them (LoopTerms).</summary>
    private static List<Expr> WalkTests(Table table, Expr? where, ColumnExpr walked, HashSet<int> used) => where == null ? [] :
        [.. ScanPlanner.WalkBounds(table, where, walked, used), .. LoopTerms(table, where, walked.IsRowId || walked.Index < 0 ? -1 : walked.Index)];

    /// <summary>The rows in the order the walk of <paramref name="walked"/> visits them for ORDER BY term
    /// <paramref name="first"/>. NULLS FIRST/LAST against the walk's direction (WHERE_BIGNULL_SORT) visits the NULL
    /// keys at the other end, in the walk's order: a stable sort on the first key, a column, which cannot fail.</summary>
    private List<Row> WalkVisits(Table table, ColumnExpr walked, OrderKey first)
    {
        var rows = WalkOrder(table.Rows, walked, first.Desc);
        if (first.DefaultNulls) return rows;
        var keys = new SqlValue[rows.Count];
        for (int i = 0; i < keys.Length; i++) { _context.Values = rows[i].Values; _context.RowId = rows[i].RowId; keys[i] = walked.Eval(_context); }
        var index = Enumerable.Range(0, rows.Count).ToArray();
        Array.Sort(index, (x, y) => { int c = CompareForOrder(keys[x], keys[y], first); return c != 0 ? c : x.CompareTo(y); });
        return [.. index.Select(i => rows[i])];
    }

    /// <summary>
    /// SELECT ... ORDER BY x, y... whose first term an index walk (or the rowid's) delivers and the rest a sort:
    /// SQLite's block sort ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"). Rows of equal x gather in the sorter
    /// as the walk visits them, WHERE and the result columns evaluated then; a block is sorted and printed when
    /// the first row of the next one has been evaluated. So a run-time error prints the blocks before the one
    /// still gathering. The rows come out as a stable sort of the walk would order them.
    /// </summary>
    private void StreamBlocks(Table table, Expr? where, List<Expr> output, List<OrderKey> order, ColumnExpr walked, bool distinct,
        HashSet<int> used, long offsetCount, StringBuilder stdout)
    {
        if (where != null && ConstantTermIsFalse(where)) return;
        var tests = WalkTests(table, where, walked, used);
        var block = new List<(SqlValue[] Keys, SqlValue[] Out)>();
        HashSet<SqlValue[]>? seen = distinct ? new HashSet<SqlValue[]>(DistinctRowComparer.Instance) : null;
        long skip = offsetCount, held = 0;
        var line = new StringBuilder();
        foreach (var row in WalkVisits(table, walked, order[0]))
        {
            _context.Values = row.Values;
            _context.RowId = row.RowId;
            if (!Accepts(tests)) continue;
            var keys = new SqlValue[order.Count];
            for (int i = 0; i < keys.Length; i++) keys[i] = order[i].Key.Eval(_context);
            var values = Evaluate(output);
            // DISTINCT is tested before the row reaches the sorter: a repeat neither joins nor ends a block.
            if (seen != null && !seen.Add(values)) continue;
            if (block.Count > 0 && ValueComparer.Compare(block[0].Keys[0], keys[0]) != 0) Flush();
            Hold(ref held, StorageSize.OfRow(keys) + StorageSize.OfRow(values));
            block.Add((keys, values));
        }
        Flush();

        void Flush()
        {
            var index = Enumerable.Range(0, block.Count).ToArray();
            Array.Sort(index, (x, y) =>
            {
                for (int i = 1; i < order.Count; i++)
                {
                    int c = CompareForOrder(block[x].Keys[i], block[y].Keys[i], order[i]);
                    if (c != 0) return c;
                }
                return x.CompareTo(y);
            });
            foreach (int i in index)
            {
                if (skip > 0) { skip--; continue; }
                AppendLine(block[i].Out, line, stdout);
            }
            block.Clear();
            held = 0;
        }
    }

    /// <summary>
    /// ORDER BY the GROUP BY terms themselves, in order (each a column, either direction, default NULLs): select.c
    /// gives the GROUP BY sorter the ORDER BY's directions, finds the two lists equal (sqlite3ExprListCompare, sort
    /// flags included, so NULLS FIRST/LAST against the direction differs) and drops the ORDER BY, the groups coming
    /// out in its order. They then print as each ends, and a LIMIT stops before the next group is computed.
    /// </summary>
    private static bool OrderIsGroupBy(List<OrderKey> order, List<Expr> groupBy)
    {
        if (order.Count != groupBy.Count) return false;
        for (int i = 0; i < order.Count; i++)
            if (!order[i].DefaultNulls || order[i].Key is not ColumnExpr o || groupBy[i] is not ColumnExpr g || o.Index != g.Index || o.IsRowId != g.IsRowId)
                return false;
        return true;
    }

    /// <summary>Counts bytes a statement holds beyond the stored rows; past the limit it fails (see EngineLimits).</summary>
    private static void Hold(ref long held, long more)
    {
        held += more;
        if (held > EngineLimits.MaxStatementMemoryBytes)
            throw new SqlRuntimeException(EngineLimits.StatementTooLargeMessage, EngineLimits.StatementTooLargeCode);
    }

    private SqlValue[] Evaluate(List<Expr> exprs)
    {
        var values = new SqlValue[exprs.Count];
        for (int i = 0; i < values.Length; i++) values[i] = exprs[i].Eval(_context);
        return values;
    }

    /// <summary>DISTINCT (first of equal rows kept), ORDER BY (stable), OFFSET and LIMIT over evaluated rows.</summary>
    private void Finish(List<(SqlValue[] Keys, SqlValue[] Out)> rows, bool distinct, List<OrderKey> order,
        long limitCount, long offsetCount, StringBuilder line, StringBuilder stdout, bool refuseTies = false)
    {
        if (distinct)
        {
            var seen = new HashSet<SqlValue[]>(DistinctRowComparer.Instance);
            rows = rows.FindAll(r => seen.Add(r.Out));
        }
        var index = Enumerable.Range(0, rows.Count).ToArray();
        if (order.Count > 0)
        {
            Array.Sort(index, (x, y) =>
            {
                for (int i = 0; i < order.Count; i++)
                {
                    int c = CompareForOrder(rows[x].Keys[i], rows[y].Keys[i], order[i]);
                    if (c != 0) return c;
                }
                return x.CompareTo(y);
            });
            if (refuseTies) RefuseTies(rows, index, order);
        }
        long skip = offsetCount, left = limitCount;
        foreach (int i in index)
        {
            if (left == 0) break;
            if (skip > 0) { skip--; continue; }
            AppendLine(rows[i].Out, line, stdout);
            if (left > 0) left--;
        }
    }

    /// <summary>Rows equal in every ORDER BY key but printing differently: their order is SQLite's plan choice.</summary>
    private static void RefuseTies(List<(SqlValue[] Keys, SqlValue[] Out)> rows, int[] index, List<OrderKey> order)
    {
        for (int n = 1; n < index.Length; n++)
        {
            var (a, b) = (rows[index[n - 1]], rows[index[n]]);
            bool tied = true;
            for (int i = 0; i < order.Count && tied; i++) tied = CompareForOrder(a.Keys[i], b.Keys[i], order[i]) == 0;
            if (tied && !DistinctRowComparer.Instance.Equals(a.Out, b.Out))
                throw new SqlParseException("FastDb does not support ORDER BY ... DESC of several terms with LIMIT led by an indexed column with equal keys (a non-unique index, or NULLs under a UNIQUE one), when rows tie in every term, yet");
        }
    }

    private static int CompareForOrder(SqlValue a, SqlValue b, OrderKey key)
    {
        if (key.NullsFirst is { } nullsFirst && a.IsNull != b.IsNull) return a.IsNull == nullsFirst ? -1 : 1;
        int c = ValueComparer.Compare(a, b);
        return key.Desc ? -c : c;
    }

    /// <summary>
    /// The aggregate loop. Rows are grouped by the GROUP BY keys in SQLite's sorter order (the keys ascending, or as
    /// the ORDER BY terms when there are as many; rows of one group in scan order); each group's aggregates are stepped row by row, sharing one accumulator between
    /// equal calls as SQLite does. Bare columns take the group's first row, or, when the query has min() or max(),
    /// the row where the last of them last changed its value. Then HAVING filters the group and the result columns
    /// and ORDER BY keys are evaluated. Without GROUP BY there is exactly one group, rows or not.
    /// </summary>
    /// <summary>How SQLite's plan delivers rows for GROUP BY: through its sorter (Key -1), or walking an index (or
    /// the table in rowid order) whose column is GROUP BY term <see cref="Key"/>, backwards when <see cref="Reverse"/>.</summary>
    private readonly record struct GroupWalk(int Key, bool Reverse)
    {
        public static readonly GroupWalk Sorter = new(-1, false);
    }

    /// <summary>
    /// When the scan itself can deliver GROUP BY's groups SQLite skips its sorter: GROUP BY one column that has an
    /// index (or is the rowid) walks that index, ascending whatever ORDER BY's direction, unless ORDER BY is that
    /// column DESC (then backwards, rows of a group in reverse rowid order). Several terms one of which is indexed or
    /// the rowid are refused (an index or the table may deliver them, by cost); any other GROUP BY is sorted. With
    /// WHERE steering another index the choice is the planner's costs: refused.
    /// </summary>
    private static GroupWalk GroupIndexWalk(Table? table, List<Expr> groupBy, Expr? where, List<OrderKey> order, HashSet<int> used)
    {
        if (table == null || groupBy.Count == 0) return GroupWalk.Sorter;
        int key = -1;
        for (int i = 0; i < groupBy.Count && key < 0; i++)
        {
            if (groupBy[i] is not ColumnExpr c) continue;
            bool rowId = c.IsRowId || c.Index < 0;
            if (!rowId && table.IndexOn(c.Index) == null) continue;
            // Several terms: any index (its rowid suffix makes entries distinct) or the table itself may deliver the
            // groups, chosen by cost (a covering index wins); FastDb does not model that choice.
            if (groupBy.Count > 1) throw new SqlParseException("FastDb does not support GROUP BY of several terms one of which is indexed or the rowid yet");
            key = i;
        }
        if (key < 0) return GroupWalk.Sorter;
        var column = (ColumnExpr)groupBy[key];
        bool isRowId = column.IsRowId || column.Index < 0;
        if (ScanPlanner.HasIndexTermOtherThan(table, where, isRowId ? -1 : column.Index, used))
            throw new SqlParseException("FastDb does not support GROUP BY an indexed column with WHERE on another index yet");
        bool reverse = groupBy.Count == 1 && order.Count == 1 && order[0].Key is ColumnExpr o && o.Index == column.Index
            && o.IsRowId == column.IsRowId && order[0].Desc && order[0].DefaultNulls;
        return new GroupWalk(key, reverse);
    }

    /// <summary>With <paramref name="stream"/> (a join and its WHERE, no GROUP BY) the one group's rows come from the
    /// join's loops instead of <paramref name="source"/>; only the row bare columns come from is copied.</summary>
    private List<(SqlValue[] Keys, SqlValue[] Out)> Group(List<(SqlValue[]? Values, long RowId)> source, (JoinPlan Plan, Expr? Where)? stream,
        Table? table, List<Expr> output, List<Expr> groupBy, Expr? having, List<OrderKey> order, GroupWalk walk,
        Func<SqlValue[], bool>? emit = null, bool holdLast = false)
    {
        // SQLite's aFunc: the aggregates of the result columns, ORDER BY, then HAVING, equal calls once.
        var nodes = new List<AggregateExpr>();
        foreach (var e in output) CollectAggregates(e, nodes);
        foreach (var k in order) CollectAggregates(k.Key, nodes);
        if (having != null) CollectAggregates(having, nodes);
        var distinctCalls = new List<AggregateExpr>();
        var callOf = new int[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            int found = distinctCalls.FindIndex(d => d.SameAs(nodes[i]));
            if (found < 0) { found = distinctCalls.Count; distinctCalls.Add(nodes[i]); }
            callOf[i] = found;
        }
        int decidingCall = distinctCalls.FindLastIndex(a => a.IsMinMax);

        // Group boundaries: a stable sort of the scanned rows by their keys.
        int n = source.Count;
        var keys = new SqlValue[n][];
        var positions = Enumerable.Range(0, n).ToArray();
        if (groupBy.Count > 0)
        {
            for (int r = 0; r < n; r++)
            {
                _context.Values = source[r].Values;
                _context.RowId = source[r].RowId;
                keys[r] = Evaluate(groupBy);
            }
            // With as many ORDER BY terms as GROUP BY terms, SQLite sorts each group key in its ORDER BY term's
            // direction (the grouping only needs groups contiguous), hoping to make the ORDER BY redundant.
            var descending = new bool[groupBy.Count];
            if (order.Count == groupBy.Count && walk.Key < 0) for (int i = 0; i < descending.Length; i++) descending[i] = order[i].Desc;
            if (walk.Key < 0 && !walk.Reverse) HashGroupOrder(keys, positions, descending);
            else Array.Sort(positions, (x, y) =>
            {
                if (walk.Key >= 0)
                {
                    // An index walk: its key, then rowid order for equal keys.
                    int w = ValueComparer.Compare(keys[x][walk.Key], keys[y][walk.Key]);
                    return w != 0 ? w : source[x].RowId.CompareTo(source[y].RowId);
                }
                for (int i = 0; i < descending.Length; i++)
                {
                    int c = ValueComparer.Compare(keys[x][i], keys[y][i]);
                    if (c != 0) return descending[i] ? -c : c;
                }
                return x.CompareTo(y); // the sorter keeps scan order
            });
            if (walk.Reverse) Array.Reverse(positions);
        }

        var results = new List<(SqlValue[] Keys, SqlValue[] Out)>();
        long bytes = 0;
        var accumulators = new Accumulator[distinctCalls.Count];
        SqlValue[]? bareValues = null;
        long bareRowId = 0;
        bool first = true;
        void Reset()
        {
            for (int a = 0; a < accumulators.Length; a++) accumulators[a] = new Accumulator();
            bareValues = table == null ? null : NullRow(table);
            bareRowId = 0;
            first = true;
        }
        bool StepRow(SqlValue[]? values, long rowId)
        {
            _context.Values = values;
            _context.RowId = rowId;
            bool load = first;
            first = false;
            for (int a = 0; a < accumulators.Length; a++)
            {
                bool hit = accumulators[a].Step(distinctCalls[a], _context);
                if (a == decidingCall) load = hit;
            }
            if (load)
            {
                // A streamed join reuses its row buffer: keep a copy of the row bare columns come from.
                if (stream != null && values != null)
                {
                    if (bareValues == null || bareValues.Length != values.Length || ReferenceEquals(bareValues, values)) bareValues = new SqlValue[values.Length];
                    Array.Copy(values, bareValues, values.Length);
                }
                else bareValues = values;
                bareRowId = rowId;
            }
            return true;
        }
        // The group's aggregates, HAVING and result row; false once emit's LIMIT is reached.
        bool FinishGroup()
        {
            for (int i = 0; i < nodes.Count; i++) nodes[i].Result = accumulators[callOf[i]].Finish(distinctCalls[callOf[i]]);
            _context.Values = bareValues;
            _context.RowId = bareRowId;
            if (having != null)
            {
                var h = having.Eval(_context);
                if (h.IsNull || !Arithmetic.IsTrue(h)) return true;
            }
            var orderKeys = new SqlValue[order.Count];
            for (int i = 0; i < orderKeys.Length; i++) orderKeys[i] = order[i].Key.Eval(_context);
            var outv = Evaluate(output);
            // emit: the caller prints the group's row at once; false when its LIMIT is reached.
            if (emit != null) return emit(outv);
            Hold(ref bytes, StorageSize.OfRow(orderKeys) + StorageSize.OfRow(outv));
            results.Add((orderKeys, outv));
            return true;
        }

        if (stream is { } grouped && groupBy.Count > 0)
        {
            // The loops give the groups one after another (JoinPlan.GroupsSatisfied): as SQLite's GROUP BY without a
            // sorter, a row whose keys differ from the last row's ends that group, which is finished (and printed)
            // before the new row is stepped; the last group ends with the loops.
            SqlValue[]? current = null;
            bool stopped = false;
            RunJoin(grouped.Plan, grouped.Where, (values, rowId) =>
            {
                _context.Values = values;
                _context.RowId = rowId;
                var key = Evaluate(groupBy);
                if (current == null) Reset();
                else if (CompareRows(current, key) != 0)
                {
                    if (!FinishGroup()) { stopped = true; return false; }
                    Reset();
                }
                current = key;
                return StepRow(values, rowId);
            });
            if (current != null && !stopped) FinishGroup();
            return results;
        }

        int start = 0;
        do
        {
            int end = start;
            if (groupBy.Count > 0)
            {
                if (n == 0) break;
                end = start + 1;
                while (end < n && CompareRows(keys[positions[start]], keys[positions[end]]) == 0) end++;
            }
            else end = n;
            Reset();
            if (stream is { } joined) RunJoin(joined.Plan, joined.Where, StepRow);
            else for (int p = start; p < end; p++) StepRow(source[positions[p]].Values, source[positions[p]].RowId);
            start = end;
            // holdLast: the walk stopped inside this group (a failing row), which SQLite never finished.
            if (holdLast && start >= n) break;
            if (!FinishGroup()) break;
        } while (start < n);
        return results;
    }

    /// <summary>The order SQLite's sorter gives the rows (a stable sort by the keys), found by hashing: each distinct
    /// key's rows in scan order, the keys sorted once (equal under ValueComparer, so 1 and 1.0 are one group, as in
    /// the sorter). O(rows + groups log groups) instead of a comparison sort of every row.</summary>
    private static void HashGroupOrder(SqlValue[][] keys, int[] positions, bool[] descending)
    {
        // Each group's rows as a chain through next[], first and last row per group.
        var groupOf = new Dictionary<SqlValue[], int>(DistinctRowComparer.Instance);
        var first = new List<int>();
        var last = new List<int>();
        var next = new int[keys.Length];
        for (int r = 0; r < keys.Length; r++)
        {
            next[r] = -1;
            if (groupOf.TryGetValue(keys[r], out int g)) { next[last[g]] = r; last[g] = r; continue; }
            groupOf.Add(keys[r], first.Count);
            first.Add(r);
            last.Add(r);
        }
        var groups = first.ToArray();
        Array.Sort(groups, (x, y) =>
        {
            for (int i = 0; i < descending.Length; i++)
            {
                int c = ValueComparer.Compare(keys[x][i], keys[y][i]);
                if (c != 0) return descending[i] ? -c : c;
            }
            return 0;
        });
        int at = 0;
        foreach (int head in groups)
            for (int r = head; r >= 0; r = next[r]) positions[at++] = r;
    }

    private static int CompareRows(SqlValue[] a, SqlValue[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            int c = ValueComparer.Compare(a[i], b[i]);
            if (c != 0) return c;
        }
        return 0;
    }

    /// <summary>Plans FastDb does not reproduce for aggregates: SQLite answers a lone min()/max() of an indexed column
    /// by seeking the index (max() to its last entry), so bare columns beside it come from a row the scan order does
    /// not predict; and GROUP BY an indexed column while WHERE drives another index, where SQLite may walk either.</summary>
    private void RefuseUnmodelledAggregate(Table table, List<Expr> output, List<Expr> groupBy)
    {
        if (groupBy.Count == 0)
        {
            var aggregates = new List<AggregateExpr>();
            foreach (var e in output) CollectAggregates(e, aggregates);
            if (aggregates.Count == 1 && aggregates[0] is { IsMinMax: true, Argument: ColumnExpr c }
                && (c.IsRowId || c.Index < 0 || table.IndexOn(c.Index) != null)
                && output.Any(e => !ContainsAggregate(e) && !e.IsConstant))
                throw new SqlParseException("FastDb does not support bare columns beside min()/max() of an indexed column yet");
        }
    }

    /// <summary>SELECT DISTINCT without ORDER BY asks SQLite's planner for rows ordered by the result columns, so an
    /// index on a selected column is walked: FastDb follows it for one selected column the WHERE does not steer to
    /// another index (index order, ties by rowid) and refuses the other shapes. Returns the column or -1.</summary>
    private static int DistinctIndexColumn(Table table, List<Expr> output, Expr? where, HashSet<int> used)
    {
        int found = -1;
        foreach (var e in output)
            if (e is ColumnExpr { IsRowId: false, Index: >= 0 } c && table.IndexOn(c.Index) != null) { found = c.Index; break; }
        if (found < 0) return -1;
        if (output.Count == 1 && !ScanPlanner.HasIndexTermOtherThan(table, where, found, used)) return found;
        throw new SqlParseException("FastDb does not support SELECT DISTINCT of several columns or with WHERE on another index, when a selected column is indexed, without ORDER BY yet");
    }

    /// <summary>where.c's isDistinctRedundant: DISTINCT over one table cannot remove a row when a result column is
    /// the rowid (or its INTEGER PRIMARY KEY alias) or a UNIQUE column that is NOT NULL or fixed by a WHERE term
    /// "col = constant"; SQLite then asks its planner for no order, so the rows come as a plain SELECT's do.</summary>
    private static bool IsDistinctRedundant(Table table, List<Expr> output, Expr? where)
    {
        foreach (var e in output)
            if (e is ColumnExpr c && (c.IsRowId || c.Index < 0 || c.Index == table.RowIdColumn)) return true;
        foreach (var ix in table.Indexes)
        {
            if (!ix.Unique || ix.IsComposite) continue;
            if (ScanPlanner.HasEqualityTerm(where, ix.Column)) return true;
            if (table.Columns[ix.Column].NotNull && output.Exists(e => e is ColumnExpr c && c.Index == ix.Column)) return true;
        }
        return false;
    }

    private static bool ContainsAggregate(Expr e) => FirstAggregate(e) != null;

    private static AggregateExpr? FirstAggregate(Expr e)
    {
        var list = new List<AggregateExpr>();
        CollectAggregates(e, list);
        return list.Count > 0 ? list[0] : null;
    }

    private static void CollectAggregates(Expr e, List<AggregateExpr> into) => AggregateExpr.CollectIn(e, into);

    /// <summary>When the first ORDER BY term is the rowid or a UNIQUE column, SQLite walks that index (backwards for
    /// DESC) instead of sorting the first key, so rows equal in it (NULLs) come in rowid order, reversed for DESC,
    /// unless a WHERE term fixes that column (the term is then satisfied, the scan order kept) or an equality on
    /// another index drives a lookup (its rows are sorted after).
    /// The stable sort that follows then only breaks ties by the other terms. With more terms and a LIMIT, SQLite
    /// weighs that walk against one sort of everything by the LIMIT's value (a sort keeps tied rows in rowid order).
    /// The two differ only for DESC, in rows tied in every term, which a non-unique index makes common: when such
    /// rows print differently FastDb refuses (<paramref name="tieSensitive"/>, see RefuseTies) rather than guess.</summary>
    private static List<Row> ScanForOrderBy(Table table, Expr? where, List<Row> rows, OrderKey first, bool limited, out bool tieSensitive)
    {
        tieSensitive = false;
        if (WalkedColumn(table, where, first, limited) is not { } col) return rows;
        // Rows tie in the first term under a non-unique index, or in the NULLs of a UNIQUE one (RefuseTies looks
        // only at rows that do tie, so a UNIQUE NOT NULL column never refuses).
        bool isRowId = col.IsRowId || col.Index < 0;
        tieSensitive = first.Desc && !isRowId;
        return WalkOrder(rows, col, first.Desc);
    }

    /// <summary>The first ORDER BY term's column when SQLite walks its index (or the rowid) for it; see ScanForOrderBy.</summary>
    private static ColumnExpr? WalkedColumn(Table table, Expr? where, OrderKey first, bool limited)
    {
        if (first.Key is not ColumnExpr col) return null;
        if (ScanPlanner.FixesColumn(where, col)) return null;
        bool isRowId = col.IsRowId || col.Index < 0;
        if (!isRowId && table.IndexOn(col.Index) == null) return null;
        if (ScanPlanner.HasEqualityLookupOtherThan(table, where, col)) return null;
        // A range on another index or the rowid drives the scan (then a sort) when bounded on both sides or under a
        // LIMIT (a sorter that keeps few rows is cheap); against a one-sided range without one (estimated at a
        // quarter of the rows) the walk of the ORDER BY index, which needs no sort, costs less (sqlite3 3.40.1
        // without ANALYZE). Two bounds on one side are one side: SQLite seeks by one. The OrderWalk generator
        // stream (which rows print before a run-time error tells the plan) found exceptions under a LIMIT that this
        // does not model: a rowid walk against a plain index's range, a UNIQUE NOT NULL walk against a rowid range.
        int driving = ScanPlanner.IndexOrderColumn(table, where, null, out _);
        int sides = driving >= 0 ? (driving != col.Index || isRowId ? ScanPlanner.RangeSides(table, where, driving) : 0)
            : isRowId ? 0 : ScanPlanner.RangeSides(table, where, -1);
        if (sides > 1 || (sides > 0 && limited)) return null;
        return col;
    }

    /// <summary>Rows in the order a walk of <paramref name="col"/>'s index (or the rowid) visits them: by value,
    /// then rowid; backwards for DESC.</summary>
    private static List<Row> WalkOrder(List<Row> rows, ColumnExpr col, bool desc)
    {
        bool isRowId = col.IsRowId || col.Index < 0;
        if (isRowId)
        {
            var byRowId = rows.OrderBy(r => r.RowId).ToList();
            if (desc) byRowId.Reverse();
            return byRowId;
        }
        var ordered = rows.ToArray();
        Array.Sort(ordered, (x, y) => { int c = ValueComparer.Compare(x.Values[col.Index], y.Values[col.Index]); return c != 0 ? c : x.RowId.CompareTo(y.RowId); });
        if (desc) Array.Reverse(ordered);
        return [.. ordered];
    }

    /// <summary>Columns of the table a SELECT reads (the rowid is always available from any index).</summary>
    private static HashSet<int> UsedColumns(List<Expr> output, Expr? where, List<OrderKey> order, List<Expr>? groupBy = null, Expr? having = null)
    {
        var used = new HashSet<int>();
        foreach (var e in output) CollectColumns(e, used);
        if (where != null) CollectColumns(where, used);
        foreach (var k in order) CollectColumns(k.Key, used);
        if (groupBy != null) foreach (var g in groupBy) CollectColumns(g, used);
        if (having != null) CollectColumns(having, used);
        return used;
    }

    private static void CollectColumns(Expr e, HashSet<int> into)
    {
        switch (e)
        {
            case ColumnExpr c: if (c.Index >= 0) into.Add(c.Index); break;
            case UnaryExpr u: CollectColumns(u.Operand, into); break;
            case BinaryExpr b: CollectColumns(b.Left, into); CollectColumns(b.Right, into); break;
            case IsNullExpr n: CollectColumns(n.Operand, into); break;
            case ScalarFunctionExpr f: foreach (var a in f.Args) CollectColumns(a, into); break;
            case IHasChildren h: foreach (var child in h.Children) CollectColumns(child, into); break;
        }
    }

    private static SqlValue[] NullRow(Table t) => new SqlValue[t.Columns.Length];

    private static Expr? FindAlias(List<ResultColumn> columns, string name)
    {
        foreach (var rc in columns)
            if (rc.Alias != null && rc.Expression != null && string.Equals(rc.Alias, name, StringComparison.OrdinalIgnoreCase)) return rc.Expression;
        return null;
    }

    private void EmitRow(List<Expr> output, StringBuilder line, StringBuilder stdout)
    {
        if (_rowValues.Length != output.Count) _rowValues = new SqlValue[output.Count];
        for (int i = 0; i < output.Count; i++) _rowValues[i] = output[i].Eval(_context);
        Rows.Row(_rowValues, stdout);
    }

    private void AppendLine(SqlValue[] values, StringBuilder line, StringBuilder stdout) => Rows.Row(values, stdout);

    public static void AppendValue(StringBuilder sb, SqlValue v)
    {
        switch (v.Type)
        {
            case SqlType.Integer: sb.Append(v.Integer); break;
            case SqlType.Real:
                Span<char> buf = stackalloc char[40];
                sb.Append(buf[..RealFormat.Format(v.Real, buf)]);
                break;
            case SqlType.Text: sb.Append(Shell.RowOutput.UpToNul(v.Text!)); break;
            case SqlType.Blob: sb.Append(Shell.RowOutput.UpToNul(v.AsText()!)); break; // the bytes, when UTF-8 (see BlobText)
        }
    }

    /// <summary>OP_MustBeInt: LIMIT/OFFSET must be integers (text and integral reals convert).</summary>
    private static long MustBeInteger(SqlValue v)
    {
        if (v.Type == SqlType.Text && NumericText.TryWholeNumber(v.Text!, true, out var n)) v = n;
        if (v.Type == SqlType.Real) v = AffinityRules.RealToIntegerIfExact(v.Real);
        if (v.Type != SqlType.Integer) throw new SqlRuntimeException("datatype mismatch", SqlRuntimeException.Mismatch);
        return v.Integer;
    }

    private static string Ordinal(int n)
    {
        string suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n + suffix;
    }
}
