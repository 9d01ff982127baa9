using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

// BETWEEN, IN (list), LIKE / GLOB, CASE and CAST, as SQLite's code generator evaluates them.

/// <summary>Nodes with operands report them, so walks over a tree (columns used, aggregates) see inside.</summary>
public interface IHasChildren
{
    IEnumerable<Expr> Children { get; }
}

/// <summary><c>x [NOT] BETWEEN lo AND hi</c>: <c>x &gt;= lo AND x &lt;= hi</c> with x evaluated once, each comparison with
/// its own affinity rules.</summary>
public sealed class BetweenExpr(Expr operand, Expr low, Expr high, bool negated) : Expr, IHasChildren
{
    public Expr Operand = operand, Low = low, High = high;
    public readonly bool Negated = negated;
    private readonly int _height = Math.Max(operand.Height, Math.Max(low.Height, high.Height)) + 1;
    public override int Height => _height;
    public override bool IsConstant => Operand.IsConstant && Low.IsConstant && High.IsConstant;
    public IEnumerable<Expr> Children => [Operand, Low, High];

    public override Expr Bind(Scope scope)
    {
        // SQLite compares vectors with BETWEEN as two comparisons: the same checks as theirs.
        if (Operand is RowValueExpr || Low is RowValueExpr || High is RowValueExpr)
        {
            RowValueExpr.CheckComparison(this, Operand, Low);
            RowValueExpr.CheckComparison(this, Operand, High);
        }
        scope.AbortIfFailed();
        Operand = Operand.Bind(scope);
        Low = Low.Bind(scope);
        High = High.Bind(scope);
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        var x = Operand.Eval(row);
        var ge = Comparisons.Compare(BinaryOp.GreaterEqual, x, Operand.Affinity, Low.Eval(row), Low.Affinity);
        SqlValue result;
        if (!ge.IsNull && ge.Integer == 0) result = SqlValue.FromInteger(0);
        else
        {
            var le = Comparisons.Compare(BinaryOp.LessEqual, x, Operand.Affinity, High.Eval(row), High.Affinity);
            if (!le.IsNull && le.Integer == 0) result = SqlValue.FromInteger(0);
            else result = ge.IsNull || le.IsNull ? SqlValue.Null : SqlValue.FromInteger(1);
        }
        if (!Negated || result.IsNull) return result;
        return SqlValue.FromBool(result.Integer == 0);
    }
}

/// <summary><c>x [NOT] IN (e1, e2, ...)</c>: compared under x's own affinity (exprINAffinity), NULL when x is NULL or
/// nothing matched and the list holds a NULL; an empty list is false whatever x is.</summary>
public sealed class InListExpr(Expr operand, List<Expr> items, bool negated) : Expr, IHasChildren
{
    public Expr Operand = operand;
    public readonly List<Expr> Items = items;
    public readonly bool Negated = negated;
    private readonly int _height = Math.Max(operand.Height, items.Count == 0 ? 0 : items.Max(i => i.Height)) + 1;
    public override int Height => _height;
    public override bool IsConstant => Operand.IsConstant && Items.All(i => i.IsConstant);
    public IEnumerable<Expr> Children => [Operand, .. Items];

    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        Operand = Operand.Bind(scope);
        for (int i = 0; i < Items.Count; i++) Items[i] = Items[i].Bind(scope);
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        if (Items.Count == 0) return SqlValue.FromBool(Negated);
        var x = Operand.Eval(row);
        if (x.IsNull) return SqlValue.Null;
        var affinity = Operand.Affinity;
        var left = AffinityRules.ForCompare(affinity, x);
        bool sawNull = false;
        foreach (var item in Items)
        {
            var v = item.Eval(row);
            if (v.IsNull) { sawNull = true; continue; }
            if (ValueComparer.Compare(left, AffinityRules.ForCompare(affinity, v)) == 0) return SqlValue.FromBool(!Negated);
        }
        return sawNull ? SqlValue.Null : SqlValue.FromBool(Negated);
    }
}

