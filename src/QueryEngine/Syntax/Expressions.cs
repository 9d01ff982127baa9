using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>The row an expression is evaluated against (null Values when there is no FROM), plus the aggregate count.</summary>
public sealed class RowContext
{
    public SqlValue[]? Values;
    public long RowId;
}

/// <summary>Names visible while binding an expression.</summary>
/// <summary>One table of a join as names see it: where its columns sit in the joined row, where its rowid sits,
/// and the USING columns it shares with a table to its left (unqualified, they name the left one).</summary>
public sealed class JoinSource
{
    public required Storage.Table Table;
    public string? Alias;
    public int Offset;
    public int RowIdSlot;
    public HashSet<string>? UsingColumns;
    public string Name => Alias ?? Table.Name;
}

public sealed class Scope
{
    public Storage.Table? Table;
    /// <summary>The tables of a join (null for one table): names resolve against each, in FROM order.</summary>
    public List<JoinSource>? Sources;
    public string? TableAlias;
    /// <summary>Result-column aliases (WHERE and ORDER BY may use them when no column has that name).</summary>
    public List<ResultColumn>? Aliases;
    public bool AllowAggregates;
    public bool SawAggregate;
    /// <summary>RETURNING of INSERT and UPDATE: SQLite reads the new row from the registers it was computed in, so
    /// a column may carry a json function's subtype (see JsonFunctions.CheckValueArgument).</summary>
    public bool RowMayHoldJson;
    /// <summary>An upsert's DO UPDATE: <c>excluded.col</c> names the row that was to be inserted, laid after the
    /// table's own columns (its rowid after them).</summary>
    public Storage.Table? Excluded;
    /// <summary>Binds and runs subqueries (null where none may appear).</summary>
    public ISubqueryHost? Host;
    /// <summary>What changes() and the like read where no <see cref="Host"/> is (LIMIT and OFFSET).</summary>
    public IConnectionState? Connection;
    /// <summary>The affinity a rowid named here compares with (RETURNING's, see Executor.Returning.cs); null: INTEGER.</summary>
    public Affinity? RowIdAffinity;
    /// <summary>In a subquery: the scope of the query enclosing it, where names not found here are looked up.</summary>
    public OuterLink? Outer;
    /// <summary>Set by <see cref="Expr.BindWhole"/>. SQLite's resolver stops at the first bad name, except inside a
    /// function's arguments: there the error ends that argument list only and the walk goes on after the call, so a
    /// later error replaces it (message and offset). A bad call itself (no such function, wrong argument count) is
    /// reported and its arguments still resolved.</summary>
    private bool _collecting;
    private SqlParseException? _error;

    public static readonly Scope Empty = new();

    /// <summary>
    /// resolve.c's common exit, <c>return pParse->nErr ? WRC_Abort : WRC_Continue</c>, runs before a node's operands
    /// are walked: an operator, comparison, BETWEEN, IN list, CASE, CAST or literal reached while an error is kept (a
    /// function argument's, an ISNULL operand's) aborts the walk up to the nearest function's argument list, which
    /// ends there, or to the whole expression. Only a name, a call, a null test or a subquery reached after the
    /// error can replace it: <c>abs(w) + x</c> reports x, <c>abs(w) + -x</c> and <c>(abs(w) + 1) + x</c> report w.
    /// </summary>
    public void AbortIfFailed()
    {
        if (_collecting && _error != null) throw _error;
    }

    /// <summary>An error of a call: thrown at once, or kept while collecting (a later one replaces it).</summary>
    public Expr Fail(SqlParseException error)
    {
        if (!_collecting || error.Message.StartsWith("FastDb", StringComparison.Ordinal)) throw error;
        _error = error;
        return new LiteralExpr(SqlValue.Null);
    }

    internal Expr BindWhole(Expr e)
    {
        bool was = _collecting;
        var before = _error;
        _collecting = true;
        _error = null;
        try
        {
            var bound = e.Bind(this);
            if (_error != null) throw _error;
            return bound;
        }
        finally { _collecting = was; _error = before; }
    }
}

public abstract class Expr
{
    public int Offset = -1;
    /// <summary>Tree height as SQLite counts it (a leaf is 1); SQLite refuses trees over 1000.</summary>
    public virtual int Height => 1;
    public virtual Affinity Affinity => Affinity.None;
    public abstract SqlValue Eval(RowContext row);
    /// <summary>Resolves names and functions; returns the node to use instead of this one.</summary>
    public abstract Expr Bind(Scope scope);
    public virtual bool IsConstant => false;

    /// <summary>The operands of any bound node (the walkers of SelectExecution know the same shapes).</summary>
    internal static IEnumerable<Expr> OperandsOf(Expr e) => e switch
    {
        UnaryExpr u => [u.Operand],
        BinaryExpr b => [b.Left, b.Right],
        IsNullExpr n => [n.Operand],
        ScalarFunctionExpr f => f.Args,
        IHasChildren h => h.Children,
        _ => [],
    };

    /// <summary>Binds a whole expression (a result column, WHERE, an ORDER BY term) the way SQLite's resolver walks
    /// it: past a bad name to the end, failing with the last error.</summary>
    public static Expr BindWhole(Expr e, Scope scope) => ReferenceEquals(scope, Scope.Empty) ? e.Bind(scope) : scope.BindWhole(e);
}

public sealed class LiteralExpr(SqlValue value) : Expr
{
    public readonly SqlValue Value = value;
    /// <summary>The literal 9223372036854775808: negated, it is the smallest integer rather than a real.</summary>
    public bool IsTwoToThe63;
    /// <summary>SQLite's EP_IsFalse: an integer token sqlite3GetInt32 reads as 0, or the 0 an AND folds to (see
    /// Parser.ParseAnd).</summary>
    public bool IsFalseToken;
    public override SqlValue Eval(RowContext row) => Value;
    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        return this;
    }
    public override bool IsConstant => true;
}

