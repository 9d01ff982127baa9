// Contract: SQLite 3.40.1's scalar JSON functions (json, json_array, json_array_length, json_extract, json_insert,
// json_replace, json_set, json_object, json_patch, json_remove, json_type, json_valid, json_quote) and the -> and ->>
// operators, with json.c's results and errors. SQLite marks a json function's text result with the JSON subtype, so a
// json function given it embeds it as JSON rather than quoting it as a string; the subtype lives in the VDBE's
// registers only. FastDb values carry no subtype: instead a json function evaluates the arguments where the subtype
// matters (the values it embeds) through EvalArgument, which knows which expressions pass a register through
// unchanged (coalesce, CASE, CAST AS TEXT, ...), and refuses by name (CheckValueArgument, at bind) the few places
// where SQLite's registers would carry a subtype that FastDb's evaluation cannot see (min()/max() aggregates, scalar
// subqueries, RETURNING and excluded.* columns). Stored values never carry it, in SQLite or here.
using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

public static class JsonFunctions
{
    /// <summary>The scalar json function a name calls, or null (json_each and json_tree are table-valued: refused
    /// where FROM reads them).</summary>
    public static ScalarFunction? Lookup(string lowerName) => lowerName switch
    {
        "json" => ScalarFunction.Json,
        "json_array" => ScalarFunction.JsonArray,
        "json_array_length" => ScalarFunction.JsonArrayLength,
        "json_extract" => ScalarFunction.JsonExtract,
        "json_insert" => ScalarFunction.JsonInsert,
        "json_replace" => ScalarFunction.JsonReplace,
        "json_set" => ScalarFunction.JsonSet,
        "json_object" => ScalarFunction.JsonObject,
        "json_patch" => ScalarFunction.JsonPatch,
        "json_remove" => ScalarFunction.JsonRemove,
        "json_type" => ScalarFunction.JsonType,
        "json_valid" => ScalarFunction.JsonValid,
        "json_quote" => ScalarFunction.JsonQuote,
        "->" => ScalarFunction.JsonArrow,
        "->>" => ScalarFunction.JsonArrowText,
        _ => null,
    };

    public static bool IsJson(ScalarFunction f) => f is >= ScalarFunction.Json and <= ScalarFunction.JsonArrowText;

    /// <summary>The argument counts json.c registers (-1 there: any number, checked when the function runs).</summary>
    public static bool ArgumentCountOk(ScalarFunction f, int n) => f switch
    {
        ScalarFunction.Json or ScalarFunction.JsonValid or ScalarFunction.JsonQuote => n == 1,
        ScalarFunction.JsonArrayLength or ScalarFunction.JsonType => n is 1 or 2,
        ScalarFunction.JsonPatch or ScalarFunction.JsonArrow or ScalarFunction.JsonArrowText => n == 2,
        _ => true,
    };

    /// <summary>Whether argument <paramref name="i"/> is a value the function embeds (where the JSON subtype counts).</summary>
    public static bool IsValuePosition(ScalarFunction f, int i) => f switch
    {
        ScalarFunction.JsonArray or ScalarFunction.JsonQuote => true,
        ScalarFunction.JsonObject => i % 2 == 1,
        ScalarFunction.JsonInsert or ScalarFunction.JsonReplace or ScalarFunction.JsonSet => i >= 2 && i % 2 == 0,
        _ => false,
    };

    /// <summary>At bind: the arguments where the subtype counts must be ones FastDb can follow.</summary>
    public static void CheckArguments(ScalarFunction f, Expr[] args, Scope scope)
    {
        for (int i = 0; i < args.Length; i++)
            if (IsValuePosition(f, i)) CheckValueArgument(args[i], scope);
    }

