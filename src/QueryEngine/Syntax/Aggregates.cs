using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

public enum AggregateKind : byte { Count, Sum, Total, Avg, Min, Max, GroupConcat, JsonGroupArray, JsonGroupObject }

/// <summary>
/// count(x) / count(*), sum, total, avg, min, max and group_concat(x [, sep]), optionally DISTINCT. The node holds the
/// finished value of the group being output (<see cref="Result"/>), which the statement's aggregate loop sets; the
/// running state is an <see cref="Accumulator"/> per group.
/// </summary>
public sealed class AggregateExpr(AggregateKind kind, Expr? argument, Expr? separator, bool distinct, string name) : Expr, IHasChildren
{
    public readonly AggregateKind Kind = kind;
    public Expr? Argument = argument;
    public Expr? Separator = separator;
    public readonly bool Distinct = distinct;
    /// <summary>The function's name as written (SQLite's errors quote it).</summary>
    public readonly string Name = name;
    public SqlValue Result;
    private readonly int _height = Math.Max(argument?.Height ?? 0, separator?.Height ?? 0) + 1;
    public override int Height => _height;
    public IEnumerable<Expr> Children
    {
        get
        {
            if (Argument != null) yield return Argument;
            if (Separator != null) yield return Separator;
        }
    }
    public override Expr Bind(Scope scope) => this;
    public override SqlValue Eval(RowContext row) => Result;

    /// <summary>min() and max() decide which row a query's bare columns come from.</summary>
    public bool IsMinMax => Kind is AggregateKind.Min or AggregateKind.Max;

    /// <summary>sqlite3ExprCompare's verdict for two aggregates, enough to share one accumulator as SQLite does.</summary>
    public bool SameAs(AggregateExpr other) =>
        Kind == other.Kind && Distinct == other.Distinct && ExprEquality.Same(Argument, other.Argument) && ExprEquality.Same(Separator, other.Separator);

    /// <summary>The aggregate calls in <paramref name="e"/>, outermost first (not inside subqueries).</summary>
    public static void CollectIn(Expr e, List<AggregateExpr> into)
    {
        switch (e)
        {
            case AggregateExpr a: into.Add(a); break;
            case UnaryExpr u: CollectIn(u.Operand, into); break;
            case BinaryExpr b: CollectIn(b.Left, into); CollectIn(b.Right, into); break;
            case IsNullExpr n: CollectIn(n.Operand, into); break;
            case ScalarFunctionExpr f: foreach (var a in f.Args) CollectIn(a, into); break;
            case IHasChildren h: foreach (var child in h.Children) CollectIn(child, into); break;
        }
    }
}

/// <summary>Structural equality of bound expressions (the common node kinds; anything else only equals itself).</summary>
public static class ExprEquality
{
    public static bool Same(Expr? a, Expr? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a == null || b == null) return false;
        return (a, b) switch
        {
            (ColumnExpr x, ColumnExpr y) => x.Index == y.Index && x.IsRowId == y.IsRowId,
            (LiteralExpr x, LiteralExpr y) => x.Value.Type == y.Value.Type && ValueComparer.Compare(x.Value, y.Value) == 0,
            (UnaryExpr x, UnaryExpr y) => x.Op == y.Op && Same(x.Operand, y.Operand),
            (BinaryExpr x, BinaryExpr y) => x.Op == y.Op && Same(x.Left, y.Left) && Same(x.Right, y.Right),
            (IsNullExpr x, IsNullExpr y) => x.Negated == y.Negated && Same(x.Operand, y.Operand),
            (ScalarFunctionExpr x, ScalarFunctionExpr y) => x.Function == y.Function && x.Args.Length == y.Args.Length
                && x.Args.Zip(y.Args).All(p => Same(p.First, p.Second)),
            (AggregateExpr x, AggregateExpr y) => x.SameAs(y),
            _ => false,
        };
    }
}

/// <summary>One group's running state of one aggregate, as func.c's step and finalize functions keep it.</summary>
public sealed class Accumulator
{
    private long _count;
    private double _realSum;
    private long _integerSum;
    private bool _overflow, _approximate;
    private SqlValue _best;
    private bool _hasBest;
    private StringBuilder? _text;
    private long _textBytes;
    private HashSet<SqlValue>? _seen;
    private bool _seenNull, _jsonTooBig, _jsonBlob;

    /// <summary>Feeds one row. Returns false when min()/max() keeps its value (sqlite3SkipAccumulatorLoad: the row's
    /// bare columns are not loaded).</summary>
    public bool Step(AggregateExpr agg, RowContext row)
    {
        if (agg.Argument == null) { _count++; return true; } // count(*)
        if (agg.Kind is AggregateKind.JsonGroupArray or AggregateKind.JsonGroupObject) return StepJson(agg, row);
        var v = agg.Argument.Eval(row);
        if (agg.Distinct)
        {
            if (v.IsNull) return !agg.IsMinMax || !_hasBest;
            _seen ??= new HashSet<SqlValue>(DistinctValueComparer.Instance);
            if (!_seen.Add(v)) return !agg.IsMinMax;
        }
        switch (agg.Kind)
        {
            case AggregateKind.Count:
                if (!v.IsNull) _count++;
                return true;
            case AggregateKind.Sum: case AggregateKind.Total: case AggregateKind.Avg:
            {
                // sqlite3_value_numeric_type: a text that spells a number becomes it ('2.0' stays a real).
                var n = v.Type == SqlType.Text && NumericText.TryWholeNumber(v.Text!, false, out var number) ? number : v;
                if (n.IsNull) return true;
                _count++;
                if (n.Type == SqlType.Integer)
                {
                    _realSum += n.Integer;
                    if (!_approximate && !_overflow)
                    {
                        long r = unchecked(_integerSum + n.Integer);
                        if (((_integerSum ^ r) & (n.Integer ^ r)) < 0) { _approximate = _overflow = true; }
                        else _integerSum = r;
                    }
                }
                else
                {
                    _realSum += n.AsReal();
                    _approximate = true;
                }
                return true;
            }
            case AggregateKind.Min: case AggregateKind.Max:
            {
                if (v.IsNull) return !_hasBest;
                if (!_hasBest) { _best = v; _hasBest = true; return true; }
                int c = ValueComparer.Compare(_best, v);
                if (agg.Kind == AggregateKind.Max ? c < 0 : c > 0) { _best = v; return true; }
                return false;
            }
            default:
            {
                if (v.IsNull) return true;
                string text = v.AsText()!;
                if (_text == null) _text = new StringBuilder();
                else
                {
                    string? separator = ",";
                    if (agg.Separator != null) separator = agg.Separator.Eval(row).AsText();
                    if (separator != null) Append(separator);
                }
                Append(text);
                return true;
            }
        }
    }