/// <summary>A string literal over <see cref="EngineLimits.MaxValueBytes"/>: sqlite3's OP_String8 fails with TOOBIG
/// when it runs (not at prepare), so this node fails when evaluated.</summary>
public sealed class TooBigLiteralExpr : Expr
{
    public override SqlValue Eval(RowContext row) => throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        return this;
    }
}

/// <summary>A name as written: bare, qualified (t.c) or double-quoted (a string when no column has that name).</summary>
public sealed class NameExpr(string name, string? qualifier, bool doubleQuoted) : Expr
{
    public readonly string Name = name;
    public readonly string? Qualifier = qualifier;
    public readonly bool DoubleQuoted = doubleQuoted;
    public override SqlValue Eval(RowContext row) => throw new InvalidOperationException("unbound name " + Name);

    public override Expr Bind(Scope scope)
    {
        if (scope.Excluded is { } excluded && string.Equals(Qualifier, "excluded", StringComparison.OrdinalIgnoreCase))
        {
            int n = excluded.Columns.Length, i = excluded.ColumnIndex(Name);
            // SQLite 3.40.1 reads excluded.* from the new row's registers: values before the column's affinity, and
            // no affinity in a comparison.
            if (i >= 0) return new ColumnExpr(n + i, Affinity.None, false) { Offset = Offset };
            if (IsRowIdName(Name)) return new ColumnExpr(2 * n, Affinity.None, false) { Offset = Offset };
            throw new SqlParseException("no such column: excluded." + Name, Offset);
        }
        if (scope.Sources != null && BindInJoin(scope.Sources) is { } joined) return joined;
        var table = scope.Sources == null ? scope.Table : null;
        if (table != null && (Qualifier == null || string.Equals(Qualifier, scope.TableAlias ?? table.Name, StringComparison.OrdinalIgnoreCase)))
        {
            int index = table.ColumnIndex(Name);
            if (index >= 0) return new ColumnExpr(index, table.Columns[index].Affinity, table.RowIdColumn == index) { Offset = Offset };
            if (IsRowIdName(Name) && table.IsSubquery) return new LiteralExpr(SqlValue.Null) { Offset = Offset };
            if (IsRowIdName(Name)) return new ColumnExpr(-1, scope.RowIdAffinity ?? Affinity.Integer, true) { Offset = Offset };
        }
        if (Qualifier == null)
        {
            if (scope.Aliases != null)
                foreach (var rc in scope.Aliases)
                    if (rc.Alias != null && rc.Expression != null && string.Equals(rc.Alias, Name, StringComparison.OrdinalIgnoreCase))
                        return rc.Expression;
        }
        if (scope.Outer != null && BindOuter(scope) is { } outer) return outer;
        if (Qualifier == null)
        {
            if (DoubleQuoted) return new LiteralExpr(SqlValue.FromText(Name)) { Offset = Offset };
            if (string.Equals(Name, "true", StringComparison.OrdinalIgnoreCase)) return new LiteralExpr(SqlValue.FromInteger(1));
            if (string.Equals(Name, "false", StringComparison.OrdinalIgnoreCase)) return new LiteralExpr(SqlValue.FromInteger(0));
        }
        throw new SqlParseException("no such column: " + (Qualifier == null ? Name : Qualifier + "." + Name), Offset);
    }

    /// <summary>A column of an enclosing query (the nearest that has it), read from that query's current row; each
    /// subquery on the way records that it is correlated.</summary>
    private Expr? BindOuter(Scope scope)
    {
        int levels = 0;
        for (var link = scope.Outer; link != null; link = link.Scope.Outer)
        {
            levels++;
            var s = link.Scope;
            ColumnExpr? found = null;
            if (s.Sources != null) found = BindInJoin(s.Sources);
            else if (s.Table != null && (Qualifier == null || string.Equals(Qualifier, s.TableAlias ?? s.Table.Name, StringComparison.OrdinalIgnoreCase)))
            {
                int index = s.Table.ColumnIndex(Name);
                if (index >= 0) found = new ColumnExpr(index, s.Table.Columns[index].Affinity, s.Table.RowIdColumn == index) { Offset = Offset };
                else if (IsRowIdName(Name) && s.Table.IsSubquery)
                    throw new SqlParseException("FastDb does not support the rowid of an enclosing query's subquery in FROM");
                else if (IsRowIdName(Name)) found = new ColumnExpr(-1, s.RowIdAffinity ?? Affinity.Integer, true) { Offset = Offset };
            }
            if (found == null && Qualifier == null && s.Aliases != null
                && s.Aliases.Exists(rc => rc.Alias != null && string.Equals(rc.Alias, Name, StringComparison.OrdinalIgnoreCase)))
                throw new SqlParseException("FastDb does not support a result column alias of an enclosing query in a subquery");
            if (found == null) continue;
            int level = levels;
            for (var l = scope.Outer; l != null && level >= 1; l = l.Scope.Outer, level--) l.Owner.ReadsOuter(found, level);
            return new OuterColumnExpr(link.Row, found) { Offset = Offset };
        }
        return null;
    }