    /// <summary>
    /// Refuses, by name, a value argument through which SQLite could hand a json function a register with the JSON
    /// subtype that FastDb's evaluation would not know of: a min()/max() aggregate or a scalar subquery over a json
    /// result, and, where SQLite reads the new row from registers (RETURNING of INSERT and UPDATE, an upsert's
    /// excluded.*), a column. The expressions <see cref="EvalArgument"/> follows are walked into.
    /// </summary>
    public static void CheckValueArgument(Expr e, Scope scope)
    {
        switch (e)
        {
            case UnaryExpr { Op: UnaryOp.Plus } u: CheckValueArgument(u.Operand, scope); return;
            case LikelyExpr l: CheckValueArgument(l.Argument, scope); return;
            case CastExpr { Target: Affinity.Text } c: CheckValueArgument(c.Operand, scope); return;
            case CaseExpr c:
                foreach (var (_, then) in c.Arms) CheckValueArgument(then, scope);
                if (c.Else != null) CheckValueArgument(c.Else, scope);
                return;
            case ScalarFunctionExpr f when IsPassThrough(f.Function):
                for (int i = 0; i < f.Args.Length; i++)
                    if (PassesArgument(f.Function, i)) CheckValueArgument(f.Args[i], scope);
                return;
            case AggregateExpr { IsMinMax: true, Argument: { } a } when MayYieldJson(a):
                throw new SqlParseException("FastDb does not support a json value passed through min() or max() to a json function");
            case SubqueryExpr { Kind: SubqueryKind.Scalar } q when SubqueryMayYieldJson(q.Query):
                throw new SqlParseException("FastDb does not support a json value passed through a subquery to a json function");
            case ColumnExpr c when scope.RowMayHoldJson || (scope.Excluded is { } x && c.Index >= x.Columns.Length):
                throw new SqlParseException("FastDb does not support a column of the new row (RETURNING or excluded.*) as a value of a json function");
            case OuterColumnExpr when EnclosedByNewRow(scope):
                throw new SqlParseException("FastDb does not support a column of the new row (RETURNING or excluded.*) as a value of a json function");
        }
    }

    private static bool EnclosedByNewRow(Scope scope)
    {
        for (var link = scope.Outer; link != null; link = link.Scope.Outer)
            if (link.Scope.RowMayHoldJson || link.Scope.Excluded != null) return true;
        return false;
    }

    /// <summary>The functions whose result is one of their arguments' registers (func.c's sqlite3_result_value,
    /// or the inline code of coalesce, ifnull and iif), which keeps its subtype.</summary>
    private static bool IsPassThrough(ScalarFunction f) =>
        f is ScalarFunction.Coalesce or ScalarFunction.IfNull or ScalarFunction.Iif or ScalarFunction.NullIf or ScalarFunction.Max or ScalarFunction.Min;

    private static bool PassesArgument(ScalarFunction f, int i) => f switch
    {
        ScalarFunction.Iif => i >= 1,
        ScalarFunction.NullIf => i == 0,
        _ => true,
    };

    /// <summary>Could the expression's value carry the JSON subtype (bound or not yet bound)?</summary>
    public static bool MayYieldJson(Expr? e) => e switch
    {
        null => false,
        ScalarFunctionExpr f when IsJson(f.Function) => f.Function is not (ScalarFunction.JsonArrayLength or ScalarFunction.JsonType
            or ScalarFunction.JsonValid or ScalarFunction.JsonArrowText),
        ScalarFunctionExpr f when IsPassThrough(f.Function) => f.Args.Where((_, i) => PassesArgument(f.Function, i)).Any(MayYieldJson),
        FunctionCallExpr f => f.Name.ToLowerInvariant() switch
        {
            "json_array_length" or "json_type" or "json_valid" or "->>" => false,
            "coalesce" or "ifnull" or "iif" or "nullif" or "max" or "min" => f.Args.Any(MayYieldJson),
            "likely" or "unlikely" or "likelihood" => f.Args.Count > 0 && MayYieldJson(f.Args[0]),
            var n => n.StartsWith("json", StringComparison.Ordinal) || n == "->",
        },
        UnaryExpr { Op: UnaryOp.Plus } u => MayYieldJson(u.Operand),
        LikelyExpr l => MayYieldJson(l.Argument),
        CastExpr { Target: Affinity.Text } c => MayYieldJson(c.Operand),
        CaseExpr c => c.Arms.Exists(a => MayYieldJson(a.Then)) || MayYieldJson(c.Else),
        AggregateExpr a => a.Kind is AggregateKind.JsonGroupArray or AggregateKind.JsonGroupObject || (a.IsMinMax && MayYieldJson(a.Argument)),
        SubqueryExpr { Kind: SubqueryKind.Scalar } q => SubqueryMayYieldJson(q.Query),
        _ => false,
    };

    private static bool SubqueryMayYieldJson(QueryStatement query) => query switch
    {
        SelectStatement s => s.Columns.Count == 0 || s.Columns[0].Expression is not { } first || MayYieldJson(first),
        CompoundSelectStatement c => c.Selects.Exists(SubqueryMayYieldJson),
        _ => true,
    };