    /// <summary>json_group_array(V) / json_group_object(N, V): the value (with its JSON subtype) appended as JSON.</summary>
    private bool StepJson(AggregateExpr agg, RowContext row)
    {
        bool isObject = agg.Kind == AggregateKind.JsonGroupObject;
        bool isJson = false;
        var first = isObject ? agg.Argument!.Eval(row) : JsonFunctions.EvalArgument(agg.Argument!, row, out isJson);
        if (agg.Distinct)
        {
            // The distinct index holds NULL like any value: the first NULL is stepped (null in the array), no other.
            if (first.IsNull)
            {
                if (_seenNull) return true;
                _seenNull = true;
            }
            else
            {
                _seen ??= new HashSet<SqlValue>(DistinctValueComparer.Instance);
                if (!_seen.Add(first)) return true;
            }
        }
        _text ??= new StringBuilder();
        var value = first;
        if (isObject) value = JsonFunctions.EvalArgument(agg.Separator!, row, out isJson);
        if (value.Type == SqlType.Blob)
        {
            // json.c fails the step. SQLite has output the groups before this one by then, as FastDb has when it
            // finishes this group, which is where the error is raised.
            _jsonBlob = true;
            _text.Clear();
        }
        // After a blob, or past the value limit (its length is the error, at the end), the text is dropped.
        if (_jsonBlob || _jsonTooBig) return true;
        JsonFunctions.GroupStep(_text, isObject, first, value, isJson);
        if (_text.Length > EngineLimits.MaxValueBytes)
        {
            _jsonTooBig = true;
            _text.Clear();
        }
        return true;
    }

    private void Append(string s)
    {
        _textBytes += s.Length;
        if (_textBytes > EngineLimits.MaxValueBytes / 3 && EngineLimits.IsTooBig(StorageSize.Utf8Length(_text!.ToString()) + (long)StorageSize.Utf8Length(s)))
            throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
        _text!.Append(s);
    }

    public SqlValue Finish(AggregateExpr agg)
    {
        switch (agg.Kind)
        {
            case AggregateKind.Count: return SqlValue.FromInteger(_count);
            case AggregateKind.Sum:
                if (_count == 0) return SqlValue.Null;
                if (_overflow) throw new SqlRuntimeException("integer overflow", SqlRuntimeException.Error);
                return _approximate ? SqlValue.FromReal(_realSum) : SqlValue.FromInteger(_integerSum);
            case AggregateKind.Total: return SqlValue.FromReal(_realSum);
            case AggregateKind.Avg: return _count == 0 ? SqlValue.Null : SqlValue.FromReal(_realSum / _count);
            case AggregateKind.Min: case AggregateKind.Max: return _hasBest ? _best : SqlValue.Null;
            case AggregateKind.JsonGroupArray: case AggregateKind.JsonGroupObject:
                if (_jsonBlob) throw JsonText.BlobError();
                if (_jsonTooBig) throw new SqlRuntimeException(EngineLimits.TooBigMessage, EngineLimits.TooBigCode);
                return JsonFunctions.GroupFinish(_text, agg.Kind == AggregateKind.JsonGroupObject);
            default: return _text == null ? SqlValue.Null : SqlValue.FromText(_text.ToString());
        }
    }
}

/// <summary>Equality as SQLite's ephemeral DISTINCT index sees it: 1 and 1.0 are one value, 1 and '1' two.</summary>
public sealed class DistinctValueComparer : IEqualityComparer<SqlValue>
{
    public static readonly DistinctValueComparer Instance = new();
    public bool Equals(SqlValue a, SqlValue b) => ValueComparer.Compare(a, b) == 0;
    public int GetHashCode(SqlValue v) => v.Type switch
    {
        SqlType.Integer => ((double)v.Integer).GetHashCode(),
        SqlType.Real => v.Real.GetHashCode(),
        SqlType.Text => StringComparer.Ordinal.GetHashCode(v.Text!),
        SqlType.Blob => BlobText.Hash(v.Blob!),
        _ => 0,
    };
}

/// <summary>Whole result rows compared the same way (SELECT DISTINCT, GROUP BY keys).</summary>
public sealed class DistinctRowComparer : IEqualityComparer<SqlValue[]>
{
    public static readonly DistinctRowComparer Instance = new();
    public bool Equals(SqlValue[]? a, SqlValue[]? b)
    {
        if (a!.Length != b!.Length) return false;
        for (int i = 0; i < a.Length; i++) if (ValueComparer.Compare(a[i], b[i]) != 0) return false;
        return true;
    }
    public int GetHashCode(SqlValue[] row)
    {
        var h = new HashCode();
        foreach (var v in row) h.Add(DistinctValueComparer.Instance.GetHashCode(v));
        return h.ToHashCode();
    }
}