    /// <summary>A column of one of a join's tables: qualified by its alias (or name), or unqualified and found in
    /// exactly one table (a USING column names its leftmost table); two tables with it are SQLite's ambiguity error.</summary>
    private ColumnExpr? BindInJoin(List<JoinSource> sources)
    {
        ColumnExpr? found = null;
        foreach (var src in sources)
        {
            if (Qualifier != null && !string.Equals(Qualifier, src.Name, StringComparison.OrdinalIgnoreCase)) continue;
            int index = src.Table.ColumnIndex(Name);
            ColumnExpr? hit = null;
            if (index >= 0)
            {
                if (Qualifier == null && found != null && src.UsingColumns != null && src.UsingColumns.Contains(Name)) continue;
                hit = index == src.Table.RowIdColumn
                    ? new ColumnExpr(src.Offset + index, Affinity.Integer, false) { Offset = Offset }
                    : new ColumnExpr(src.Offset + index, src.Table.Columns[index].Affinity, false) { Offset = Offset };
            }
            else if (Qualifier != null && IsRowIdName(Name)) hit = new ColumnExpr(src.RowIdSlot, Affinity.Integer, false) { Offset = Offset };
            if (hit == null) continue;
            if (found != null) throw new SqlParseException("ambiguous column name: " + (Qualifier == null ? Name : Qualifier + "." + Name), Offset);
            found = hit;
        }
        return found;
    }

    public static bool IsRowIdName(string n) =>
        n.Equals("rowid", StringComparison.OrdinalIgnoreCase) || n.Equals("oid", StringComparison.OrdinalIgnoreCase) || n.Equals("_rowid_", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A row value "(a, b, ...)". SQLite accepts one only as an operand of a comparison, IN or BETWEEN with
/// vectors of its size, which FastDb refuses by name (BinaryExpr.Bind, the parser's IN). Anywhere else SQLite's code
/// generator says "row value misused" once the names are resolved, so its items are bound first ("no such column"
/// inside it wins) and the error is then kept as a later resolver error would be.</summary>
public sealed class RowValueExpr(List<Expr> items) : Expr
{
    public readonly List<Expr> Items = items;
    public const string Misused = "row value misused";

    public override SqlValue Eval(RowContext row) => throw new InvalidOperationException("row values are not supported");

    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        for (int i = 0; i < Items.Count; i++) Items[i] = Items[i].Bind(scope);
        return scope.Fail(new SqlParseException(Misused));
    }

    /// <summary>resolve.c's check of a comparison's operands, made before it resolves them: sizes that differ (a
    /// vector beside a scalar) are "row value misused" at the offset of the comparison's leftmost token; equal vector
    /// sizes are SQL SQLite answers and FastDb refuses.</summary>
    public static void CheckComparison(Expr comparison, Expr left, Expr right)
    {
        // A subquery's width is known only once it is resolved: beside a vector, refused rather than guessed.
        if (left is SubqueryExpr || right is SubqueryExpr) throw new SqlParseException("FastDb does not support row values");
        int l = left is RowValueExpr lv ? lv.Items.Count : 1, r = right is RowValueExpr rv ? rv.Items.Count : 1;
        if (l != r) throw new SqlParseException(Misused, LeftmostOffset(comparison));
        if (l > 1) throw new SqlParseException("FastDb does not support row values");
    }

    /// <summary>sqlite3RecordErrorOffsetOfExpr: down the left operands to the first node with a token offset (a row
    /// value has none).</summary>
    private static int LeftmostOffset(Expr e)
    {
        while (true)
        {
            switch (e)
            {
                case RowValueExpr: return -1;
                case BinaryExpr b when b.Offset <= 0: e = b.Left; continue;
                case UnaryExpr u when u.Offset <= 0: e = u.Operand; continue;
                case BetweenExpr b when b.Offset <= 0: e = b.Operand; continue;
                default: return e.Offset > 0 ? e.Offset : -1;
            }
        }
    }
}

/// <summary>"t.*" inside an expression: only meaningful as a result column.</summary>
public sealed class QualifiedStarExpr(string table) : Expr
{
    public readonly string Table = table;
    public override SqlValue Eval(RowContext row) => throw new InvalidOperationException("t.* is not a value");
    public override Expr Bind(Scope scope) => throw new SqlParseException("near \"*\": syntax error", Offset);
}

/// <summary>A bound column: index into the row (-1 = the rowid itself).</summary>
public sealed class ColumnExpr(int index, Affinity affinity, bool isRowId) : Expr
{
    public readonly int Index = index;
    public readonly bool IsRowId = isRowId;
    private readonly Affinity _affinity = affinity;
    public override Affinity Affinity => _affinity;
    public override SqlValue Eval(RowContext row)
    {
        if (row.Values == null) return SqlValue.Null;
        return Index < 0 ? SqlValue.FromInteger(row.RowId) : row.Values[Index];
    }
    public override Expr Bind(Scope scope) => this;
}

public enum UnaryOp : byte { Negate, Plus, Not, BitNot }

public sealed class UnaryExpr(UnaryOp op, Expr operand) : Expr
{
    public readonly UnaryOp Op = op;
    public Expr Operand = operand;
    private readonly int _height = operand.Height + 1;
    public override int Height => _height;
    public override bool IsConstant => Operand.IsConstant;
    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        Operand = Operand.Bind(scope);
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        var v = Operand.Eval(row);
        switch (Op)
        {
            case UnaryOp.Plus: return v;
            case UnaryOp.Negate: return v.IsNull ? v : Arithmetic.Binary(BinaryOp.Subtract, SqlValue.FromInteger(0), v);
            case UnaryOp.BitNot: return v.IsNull ? v : SqlValue.FromInteger(~v.ToNumeric().AsInteger());
            default: return v.IsNull ? v : SqlValue.FromBool(!Arithmetic.IsTrue(v));
        }
    }
}

public enum BinaryOp : byte
{
    Or, And, Equal, NotEqual, Is, IsNot, Less, LessEqual, Greater, GreaterEqual,
    BitAnd, BitOr, ShiftLeft, ShiftRight, Add, Subtract, Multiply, Divide, Remainder, Concat,
}