    /// <summary>
    /// An argument's value and whether SQLite would hand it over with the JSON subtype: a json function's result
    /// (as json.c sets it), followed through the expressions whose result is an operand's register unchanged.
    /// Everything else is a fresh value without it. <see cref="CheckValueArgument"/> has refused the rest.
    /// </summary>
    public static SqlValue EvalArgument(Expr e, RowContext row, out bool isJson)
    {
        isJson = false;
        switch (e)
        {
            case ScalarFunctionExpr f when IsJson(f.Function):
                return Call(f, row, out isJson);
            case AggregateExpr { Kind: AggregateKind.JsonGroupArray or AggregateKind.JsonGroupObject } a:
                isJson = !a.Result.IsNull;
                return a.Result;
            case UnaryExpr { Op: UnaryOp.Plus } u:
                return EvalArgument(u.Operand, row, out isJson);
            case LikelyExpr l: // coded in place of its argument: the same register
                return EvalArgument(l.Argument, row, out isJson);
            case CastExpr { Target: Affinity.Text } c:
            {
                var v = EvalArgument(c.Operand, row, out isJson);
                if (v.IsNull || v.Type == SqlType.Text) return v;
                isJson = false;
                return SqlValue.FromText(v.AsText()!);
            }
            case CaseExpr c:
            {
                var b = c.Base?.Eval(row);
                foreach (var (when, then) in c.Arms)
                {
                    var w = when.Eval(row);
                    bool hit = b is { } bv
                        ? Comparisons.Compare(BinaryOp.Equal, bv, c.Base!.Affinity, w, when.Affinity) is { IsNull: false, Integer: 1 }
                        : !w.IsNull && Arithmetic.IsTrue(w);
                    if (hit) return EvalArgument(then, row, out isJson);
                }
                return c.Else == null ? SqlValue.Null : EvalArgument(c.Else, row, out isJson);
            }
            case ScalarFunctionExpr { Function: ScalarFunction.Coalesce or ScalarFunction.IfNull } f:
                foreach (var a in f.Args)
                {
                    var v = EvalArgument(a, row, out isJson);
                    if (!v.IsNull) return v;
                }
                isJson = false;
                return SqlValue.Null;
            case ScalarFunctionExpr { Function: ScalarFunction.Iif } f:
            {
                var c = f.Args[0].Eval(row);
                return EvalArgument(!c.IsNull && Arithmetic.IsTrue(c) ? f.Args[1] : f.Args[2], row, out isJson);
            }
            case ScalarFunctionExpr { Function: ScalarFunction.NullIf } f:
            {
                var a = EvalArgument(f.Args[0], row, out isJson);
                var b = f.Args[1].Eval(row);
                if (ValueComparer.Compare(a, b) != 0) return a;
                isJson = false;
                return SqlValue.Null;
            }
            case ScalarFunctionExpr { Function: ScalarFunction.Max or ScalarFunction.Min } f:
            {
                // minmaxFunc: NULL if any argument is; min keeps the last of equal values, max the first.
                var values = new SqlValue[f.Args.Length];
                var json = new bool[values.Length];
                for (int i = 0; i < values.Length; i++) values[i] = EvalArgument(f.Args[i], row, out json[i]);
                for (int i = 0; i < values.Length; i++) if (values[i].IsNull) return SqlValue.Null;
                int best = 0;
                for (int i = 1; i < values.Length; i++)
                {
                    int cmp = ValueComparer.Compare(values[best], values[i]);
                    if (f.Function == ScalarFunction.Min ? cmp >= 0 : cmp < 0) best = i;
                }
                isJson = json[best];
                return values[best];
            }
            default:
                return e.Eval(row);
        }
    }