/// <summary><c>x [NOT] LIKE p [ESCAPE e]</c> and <c>x [NOT] GLOB p</c>: SQLite's likeFunc and patternCompare (LIKE folds
/// ASCII case only; GLOB has * ? and [...] classes).</summary>
public sealed class LikeExpr(Expr operand, Expr pattern, Expr? escape, bool glob, bool negated) : Expr, IHasChildren
{
    public Expr Operand = operand, Pattern = pattern;
    public Expr? Escape = escape;
    public readonly bool Glob = glob, Negated = negated;
    /// <summary>The operator as written, which names the function in SQLite's errors.</summary>
    public string OperatorName = glob ? "GLOB" : "LIKE";
    private readonly int _height = Math.Max(operand.Height, Math.Max(pattern.Height, escape?.Height ?? 0)) + 1;
    public override int Height => _height;
    public override bool IsConstant => Operand.IsConstant && Pattern.IsConstant && (Escape?.IsConstant ?? true);
    public IEnumerable<Expr> Children => Escape == null ? [Operand, Pattern] : [Operand, Pattern, Escape];

    /// <summary>SQLITE_MAX_LIKE_PATTERN_LENGTH.</summary>
    private const int MaxPatternBytes = 50000;

    public override Expr Bind(Scope scope)
    {
        // NOT LIKE is a NOT around the call in SQLite's tree, so it aborts on an error kept from before.
        if (Negated) scope.AbortIfFailed();
        // SQLite resolves it as the call like(pattern, operand [, escape]): the call's own error first (glob() takes
        // two arguments only), then the arguments in that order, the first error ending the list and kept (see
        // FunctionCallExpr.BindArguments).
        try
        {
            if (Glob && Escape != null) scope.Fail(new SqlParseException("wrong number of arguments to function " + OperatorName + "()", Offset));
            Pattern = Pattern.Bind(scope);
            Operand = Operand.Bind(scope);
            Escape = Escape?.Bind(scope);
        }
        catch (SqlParseException e) { return scope.Fail(e); }
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        // Arguments as likeFunc sees them: like(pattern, string [, escape]), evaluated left to right.
        var pattern = Pattern.Eval(row);
        var text = Operand.Eval(row);
        var escapeValue = Escape?.Eval(row);
        // Debian's sqlite3 is built with SQLITE_LIKE_DOESNT_MATCH_BLOBS: a blob on either side never matches,
        // checked before NULL and the escape.
        if (pattern.Type == SqlType.Blob || text.Type == SqlType.Blob) return SqlValue.FromBool(Negated);
        if (pattern.Type == SqlType.Text && Encoding.UTF8.GetByteCount(pattern.Text!) > MaxPatternBytes)
            throw new SqlRuntimeException("LIKE or GLOB pattern too complex", SqlRuntimeException.Error);
        int matchAll = Glob ? '*' : '%', matchOne = Glob ? '?' : '_', matchSet = Glob ? '[' : 0;
        int escape = matchSet;
        if (escapeValue is { } ev)
        {
            if (ev.IsNull) return SqlValue.Null;
            var runes = CodePoints(ev.AsText()!);
            if (runes.Length != 2) throw new SqlRuntimeException("ESCAPE expression must be a single character", SqlRuntimeException.Error);
            escape = runes[0];
            if (escape == matchAll) matchAll = 0;
            if (escape == matchOne) matchOne = 0;
        }
        if (pattern.IsNull || text.IsNull) return SqlValue.Null;
        var info = new Info(matchAll, matchOne, matchSet, !Glob);
        bool match = Compare(CodePoints(pattern.AsText()!), 0, CodePoints(text.AsText()!), 0, info, escape) == Match;
        return SqlValue.FromBool(match != Negated);
    }

    private readonly record struct Info(int MatchAll, int MatchOne, int MatchSet, bool NoCase);
    private const int Match = 0, NoMatch = 1, NoWildcardMatch = 2;