public sealed class BinaryExpr(BinaryOp op, Expr left, Expr right) : Expr
{
    public readonly BinaryOp Op = op;
    public Expr Left = left;
    public Expr Right = right;
    private readonly int _height = Math.Max(left.Height, right.Height) + 1;
    public override int Height => _height;
    public override bool IsConstant => Left.IsConstant && Right.IsConstant;
    public override Expr Bind(Scope scope)
    {
        if (Op is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater
                or BinaryOp.GreaterEqual or BinaryOp.Is or BinaryOp.IsNot && (Left is RowValueExpr || Right is RowValueExpr))
            RowValueExpr.CheckComparison(this, Left, Right);
        scope.AbortIfFailed();
        // resolve.c resolves a bare name right of IS / IS NOT first (it might be TRUE or FALSE): w IS y reports y.
        if (Op is BinaryOp.Is or BinaryOp.IsNot && Right is NameExpr) Right = Right.Bind(scope);
        Left = Left.Bind(scope);
        Right = Right.Bind(scope);
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        switch (Op)
        {
            case BinaryOp.And:
            {
                var l = Left.Eval(row);
                if (!l.IsNull && !Arithmetic.IsTrue(l)) return SqlValue.FromInteger(0);
                var r = Right.Eval(row);
                if (!r.IsNull && !Arithmetic.IsTrue(r)) return SqlValue.FromInteger(0);
                return l.IsNull || r.IsNull ? SqlValue.Null : SqlValue.FromInteger(1);
            }
            case BinaryOp.Or:
            {
                var l = Left.Eval(row);
                if (!l.IsNull && Arithmetic.IsTrue(l)) return SqlValue.FromInteger(1);
                var r = Right.Eval(row);
                if (!r.IsNull && Arithmetic.IsTrue(r)) return SqlValue.FromInteger(1);
                return l.IsNull || r.IsNull ? SqlValue.Null : SqlValue.FromInteger(0);
            }
        }
        var a = Left.Eval(row);
        var b = Right.Eval(row);
        switch (Op)
        {
            case BinaryOp.Equal: case BinaryOp.NotEqual: case BinaryOp.Less: case BinaryOp.LessEqual:
            case BinaryOp.Greater: case BinaryOp.GreaterEqual: case BinaryOp.Is: case BinaryOp.IsNot:
                return Compare(a, b);
            case BinaryOp.Concat:
                if (a.IsNull || b.IsNull) return SqlValue.Null;
                return Concat(a.AsText()!, b.AsText()!);
            case BinaryOp.BitAnd: case BinaryOp.BitOr: case BinaryOp.ShiftLeft: case BinaryOp.ShiftRight:
                if (a.IsNull || b.IsNull) return SqlValue.Null;
                return SqlValue.FromInteger(Arithmetic.Bitwise(Op, a.ToNumeric().AsInteger(), b.ToNumeric().AsInteger()));
            default:
                return Arithmetic.Binary(Op, a, b);
        }
    }

    /// <summary>OP_Concat: a result over the value limit is sqlite3's "string or blob too big", checked before the
    /// result is built, so the poison pill <c>v=v||v</c> never allocates past the limit.</summary>
    private static SqlValue Concat(string x, string y)
    {
        if ((long)x.Length + y.Length > EngineLimits.MaxValueBytes / 3
            && EngineLimits.IsTooBig(StorageSize.Utf8Length(x) + StorageSize.Utf8Length(y)))
            throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
        return SqlValue.FromText(string.Concat(x, y));
    }

    private SqlValue Compare(SqlValue a, SqlValue b)
    {
        bool nullSafe = Op is BinaryOp.Is or BinaryOp.IsNot;
        if (a.IsNull || b.IsNull)
        {
            if (!nullSafe) return SqlValue.Null;
            bool same = a.IsNull && b.IsNull;
            return SqlValue.FromBool(Op == BinaryOp.Is ? same : !same);
        }
        var aff = AffinityRules.ForComparison(Left.Affinity, Right.Affinity);
        a = AffinityRules.ForCompare(aff, a);
        b = AffinityRules.ForCompare(aff, b);
        int c = ValueComparer.Compare(a, b);
        return SqlValue.FromBool(Op switch
        {
            BinaryOp.Equal or BinaryOp.Is => c == 0,
            BinaryOp.NotEqual or BinaryOp.IsNot => c != 0,
            BinaryOp.Less => c < 0,
            BinaryOp.LessEqual => c <= 0,
            BinaryOp.Greater => c > 0,
            _ => c >= 0,
        });
    }
}

public sealed class IsNullExpr(Expr operand, bool negated) : Expr
{
    public Expr Operand = operand;
    public readonly bool Negated = negated;
    private readonly int _height = operand.Height + 1;
    public override int Height => _height;
    public override bool IsConstant => Operand.IsConstant;

    /// <summary>resolve.c walks an ISNULL/NOTNULL operand and prunes, ignoring its error: the walk goes on, so a
    /// later bad name replaces the error (kept as a function argument's is, see <see cref="Scope"/>).</summary>
    public override Expr Bind(Scope scope)
    {
        try { Operand = Operand.Bind(scope); }
        catch (SqlParseException e) { return scope.Fail(e); }
        return this;
    }

    public override SqlValue Eval(RowContext row) => SqlValue.FromBool(Operand.Eval(row).IsNull != Negated);
}

/// <summary>A function call as written; binding turns it into a <see cref="ScalarFunctionExpr"/> or <see cref="CountExpr"/>.</summary>
public sealed class FunctionCallExpr(string name, List<Expr> args, bool star, bool distinct, int offset) : Expr
{
    public readonly string Name = name;
    public readonly List<Expr> Args = args;
    public readonly bool Star = star;
    public readonly bool Distinct = distinct;
    private readonly int _height = args.Count == 0 ? 1 : args.Max(a => a.Height) + 1;
    public override int Height => _height;
    public override SqlValue Eval(RowContext row) => throw new InvalidOperationException("unbound function " + Name);