    /// <summary>Runs a json function: its arguments are evaluated first, left to right (as OP_Function's registers
    /// are), then json.c's function body.</summary>
    public static SqlValue Call(ScalarFunctionExpr call, RowContext row, out bool isJson)
    {
        var f = call.Function;
        var args = new SqlValue[call.Args.Length];
        var json = new bool[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (IsValuePosition(f, i)) args[i] = EvalArgument(call.Args[i], row, out json[i]);
            else args[i] = call.Args[i].Eval(row);
        }
        isJson = false;
        switch (f)
        {
            case ScalarFunction.Json:
            {
                var root = ParseArgument(args[0]);
                if (root == null) return SqlValue.Null;
                isJson = true;
                return Rendered(root);
            }
            case ScalarFunction.JsonArray:
            {
                // json.c meets a blob before its length check, which only the finished text gets.
                foreach (var a in args) if (a.Type == SqlType.Blob) throw JsonText.BlobError();
                var sb = new StringBuilder("[");
                for (int i = 0; i < args.Length; i++)
                {
                    JsonText.Separator(sb);
                    JsonText.AppendValue(sb, args[i], json[i]);
                    JsonText.CheckSize(sb);
                }
                sb.Append(']');
                isJson = true;
                return Finished(sb);
            }
            case ScalarFunction.JsonObject:
            {
                if (args.Length % 2 == 1) throw Error("json_object() requires an even number of arguments");
                // A label that is not TEXT is the error even after a blob value (json.c's last error wins), and a
                // blob comes before the length check.
                for (int i = 0; i < args.Length; i += 2)
                    if (args[i].Type != SqlType.Text) throw Error("json_object() labels must be TEXT");
                for (int i = 1; i < args.Length; i += 2)
                    if (args[i].Type == SqlType.Blob) throw JsonText.BlobError();
                var sb = new StringBuilder("{");
                for (int i = 0; i < args.Length; i += 2)
                {
                    JsonText.Separator(sb);
                    JsonText.AppendString(sb, args[i].Text!);
                    sb.Append(':');
                    JsonText.AppendValue(sb, args[i + 1], json[i + 1]);
                    JsonText.CheckSize(sb);
                }
                sb.Append('}');
                isJson = true;
                return Finished(sb);
            }
            case ScalarFunction.JsonQuote:
            {
                var sb = new StringBuilder();
                JsonText.AppendValue(sb, args[0], json[0]);
                isJson = true;
                return Finished(sb);
            }
            case ScalarFunction.JsonValid:
                return SqlValue.FromBool(args[0].AsText() is { } text && JsonText.Parse(text) != null);
            case ScalarFunction.JsonType:
            case ScalarFunction.JsonArrayLength:
            {
                var root = ParseArgument(args[0]);
                if (root == null) return SqlValue.Null;
                var node = args.Length == 2 ? JsonText.Lookup(root, args[1].AsText(), false, out _) : root;
                if (node == null) return SqlValue.Null;
                if (f == ScalarFunction.JsonType) return SqlValue.FromText(JsonText.TypeNames[(int)node.Type]);
                // json.c 3.40.1 counts the parsed elements (a fresh parse has no appended ones).
                return SqlValue.FromInteger(node.Type == JsonType.Array ? node.Items!.Count : 0);
            }
            case ScalarFunction.JsonExtract:
                return Extract(args, out isJson);
            case ScalarFunction.JsonArrow:
            case ScalarFunction.JsonArrowText:
                return Arrow(args, f == ScalarFunction.JsonArrow, out isJson);
            case ScalarFunction.JsonRemove:
            {
                if (args.Length < 1) return SqlValue.Null;
                var root = ParseArgument(args[0]);
                if (root == null) return SqlValue.Null;
                for (int i = 1; i < args.Length; i++)
                {
                    var path = args[i].AsText();
                    if (path == null) return SqlValue.Null;
                    var node = JsonText.Lookup(root, path, false, out _);
                    if (node != null) node.Removed = true;
                }
                if (root.Removed) return SqlValue.Null;
                isJson = true;
                return Rendered(root);
            }
            case ScalarFunction.JsonInsert:
            case ScalarFunction.JsonReplace:
            case ScalarFunction.JsonSet:
                return Edit(f, args, json, out isJson);
            case ScalarFunction.JsonPatch:
            {
                var target = ParseArgument(args[0]);
                if (target == null) return SqlValue.Null;
                var patch = ParseArgument(args[1]);
                if (patch == null) return SqlValue.Null;
                isJson = true;
                return Rendered(JsonText.MergePatch(target, patch));
            }
        }
        throw new InvalidOperationException("not a json function: " + f);
    }

    /// <summary>json_extract(X, P, ...): one path gives the SQL value there (arrays and objects as JSON); several
    /// give a JSON array of what each names (null for nothing). With fewer than two arguments: NULL, unparsed.</summary>
    private static SqlValue Extract(SqlValue[] args, out bool isJson)
    {
        isJson = false;
        if (args.Length < 2) return SqlValue.Null;
        var root = ParseArgument(args[0]);
        if (root == null) return SqlValue.Null;
        if (args.Length == 2)
        {
            var node = JsonText.Lookup(root, args[1].AsText(), false, out _);
            return node == null ? SqlValue.Null : JsonText.ToSql(node, out isJson);
        }
        var sb = new StringBuilder("[");
        for (int i = 1; i < args.Length; i++)
        {
            var node = JsonText.Lookup(root, args[i].AsText(), false, out _);
            JsonText.Separator(sb);
            if (node != null) JsonText.Render(node, sb);
            else sb.Append("null");
            JsonText.CheckSize(sb);
        }
        sb.Append(']');
        isJson = true;
        return Finished(sb);
    }