    /// <summary>Code points up to the first NUL (C strings end there), then a 0 terminator.</summary>
    private static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length + 1);
        foreach (var r in s.EnumerateRunes())
        {
            if (r.Value == 0) break;
            list.Add(r.Value);
        }
        list.Add(0);
        return [.. list];
    }

    private static int Lower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;

    /// <summary>patternCompare of func.c, over code points.</summary>
    private static int Compare(int[] p, int pi, int[] s, int si, Info info, int matchOther)
    {
        int escapedAt = -1;
        int c;
        while ((c = p[pi]) != 0)
        {
            pi++;
            if (c == info.MatchAll && c != 0)
            {
                while (true)
                {
                    c = p[pi];
                    if (c == 0) break;
                    if (c == info.MatchAll) { pi++; continue; }
                    if (c == info.MatchOne && info.MatchOne != 0)
                    {
                        pi++;
                        if (s[si] == 0) return NoWildcardMatch;
                        si++;
                        continue;
                    }
                    break;
                }
                if (c == 0) return Match;
                pi++;
                if (c == matchOther)
                {
                    if (info.MatchSet == 0)
                    {
                        c = p[pi];
                        if (c == 0) return NoWildcardMatch;
                        pi++;
                    }
                    else
                    {
                        while (s[si] != 0)
                        {
                            int m = Compare(p, pi - 1, s, si, info, matchOther);
                            if (m != NoMatch) return m;
                            si++;
                        }
                        return NoWildcardMatch;
                    }
                }
                if (c < 0x80)
                {
                    while (true)
                    {
                        while (s[si] != 0 && s[si] != c && !(info.NoCase && Lower(s[si]) == Lower(c) && s[si] < 0x80)) si++;
                        if (s[si] == 0) break;
                        si++;
                        int m = Compare(p, pi, s, si, info, matchOther);
                        if (m != NoMatch) return m;
                    }
                }
                else
                {
                    while (s[si] != 0)
                    {
                        int c2 = s[si++];
                        if (c2 != c) continue;
                        int m = Compare(p, pi, s, si, info, matchOther);
                        if (m != NoMatch) return m;
                    }
                }
                return NoWildcardMatch;
            }
            if (c == matchOther && c != 0)
            {
                if (info.MatchSet == 0)
                {
                    c = p[pi];
                    if (c == 0) return NoMatch;
                    pi++;
                    escapedAt = pi;
                }
                else
                {
                    int priorC = 0;
                    bool seen = false, invert = false;
                    int sc = s[si];
                    if (sc == 0) return NoMatch;
                    si++;
                    int c2 = p[pi++];
                    if (c2 == '^') { invert = true; c2 = p[pi++]; }
                    if (c2 == ']')
                    {
                        if (sc == ']') seen = true;
                        c2 = p[pi++];
                    }
                    while (c2 != 0 && c2 != ']')
                    {
                        if (c2 == '-' && p[pi] != ']' && p[pi] != 0 && priorC > 0)
                        {
                            c2 = p[pi++];
                            if (sc >= priorC && sc <= c2) seen = true;
                            priorC = 0;
                        }
                        else
                        {
                            if (sc == c2) seen = true;
                            priorC = c2;
                        }
                        c2 = p[pi];
                        if (c2 != 0) pi++;
                    }
                    if (c2 == 0 || seen == invert) return NoMatch;
                    continue;
                }
            }
            int sch = s[si];
            if (sch != 0) si++;
            if (c == sch) continue;
            if (info.NoCase && c < 0x80 && sch < 0x80 && Lower(c) == Lower(sch)) continue;
            if (c == info.MatchOne && info.MatchOne != 0 && pi != escapedAt && sch != 0) continue;
            return NoMatch;
        }
        return s[si] == 0 ? Match : NoMatch;
    }
}