    public override Expr Bind(Scope scope)
    {
        Offset = offset;
        string lower = Name.ToLowerInvariant();
        AggregateKind? aggregate = lower switch
        {
            "count" => AggregateKind.Count, "sum" => AggregateKind.Sum, "total" => AggregateKind.Total, "avg" => AggregateKind.Avg,
            "min" when Args.Count <= 1 => AggregateKind.Min, "max" when Args.Count <= 1 => AggregateKind.Max,
            "group_concat" => AggregateKind.GroupConcat,
            "json_group_array" => AggregateKind.JsonGroupArray, "json_group_object" => AggregateKind.JsonGroupObject,
            _ => null,
        };
        if (aggregate is { } kindOfAggregate)
        {
            bool countOk = kindOfAggregate switch
            {
                AggregateKind.Count => Args.Count <= 1,
                AggregateKind.GroupConcat => Args.Count is 1 or 2 && !Star,
                AggregateKind.JsonGroupObject => Args.Count == 2 && !Star,
                _ => Args.Count == 1 && !Star,
            };
            if (!countOk) return FailAndBindArguments(scope, new SqlParseException("wrong number of arguments to function " + Name + "()", Offset));
            if (!scope.AllowAggregates) return FailAndBindArguments(scope, new SqlParseException("misuse of aggregate function " + Name + "()", Offset));
            if (Distinct && Args.Count != 1) throw new SqlParseException("DISTINCT aggregates must have exactly one argument");
            scope.SawAggregate = true;
            scope.AllowAggregates = false; // no aggregate inside an aggregate
            try
            {
                var operands = BindArguments(scope);
                if (operands == null) return new LiteralExpr(SqlValue.Null);
                if (kindOfAggregate is AggregateKind.JsonGroupArray or AggregateKind.JsonGroupObject)
                    JsonFunctions.CheckValueArgument(operands[^1], scope);
                return new AggregateExpr(kindOfAggregate, operands.Length > 0 ? operands[0] : null, operands.Length > 1 ? operands[1] : null, Distinct, Name) { Offset = Offset };
            }
            finally { scope.AllowAggregates = true; }
        }
        if (LikelyExpr.IsLikelyName(lower))
        {
            // Planner hints whose value is their first argument (LikelyFunctions.cs); f(*) is f() here too.
            int wanted = lower == "likelihood" ? 2 : 1;
            if (Args.Count != wanted)
                return FailAndBindArguments(scope, new SqlParseException("wrong number of arguments to function " + Name + "()", Offset));
            if (wanted == 2 && !LikelyExpr.IsProbability(Args[1])) return FailAndBindArguments(scope, LikelyExpr.ProbabilityError(Name, Offset));
            var hinted = BindArguments(scope);
            if (hinted == null) return new LiteralExpr(SqlValue.Null);
            return new LikelyExpr(Name, hinted[0], Height) { Offset = Offset };
        }
        if (lower is "like" or "glob")
        {
            // The functions the LIKE and GLOB operators are: like(pattern, operand [, escape]), glob(pattern, operand).
            if (Star || Args.Count != 2 && !(lower == "like" && Args.Count == 3))
                return FailAndBindArguments(scope, new SqlParseException("wrong number of arguments to function " + Name + "()", Offset));
            return new LikeExpr(Args[1], Args[0], Args.Count == 3 ? Args[2] : null, lower == "glob", false) { Offset = Offset, OperatorName = Name }.Bind(scope);
        }
        if (lower is "changes" or "total_changes" or "last_insert_rowid" or "sqlite_version" or "sqlite_source_id")
        {
            // f(*) is f() to sqlite3's parser (only count() tells the two apart).
            if (Args.Count != 0) return FailAndBindArguments(scope, new SqlParseException("wrong number of arguments to function " + Name + "()", Offset));
            return ConnectionFunctionExpr.Bind(lower, scope, Offset);
        }
        var kind = lower switch
        {
            "typeof" => ScalarFunction.TypeOf, "length" => ScalarFunction.Length, "abs" => ScalarFunction.Abs,
            "lower" => ScalarFunction.Lower, "upper" => ScalarFunction.Upper, "coalesce" => ScalarFunction.Coalesce,
            "ifnull" => ScalarFunction.IfNull, "nullif" => ScalarFunction.NullIf, "iif" => ScalarFunction.Iif,
            "max" => ScalarFunction.Max, "min" => ScalarFunction.Min,
            "substr" or "substring" => ScalarFunction.Substr, "replace" => ScalarFunction.Replace,
            "trim" => ScalarFunction.Trim, "ltrim" => ScalarFunction.LTrim, "rtrim" => ScalarFunction.RTrim,
            "instr" => ScalarFunction.Instr, "round" => ScalarFunction.Round, "hex" => ScalarFunction.Hex,
            "quote" => ScalarFunction.Quote, "printf" or "format" => ScalarFunction.Printf, "char" => ScalarFunction.Char,
            "unicode" => ScalarFunction.Unicode, "soundex" => ScalarFunction.Soundex,
            "sha3" => ScalarFunction.Sha3, "ieee754" => ScalarFunction.Ieee754, "ieee754_mantissa" => ScalarFunction.Ieee754Mantissa,
            "ieee754_exponent" => ScalarFunction.Ieee754Exponent, "ieee754_from_blob" => ScalarFunction.Ieee754FromBlob,
            "ieee754_to_blob" => ScalarFunction.Ieee754ToBlob,
            "date" => ScalarFunction.Date, "time" => ScalarFunction.Time, "datetime" => ScalarFunction.DateTime,
            "julianday" => ScalarFunction.JulianDay, "unixepoch" => ScalarFunction.UnixEpoch, "strftime" => ScalarFunction.StrFTime,
            "random" => ScalarFunction.Random, "randomblob" => ScalarFunction.RandomBlob, "zeroblob" => ScalarFunction.ZeroBlob,
            "ceil" or "ceiling" => ScalarFunction.Ceil, "floor" => ScalarFunction.Floor, "trunc" => ScalarFunction.Trunc,
            "ln" => ScalarFunction.Ln, "log" => ScalarFunction.Log, "log10" => ScalarFunction.Log10, "log2" => ScalarFunction.Log2,
            "exp" => ScalarFunction.Exp, "pow" or "power" => ScalarFunction.Pow, "sqrt" => ScalarFunction.Sqrt,
            "mod" => ScalarFunction.Mod, "pi" => ScalarFunction.Pi, "sin" => ScalarFunction.Sin, "cos" => ScalarFunction.Cos,
            "tan" => ScalarFunction.Tan, "asin" => ScalarFunction.Asin, "acos" => ScalarFunction.Acos, "atan" => ScalarFunction.Atan,
            "atan2" => ScalarFunction.Atan2, "sinh" => ScalarFunction.Sinh, "cosh" => ScalarFunction.Cosh, "tanh" => ScalarFunction.Tanh,
            "asinh" => ScalarFunction.Asinh, "acosh" => ScalarFunction.Acosh, "atanh" => ScalarFunction.Atanh,
            "degrees" => ScalarFunction.Degrees, "radians" => ScalarFunction.Radians, "sign" => ScalarFunction.Sign,
            _ => JsonFunctions.Lookup(lower),
        };
        if (kind == null)
        {
            if (KnownSqliteFunctions.Contains(lower))
                throw new SqlParseException("FastDb does not support the function " + Name + "()");
            return FailAndBindArguments(scope, new SqlParseException("no such function: " + Name, Offset));
        }
        bool argsOk = kind switch
        {
            ScalarFunction.Coalesce => Args.Count >= 2,
            ScalarFunction.IfNull or ScalarFunction.NullIf => Args.Count == 2,
            ScalarFunction.Iif => Args.Count == 3,
            ScalarFunction.Max or ScalarFunction.Min => Args.Count >= 2, // min() and max() with one are the aggregates
            ScalarFunction.Substr => Args.Count is 2 or 3,
            ScalarFunction.Replace => Args.Count == 3,
            ScalarFunction.Trim or ScalarFunction.LTrim or ScalarFunction.RTrim or ScalarFunction.Round => Args.Count is 1 or 2,
            ScalarFunction.Instr => Args.Count == 2,
            ScalarFunction.Random or ScalarFunction.Pi => Args.Count == 0,
            ScalarFunction.Log or ScalarFunction.Sha3 or ScalarFunction.Ieee754 => Args.Count is 1 or 2,
            ScalarFunction.Pow or ScalarFunction.Atan2 or ScalarFunction.Mod => Args.Count == 2,
            ScalarFunction.Printf or ScalarFunction.Char or >= ScalarFunction.Date => true,
            >= ScalarFunction.Json and <= ScalarFunction.JsonArrowText => JsonFunctions.ArgumentCountOk(kind.Value, Args.Count),
            _ => Args.Count == 1,
        };
        // f(*) is f() to sqlite3's parser: random(*) and pi(*) run, abs(*) has the wrong number of arguments.
        if (!argsOk) return FailAndBindArguments(scope, new SqlParseException("wrong number of arguments to function " + Name + "()", Offset));
        // DISTINCT in a scalar call is ignored: sqlite3 checks it for aggregates only (abs(DISTINCT -1) is 1).
        var bound = BindArguments(scope);
        if (bound == null) return new LiteralExpr(SqlValue.Null);
        if (kind >= ScalarFunction.Date) DateTimeFunctions.CheckLiteralArguments(bound, kind == ScalarFunction.StrFTime ? 2 : 1);
        if (JsonFunctions.IsJson(kind.Value)) JsonFunctions.CheckArguments(kind.Value, bound, scope);
        return new ScalarFunctionExpr(kind.Value, bound) { Offset = Offset };
    }