    /// <summary>X -> P (JSON text of what P names) and X ->> P (its SQL value). P may be abbreviated, as json.c's
    /// JSON_ABPATH allows: a text not starting with '$' that starts with a digit is an index ("2" is $[2]), any other
    /// is a key or an index after $ ("a.b" is $.a.b, "[1]" is $[1]); an integer is read as its text.</summary>
    private static SqlValue Arrow(SqlValue[] args, bool asJson, out bool isJson)
    {
        isJson = false;
        var root = ParseArgument(args[0]);
        if (root == null) return SqlValue.Null;
        var path = args[1].AsText();
        if (path == null) return SqlValue.Null;
        path = JsonText.UpToNul(path);
        if (path.Length == 0 || path[0] != '$')
            path = char.IsAsciiDigit(At(path, 0)) ? "$[" + path + "]" : (At(path, 0) == '[' ? "$" : "$.") + path;
        var node = JsonText.Lookup(root, path, false, out _);
        if (node == null) return SqlValue.Null;
        if (!asJson) return JsonText.ToSql(node, out _);
        isJson = true;
        return Rendered(node);
    }

    private static char At(string s, int i) => i < s.Length ? s[i] : '\0';

    /// <summary>json_insert, json_replace, json_set: each (path, value) pair in turn on one parse; a replaced root
    /// is the value itself (a blob included, as json.c's sqlite3_result_value returns it).</summary>
    private static SqlValue Edit(ScalarFunction f, SqlValue[] args, bool[] json, out bool isJson)
    {
        isJson = false;
        if (args.Length < 1) return SqlValue.Null;
        if (args.Length % 2 == 0)
            throw Error((f switch { ScalarFunction.JsonSet => "json_set", ScalarFunction.JsonInsert => "json_insert", _ => "json_replace" })
                        + "() needs an odd number of arguments");
        var root = ParseArgument(args[0]);
        if (root == null) return SqlValue.Null;
        bool append = f != ScalarFunction.JsonReplace;
        for (int i = 1; i < args.Length; i += 2)
        {
            var node = JsonText.Lookup(root, args[i].AsText(), append, out bool appended);
            if (node != null && (f != ScalarFunction.JsonInsert || appended))
            {
                node.Replaced = true;
                node.Replacement = args[i + 1];
                node.ReplacementIsJson = json[i + 1];
            }
        }
        if (root.Replaced)
        {
            isJson = root.ReplacementIsJson;
            return root.Replacement;
        }
        isJson = true;
        return Rendered(root);
    }

    /// <summary>The JSON argument's parse (its text as sqlite3_value_text gives it); null for NULL; malformed JSON
    /// is the function's error.</summary>
    private static JsonNode? ParseArgument(SqlValue v)
    {
        var text = v.AsText();
        if (text == null) return null;
        return JsonText.Parse(text) ?? throw JsonText.Malformed();
    }

    private static SqlValue Rendered(JsonNode node)
    {
        var sb = new StringBuilder();
        JsonText.Render(node, sb);
        return Finished(sb);
    }

    /// <summary>sqlite3_result_text64's length check: past the value limit, "string or blob too big".</summary>
    private static SqlValue Finished(StringBuilder sb)
    {
        JsonText.CheckSize(sb);
        return SqlValue.FromText(EngineLimits.CheckValue(sb.ToString()));
    }

    private static SqlRuntimeException Error(string message) => new(message, SqlRuntimeException.Error);

    // ---- json_group_array / json_group_object ------------------------------------------------------------------

    /// <summary>One row into a json_group_array (<paramref name="name"/> null) or json_group_object accumulator:
    /// jsonArrayStep / jsonObjectStep. A NULL label adds nothing before the ':' (json.c appends a NULL string as
    /// nothing). The caller has dealt with a blob value; the length is the caller's to check too.</summary>
    public static void GroupStep(StringBuilder sb, bool isObject, SqlValue name, SqlValue value, bool valueIsJson)
    {
        if (sb.Length == 0) sb.Append(isObject ? '{' : '[');
        else if (sb.Length > 1) sb.Append(',');
        if (isObject)
        {
            if (name.AsText() is { } label) JsonText.AppendString(sb, label);
            sb.Append(':');
        }
        JsonText.AppendValue(sb, value, valueIsJson);
    }

    /// <summary>jsonArrayFinal / jsonObjectFinal: "[]" or "{}" when no row was stepped. The accumulated text is
    /// left as it is (one accumulator may be finished for each aggregate that shares it).</summary>
    public static SqlValue GroupFinish(StringBuilder? sb, bool isObject)
    {
        if (sb == null || sb.Length == 0) return SqlValue.FromText(isObject ? "{}" : "[]");
        return SqlValue.FromText(EngineLimits.CheckValue(string.Concat(sb.ToString(), isObject ? "}" : "]")));
    }
}