/// <summary><c>CASE [base] WHEN w THEN r ... [ELSE e] END</c>: with a base, each WHEN is compared as <c>base = w</c>.</summary>
public sealed class CaseExpr(Expr? @base, List<(Expr When, Expr Then)> arms, Expr? otherwise) : Expr, IHasChildren
{
    public Expr? Base = @base;
    public readonly List<(Expr When, Expr Then)> Arms = arms;
    public Expr? Else = otherwise;
    private readonly int _height = Math.Max(Math.Max(@base?.Height ?? 0, otherwise?.Height ?? 0),
        arms.Count == 0 ? 0 : arms.Max(a => Math.Max(a.When.Height, a.Then.Height))) + 1;
    public override int Height => _height;
    public override bool IsConstant => (Base?.IsConstant ?? true) && (Else?.IsConstant ?? true) && Arms.All(a => a.When.IsConstant && a.Then.IsConstant);

    public IEnumerable<Expr> Children
    {
        get
        {
            if (Base != null) yield return Base;
            foreach (var (w, t) in Arms) { yield return w; yield return t; }
            if (Else != null) yield return Else;
        }
    }

    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        Base = Base?.Bind(scope);
        for (int i = 0; i < Arms.Count; i++) Arms[i] = (Arms[i].When.Bind(scope), Arms[i].Then.Bind(scope));
        Else = Else?.Bind(scope);
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        var b = Base?.Eval(row);
        foreach (var (when, then) in Arms)
        {
            var w = when.Eval(row);
            bool hit = b is { } bv
                ? Comparisons.Compare(BinaryOp.Equal, bv, Base!.Affinity, w, when.Affinity) is { IsNull: false, Integer: 1 }
                : !w.IsNull && Arithmetic.IsTrue(w);
            if (hit) return then.Eval(row);
        }
        return Else?.Eval(row) ?? SqlValue.Null;
    }
}

/// <summary><c>CAST(x AS type)</c>: sqlite3VdbeMemCast to the type's affinity, which is also the result's affinity.
/// AS BLOB (or no type) gives a blob of the value's text bytes; a blob becomes a number by its bytes' prefix.</summary>
public sealed class CastExpr(Expr operand, Affinity target) : Expr, IHasChildren
{
    public Expr Operand = operand;
    public readonly Affinity Target = target;
    private readonly int _height = operand.Height + 1;
    public override int Height => _height;
    public override Affinity Affinity => Target;
    public override bool IsConstant => Operand.IsConstant;
    public IEnumerable<Expr> Children => [Operand];
    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        Operand = Operand.Bind(scope);
        return this;
    }

    public override SqlValue Eval(RowContext row)
    {
        var v = Operand.Eval(row);
        if (v.IsNull) return v;
        switch (Target)
        {
            case Affinity.Text: return v.Type == SqlType.Text ? v : SqlValue.FromText(v.AsText()!);
            case Affinity.Integer: return SqlValue.FromInteger(v.AsInteger());
            case Affinity.Real: return SqlValue.FromReal(v.AsReal());
            case Affinity.Blob: return v.Type == SqlType.Blob ? v : SqlValue.FromBlob(v.AsBlob());
            default:
                if (v.Type == SqlType.Blob) return NumericText.CastToNumeric(BlobText.NumericView(v.Blob!));
                return v.Type == SqlType.Text ? NumericText.CastToNumeric(v.Text!) : v;
        }
    }
}

/// <summary>A comparison of two evaluated values, as a BinaryExpr with those operands would make it.</summary>
public static class Comparisons
{
    public static SqlValue Compare(BinaryOp op, SqlValue a, Affinity aAffinity, SqlValue b, Affinity bAffinity)
    {
        if (a.IsNull || b.IsNull) return SqlValue.Null;
        var aff = AffinityRules.ForComparison(aAffinity, bAffinity);
        int c = ValueComparer.Compare(AffinityRules.ForCompare(aff, a), AffinityRules.ForCompare(aff, b));
        return SqlValue.FromBool(op switch
        {
            BinaryOp.Equal => c == 0,
            BinaryOp.Less => c < 0,
            BinaryOp.LessEqual => c <= 0,
            BinaryOp.Greater => c > 0,
            BinaryOp.GreaterEqual => c >= 0,
            BinaryOp.NotEqual => c != 0,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a comparison"),
        });
    }
}