    /// <summary>SQLite reports a bad call and still resolves its arguments (whose errors then win).</summary>
    private Expr FailAndBindArguments(Scope scope, SqlParseException error)
    {
        var failed = scope.Fail(error);
        BindArguments(scope);
        return failed;
    }

    /// <summary>The arguments, bound in order; the first error ends the list and is kept (see <see cref="Scope"/>).</summary>
    private Expr[]? BindArguments(Scope scope)
    {
        var bound = new Expr[Args.Count];
        try
        {
            for (int i = 0; i < bound.Length; i++) bound[i] = Args[i].Bind(scope);
            return bound;
        }
        catch (SqlParseException e)
        {
            scope.Fail(e);
            return null;
        }
    }

    /// <summary>
    /// Functions the sqlite3 3.40.1 shell has (pragma_function_list) that FastDb refuses by name: window functions;
    /// those that touch the file system, the terminal, the clock or extensions (readfile, writefile, edit, usleep,
    /// load_extension, sqlite_log, lsmode, the fts, rtree, zipfile and sqlar ones), which a replicated node must
    /// not run; sha3_query, which runs SQL text; the shell's own helpers; regexp/regexpi and the decimal extension
    /// (not ported yet); subtype (a debugging aid). sqlite_compileoption_used/get describe how the sqlite3 binary was
    /// compiled (a distribution's build flags, not SQL): answering them would copy one machine's build, so they are
    /// refused too.
    /// </summary>
    private static readonly HashSet<string> KnownSqliteFunctions =
    [
        "row_number", "rank", "dense_rank", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
        "percent_rank", "cume_dist", "sqlite_compileoption_used", "sqlite_compileoption_get",
        "load_extension", "readfile", "writefile", "edit", "usleep", "sqlite_log", "lsmode",
        "fts3_tokenizer", "fts5", "fts5_source_id", "bm25", "highlight", "snippet", "match", "matchinfo", "offsets", "optimize",
        "rtreecheck", "rtreedepth", "rtreenode", "zipfile", "zipfile_cds", "sqlar_compress", "sqlar_uncompress",
        "sha3_query", "shell_add_schema", "shell_escape_crnl", "shell_idquote", "shell_int32", "shell_module_schema", "shell_putsnl",
        "regexp", "regexpi", "decimal", "decimal_add", "decimal_sub", "decimal_mul", "decimal_cmp", "decimal_sum", "subtype",
    ];
}

public enum ScalarFunction : byte
{
    TypeOf, Length, Abs, Lower, Upper, Coalesce, IfNull, NullIf, Iif, Max, Min,
    Substr, Replace, Trim, LTrim, RTrim, Instr, Round, Hex, Quote, Printf, Char, Unicode, Soundex,
    // ExtensionFunctions: the shell's own (shathree.c, ieee754.c).
    Sha3, Ieee754, Ieee754Mantissa, Ieee754Exponent, Ieee754FromBlob, Ieee754ToBlob,
    // MathFunctions, Ceil to Sign: keep them together (one range in Eval).
    Ceil, Floor, Trunc, Ln, Log, Log10, Log2, Exp, Pow, Sqrt, Mod, Pi, Sin, Cos, Tan, Asin, Acos, Atan, Atan2,
    Sinh, Cosh, Tanh, Asinh, Acosh, Atanh, Degrees, Radians, Sign,
    // JsonFunctions, Json to JsonArrowText (the -> and ->> operators): keep them together (one range).
    Json, JsonArray, JsonArrayLength, JsonExtract, JsonInsert, JsonReplace, JsonSet, JsonObject, JsonPatch, JsonRemove,
    JsonType, JsonValid, JsonQuote, JsonArrow, JsonArrowText,
    Random, RandomBlob, ZeroBlob, Date, Time, DateTime, JulianDay, UnixEpoch, StrFTime,
}

public sealed class ScalarFunctionExpr(ScalarFunction function, Expr[] args) : Expr
{
    public readonly ScalarFunction Function = function;
    public readonly Expr[] Args = args;
    public override bool IsConstant => Function is not (ScalarFunction.Random or ScalarFunction.RandomBlob) && Args.All(a => a.IsConstant);
    public override Expr Bind(Scope scope) => this;
    /// <summary>The evaluated arguments of the func.c functions (one node is never evaluated inside itself).</summary>
    private SqlValue[]? _values;

    public override SqlValue Eval(RowContext row)
    {
        if (Function is >= ScalarFunction.Json and <= ScalarFunction.JsonArrowText) return JsonFunctions.Call(this, row, out _);
        if (Function >= ScalarFunction.Substr)
        {
            var v = _values ??= new SqlValue[Args.Length];
            for (int i = 0; i < v.Length; i++) v[i] = Args[i].Eval(row);
            return Function switch
            {
                ScalarFunction.Substr => TextFunctions.Substr(v),
                ScalarFunction.Replace => TextFunctions.Replace(v),
                ScalarFunction.Trim => TextFunctions.Trim(v, true, true),
                ScalarFunction.LTrim => TextFunctions.Trim(v, true, false),
                ScalarFunction.RTrim => TextFunctions.Trim(v, false, true),
                ScalarFunction.Instr => TextFunctions.Instr(v),
                ScalarFunction.Round => TextFunctions.Round(v),
                ScalarFunction.Hex => TextFunctions.Hex(v[0]),
                ScalarFunction.Quote => TextFunctions.Quote(v[0]),
                ScalarFunction.Printf => SqlPrintf.Function(v),
                ScalarFunction.Char => TextFunctions.Char(v),
                ScalarFunction.Random => SqlValue.FromInteger(RandomFunction.Next()),
                ScalarFunction.RandomBlob => RandomFunction.Blob(v[0]),
                ScalarFunction.ZeroBlob => TextFunctions.ZeroBlob(v[0]),
                ScalarFunction.Soundex => TextFunctions.Soundex(v[0]),
                ScalarFunction.Sha3 => ExtensionFunctions.Sha3(v),
                ScalarFunction.Ieee754 when v.Length == 2 => ExtensionFunctions.Ieee754Compose(v[0], v[1]),
                ScalarFunction.Ieee754 or ScalarFunction.Ieee754Mantissa or ScalarFunction.Ieee754Exponent => ExtensionFunctions.Ieee754Split(v[0], Function),
                ScalarFunction.Ieee754FromBlob => ExtensionFunctions.Ieee754FromBlob(v[0]),
                ScalarFunction.Ieee754ToBlob => ExtensionFunctions.Ieee754ToBlob(v[0]),
                >= ScalarFunction.Ceil and <= ScalarFunction.Sign => MathFunctions.Call(Function, v),
                >= ScalarFunction.Date => DateTimeFunctions.Call(Function, v),
                _ => TextFunctions.Unicode(v[0]),
            };
        }
        switch (Function)
        {
            case ScalarFunction.Coalesce: case ScalarFunction.IfNull:
                // Coalesce and ifnull evaluate their arguments only until one is not NULL.
                foreach (var a in Args) { var v = a.Eval(row); if (!v.IsNull) return v; }
                return SqlValue.Null;
            case ScalarFunction.Iif:
            {
                // iif(c, a, b) is CASE WHEN c THEN a ELSE b END.
                var c = Args[0].Eval(row);
                return !c.IsNull && Arithmetic.IsTrue(c) ? Args[1].Eval(row) : Args[2].Eval(row);
            }
            case ScalarFunction.NullIf:
            {
                // Compared as stored values, no affinity (sqlite3MemCompare).
                var a = Args[0].Eval(row);
                var b = Args[1].Eval(row);
                return ValueComparer.Compare(a, b) != 0 ? a : SqlValue.Null;
            }
            case ScalarFunction.Max: case ScalarFunction.Min:
            {
                // minmaxFunc: NULL if any argument is; min keeps the last of equal values, max the first.
                var values = new SqlValue[Args.Length];
                for (int i = 0; i < values.Length; i++) values[i] = Args[i].Eval(row);
                int best = 0;
                for (int i = 0; i < values.Length; i++) if (values[i].IsNull) return SqlValue.Null;
                for (int i = 1; i < values.Length; i++)
                {
                    int cmp = ValueComparer.Compare(values[best], values[i]);
                    if (Function == ScalarFunction.Min ? cmp >= 0 : cmp < 0) best = i;
                }
                return values[best];
            }
        }
        var x = Args[0].Eval(row);
        switch (Function)
        {
            case ScalarFunction.TypeOf:
                return SqlValue.FromText(x.Type switch { SqlType.Null => "null", SqlType.Integer => "integer", SqlType.Real => "real", SqlType.Blob => "blob", _ => "text" });
            case ScalarFunction.Length:
                if (x.IsNull) return x;
                if (x.Type == SqlType.Blob) return SqlValue.FromInteger(x.Blob!.Length); // bytes, not characters
                string s = x.AsText()!;
                int count = 0;
                for (int i = 0; i < s.Length; i++) { if (s[i] == '\0') break; if (!char.IsLowSurrogate(s[i])) count++; }
                return SqlValue.FromInteger(count);
            case ScalarFunction.Abs:
                if (x.Type == SqlType.Integer)
                {
                    if (x.Integer == long.MinValue) throw new SqlRuntimeException("integer overflow", SqlRuntimeException.Error);
                    return SqlValue.FromInteger(Math.Abs(x.Integer));
                }
                if (x.IsNull) return x;
                return SqlValue.FromReal(Math.Abs(x.AsReal()));
            case ScalarFunction.Lower:
            case ScalarFunction.Upper:
                if (x.IsNull) return x;
                return SqlValue.FromText(AsciiCase(x.AsText()!, Function == ScalarFunction.Upper));
        }
        return SqlValue.Null;
    }

    /// <summary>SQLite's lower()/upper() without ICU change ASCII letters only.</summary>
    private static string AsciiCase(string s, bool upper)
    {
        return string.Create(s.Length, (s, upper), static (span, st) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                char c = st.s[i];
                span[i] = st.upper ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : (c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
            }
        });
    }
}

/// <summary>SQLite's arithmetic: 64-bit integers that overflow into reals, NULL on division by zero.</summary>
public static class Arithmetic
{
    public static bool IsTrue(SqlValue v) => v.Type switch
    {
        SqlType.Integer => v.Integer != 0,
        SqlType.Real => v.Real != 0,
        SqlType.Text => NumericText.PrefixToReal(v.Text!) != 0,
        SqlType.Blob => v.AsReal() != 0,
        _ => false,
    };

    public static long Bitwise(BinaryOp op, long a, long b) => op switch
    {
        BinaryOp.BitAnd => a & b,
        BinaryOp.BitOr => a | b,
        BinaryOp.ShiftLeft => Shift(a, b),
        _ => Shift(a, b == long.MinValue ? long.MaxValue : -b),
    };

    private static long Shift(long a, long by)
    {
        if (by >= 64) return 0;
        if (by <= -64) return a < 0 ? -1 : 0;
        return by >= 0 ? a << (int)by : a >> (int)-by;
    }

    public static SqlValue Binary(BinaryOp op, SqlValue a, SqlValue b)
    {
        if (a.IsNull || b.IsNull) return SqlValue.Null;
        var x = a.ToNumeric();
        var y = b.ToNumeric();
        if (x.Type == SqlType.Integer && y.Type == SqlType.Integer)
        {
            long i = x.Integer, j = y.Integer;
            switch (op)
            {
                case BinaryOp.Add: { long r = unchecked(i + j); if (((i ^ r) & (j ^ r)) >= 0) return SqlValue.FromInteger(r); break; }
                case BinaryOp.Subtract: { long r = unchecked(i - j); if (((i ^ j) & (i ^ r)) >= 0) return SqlValue.FromInteger(r); break; }
                case BinaryOp.Multiply:
                {
                    long r = Math.BigMul(i, j, out long low);
                    if ((r == 0 && low >= 0) || (r == -1 && low < 0)) return SqlValue.FromInteger(low);
                    break;
                }
                case BinaryOp.Divide:
                    if (j == 0) return SqlValue.Null;
                    if (j == -1 && i == long.MinValue) break;
                    return SqlValue.FromInteger(i / j);
                default:
                    if (j == 0) return SqlValue.Null;
                    if (j == -1) j = 1;
                    return SqlValue.FromInteger(i % j);
            }
        }
        double p = x.AsReal(), q = y.AsReal();
        double result;
        switch (op)
        {
            case BinaryOp.Add: result = p + q; break;
            case BinaryOp.Subtract: result = p - q; break;
            case BinaryOp.Multiply: result = p * q; break;
            case BinaryOp.Divide: if (q == 0) return SqlValue.Null; result = p / q; break;
            default:
            {
                // sqlite3VdbeIntValue of the operands as given: a text contributes its integer prefix ('1e3' is 1).
                long i = a.AsInteger(), j = b.AsInteger();
                if (j == 0) return SqlValue.Null;
                if (j == -1) j = 1;
                result = i % j;
                break;
            }
        }
        return SqlValue.FromReal(result);
    }
}
