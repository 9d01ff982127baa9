namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// The JSON functions in the generated scripts (JsonFunctions.cs): SELECTs of json, json_valid, json_type,
/// json_array_length, json_extract, json_set/insert/replace, json_remove, json_patch, json_object, json_array,
/// json_quote and the -> and ->> operators over JSON texts (valid, malformed, nested, with duplicate labels and
/// escapes), paths (good, bad, abbreviated) and nested calls (the JSON subtype passed through coalesce, CASE, iif,
/// CAST AS TEXT); json_group_array/object over tables; INSERTs and UPDATEs that store JSON text, which the other
/// statements then read. Clean scripts keep to calls that cannot fail. Drawn and laid out from a stream of its own,
/// so the scripts of the other constructs stay as they were.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _jsonRandomField;
    Random JsonRandom => _jsonRandomField ??= new Random(unchecked(_seed * 2750159 + 23));
    /// <summary>Positions of the statements drawn from <see cref="JsonRandom"/>.</summary>
    readonly HashSet<int> _jsonStatements = [];

    static readonly string[] JsonStrings = ["\"a\"", "\"b\"", "\"a b\"", "\"\\u0061\"", "\"x\\\"y\"", "\"\\n\"", "\"\"", "\"é\"", "\"\\ud83d\\ude00\"", "\"a.b\"", "\"\\/\""];
    static readonly string[] JsonNumbers = ["0", "-0", "1", "-1", "2.5", "1e5", "1E-2", "-0.0", "123456789012345678901", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "0.1", "3.0"];
    static readonly string[] JsonLabels = ["\"a\"", "\"b\"", "\"c\"", "\"a\"", "\"\\u0061\"", "\"a b\""];
    static readonly string[] MalformedJson = ["'{'", "'[1,]'", "'{\"a\":1,}'", "''", "' '", "'[1 2]'", "'01'", "'tru'", "'\"\\x\"'", "'[1]x'", "'{\"a\"}'", "'.5'"];
    static readonly string[] PathSteps = [".a", ".b", ".c", "[0]", "[1]", "[2]", "[#]", "[#-1]", ".\"a b\"", ".\"a\"", "[#-5]"];
    static readonly string[] BadPaths = ["'$x'", "'x'", "'$.'", "'$['", "'$[a]'", "'$..a'", "'$.\"a'", "'$[1]]'", "'$.a['", "'$[#-a]'"];
    static readonly string[] ArrowPaths = ["'a'", "'b'", "0", "1", "-1", "'[0]'", "'$.a'", "'$[1]'", "'a.b'", "NULL", "'$'", "'c'"];
    static readonly string[] BadArrowPaths = ["1.5", "''", "'$x'", "'#'"];

    /// <summary>After each main statement: now and then a JSON statement.</summary>
    void AddJsonConstructs(List<List<string>> list)
    {
        int roll = JsonRandom.Next(100);
        if (roll >= 9) return;
        _jsonStatements.Add(list.Count);
        list.Add(WithRandom(JsonRandom, roll switch
        {
            < 5 => JsonSelect,
            < 6 when _tables.Count > 0 => JsonGroupSelect,
            < 8 when _tables.Count > 0 => JsonInsert,
            < 9 when _tables.Count > 0 => JsonUpdate,
            _ => JsonSelect,
        }));
    }

    /// <summary>SELECT of JSON expressions over constants, or over a table's columns.</summary>
    List<string> JsonSelect()
    {
        var r = _random;
        string? table = _tables.Count > 0 && r.Next(2) == 0 ? TableName() : null;
        var columns = table == null ? [] : ColumnsOf(table);
        var items = new List<List<string>>();
        for (int i = 0, n = 1 + r.Next(3); i < n; i++) items.Add(JsonExpression(columns));
        var tokens = new List<string> { "SELECT" };
        tokens.AddRange(Join(items));
        if (table != null)
        {
            tokens.AddRange(["FROM", table]);
            if (columns.Count > 0 && r.Next(3) == 0) tokens.AddRange(["WHERE", .. JsonPredicate(columns)]);
            // ORDER BY only where nothing can fail: FastDb evaluates every row before it prints the first, where
            // SQLite walking an index prints the rows before the one that fails.
            if (columns.Count > 0 && r.Next(3) == 0 && Clean) tokens.AddRange(["ORDER", "BY", Pick(r, columns).Name, Pick(r, ["ASC", "DESC", ""])]);
        }
        tokens.Add(";");
        return tokens;
    }

    /// <summary>json_group_array / json_group_object over a table, whole or grouped.</summary>
    List<string> JsonGroupSelect()
    {
        var r = _random;
        var table = TableName();
        var columns = ColumnsOf(table);
        if (columns.Count == 0) return JsonSelect();
        var c = Pick(r, columns).Name;
        var tokens = new List<string> { "SELECT" };
        bool grouped = r.Next(3) == 0;
        if (grouped) tokens.AddRange([c, ","]);
        // A column may hold a blob, which json.c refuses: clean scripts group only what cannot be one. Grouped,
        // only the aggregate itself may fail (FastDb steps every group before it outputs the first; an argument
        // that fails would fail sooner than in SQLite, which outputs each group as it ends).
        var value = Clean ? new List<string> { "typeof", "(", Pick(r, columns).Name, ")" }
            : grouped ? new List<string> { Pick(r, columns).Name } : JsonColumnValue(columns);
        switch (r.Next(4))
        {
            case 0: tokens.AddRange(["json_group_object", "(", "typeof", "(", c, ")", ",", .. value, ")"]); break;
            case 1: tokens.AddRange(["json_group_array", "(", "DISTINCT", .. value, ")"]); break;
            case 2: tokens.AddRange(["json_group_array", "(", "json_valid", "(", c, ")", ")", ",", "count", "(", "*", ")"]); break;
            default: tokens.AddRange(["json_group_array", "(", .. value, ")"]); break;
        }
        tokens.AddRange(["FROM", table]);
        if (r.Next(3) == 0) tokens.AddRange(["WHERE", .. JsonPredicate(columns)]);
        // ORDER BY only where nothing can fail: FastDb finishes every group before it sorts (SQLite, whose sorter
        // already has the GROUP BY order, prints each group as it ends, before a later group's error).
        if (grouped) tokens.AddRange(["GROUP", "BY", c, .. (Clean ? new[] { "ORDER", "BY", c } : [])]);
        tokens.Add(";");
        return tokens;
    }

    /// <summary>A column as a json value, or a JSON call of it (json(c) only under json_valid in clean scripts).</summary>
    List<string> JsonColumnValue(List<Column> columns)
    {
        var r = _random;
        var c = Pick(r, columns).Name;
        return r.Next(4) switch
        {
            0 => ["CASE", "WHEN", "json_valid", "(", c, ")", "THEN", "json", "(", c, ")", "ELSE", c, "END"],
            1 => ["json_quote", "(", c, ")"],
            _ => [c],
        };
    }

    /// <summary>A WHERE over JSON: json_valid, a ->> comparison, json_type.</summary>
    List<string> JsonPredicate(List<Column> columns)
    {
        var r = _random;
        var c = Pick(r, columns).Name;
        return r.Next(3) switch
        {
            0 => ["json_valid", "(", c, ")"],
            1 => ["CASE", "WHEN", "json_valid", "(", c, ")", "THEN", c, "->>", Pick(r, ArrowPaths), "END", "IS", "NOT", "NULL"],
            _ => ["NOT", "json_valid", "(", c, ")", "OR", "json_type", "(", c, ")", "=", Pick(r, ["'array'", "'object'", "'integer'", "'text'"])],
        };
    }

    /// <summary>INSERT of JSON texts (or json function results) into a table's columns.</summary>
    List<string> JsonInsert()
    {
        var r = _random;
        var name = TableName();
        var columns = ColumnsOf(name);
        var tokens = new List<string> { "INSERT", "INTO", name, "VALUES", "(" };
        _storing = true;
        if (columns.Count == 0) tokens.Add(JsonTextLiteral(valid: true));
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0) tokens.Add(",");
            bool key = columns[i].PrimaryKey || columns[i].Unique;
            if ((key && Clean) || columns[i].IsRowid || r.Next(4) == 0) tokens.AddRange(ValueFor(columns[i]));
            else if (r.Next(3) == 0) tokens.AddRange(JsonConstructor(0, valid: true));
            else tokens.Add(JsonTextLiteral(valid: Clean || r.Next(6) > 0));
        }
        _storing = false;
        tokens.AddRange([")", ";"]);
        return tokens;
    }

    /// <summary>UPDATE a column through json_set / json_insert / json_remove / json_patch where it holds JSON.</summary>
    List<string> JsonUpdate()
    {
        var r = _random;
        var name = TableName();
        var columns = ColumnsOf(name).Where(c => !c.PrimaryKey && !c.Unique).ToList();
        if (columns.Count == 0) return JsonSelect();
        var c = Pick(r, columns).Name;
        List<string> edit = r.Next(4) switch
        {
            0 => ["json_remove", "(", c, ",", JsonPath(good: true), ")"],
            1 => ["json_patch", "(", c, ",", JsonTextLiteral(valid: true), ")"],
            _ => [Pick(r, ["json_set", "json_insert", "json_replace"]), "(", c, ",", JsonPath(good: true), ",", .. JsonSqlValue(0, columns: []), ")"],
        };
        return ["UPDATE", name, "SET", c, "=", .. edit, "WHERE", "json_valid", "(", c, ")", ";"];
    }

    /// <summary>One JSON expression (clean scripts: only ones that cannot fail).</summary>
    List<string> JsonExpression(List<Column> columns)
    {
        var r = _random;
        bool valid = Clean || r.Next(5) > 0;
        string Text() => JsonTextLiteral(valid);
        string Path() => JsonPath(good: Clean || r.Next(8) > 0);
        if (columns.Count > 0 && r.Next(3) == 0)
        {
            // Over a column: guarded by json_valid where a malformed value would fail.
            var c = Pick(r, columns).Name;
            return r.Next(6) switch
            {
                0 => ["json_valid", "(", c, ")"],
                1 => ["CASE", "WHEN", "json_valid", "(", c, ")", "THEN", "json_type", "(", c, ")", "ELSE", "'no'", "END"],
                2 => ["CASE", "WHEN", "json_valid", "(", c, ")", "THEN", c, Pick(r, ["->", "->>"]), Pick(r, ArrowPaths), "END"],
                3 => ["CASE", "WHEN", "json_valid", "(", c, ")", "THEN", "json_extract", "(", c, ",", JsonPath(good: true), ")", "END"],
                4 when !Clean => ["json_array", "(", c, ",", "json_quote", "(", c, ")", ")"],
                _ => ["json_array_length", "(", "CASE", "WHEN", "json_valid", "(", c, ")", "THEN", c, "ELSE", "'[]'", "END", ")"],
            };
        }
        switch (r.Next(14))
        {
            case 0: return ["json", "(", Text(), ")"];
            case 1: return ["json_valid", "(", r.Next(4) == 0 ? Pick(r, MalformedJson) : Text(), ")"];
            case 2: return ["json_type", "(", Text(), .. (r.Next(2) == 0 ? new[] { ",", Path() } : []), ")"];
            case 3: return ["json_array_length", "(", Text(), .. (r.Next(2) == 0 ? new[] { ",", Path() } : []), ")"];
            case 4:
            {
                var t = new List<string> { "json_extract", "(", Text() };
                for (int i = 0, n = 1 + r.Next(3); i < n; i++) t.AddRange([",", Path()]);
                t.Add(")");
                return t;
            }
            case 5:
            {
                var t = new List<string> { Pick(r, ["json_set", "json_insert", "json_replace"]), "(", Text() };
                for (int i = 0, n = 1 + r.Next(3); i < n; i++) t.AddRange([",", Path(), ",", .. JsonSqlValue(0, columns)]);
                t.Add(")");
                return t;
            }
            case 6:
            {
                var t = new List<string> { "json_remove", "(", Text() };
                for (int i = 0, n = r.Next(3); i < n; i++) t.AddRange([",", Path()]);
                t.Add(")");
                return t;
            }
            case 7: return ["json_patch", "(", Text(), ",", Text(), ")"];
            case 8: case 9: return JsonConstructor(0, valid);
            case 10: return ["json_quote", "(", .. JsonSqlValue(0, columns), ")"];
            case 11:
            {
                var t = new List<string> { Text(), Pick(r, ["->", "->>"]), JsonArrowPath() };
                if (r.Next(3) == 0) t.AddRange([Pick(r, ["->", "->>"]), JsonArrowPath()]);
                if (r.Next(4) == 0) t.AddRange([Pick(r, ["||", "+", "="]), Pick(r, ["'x'", "1"])]);
                return t;
            }
            case 12: return ["typeof", "(", .. JsonSqlValue(0, columns), ")"];
            default: return JsonSqlValue(0, columns);
        }
    }

    /// <summary>json_array / json_object of SQL values (which may be JSON results: the subtype's cases).</summary>
    List<string> JsonConstructor(int depth, bool valid)
    {
        var r = _random;
        var t = new List<string>();
        if (r.Next(2) == 0)
        {
            t.AddRange(["json_array", "("]);
            for (int i = 0, n = r.Next(4); i < n; i++)
            {
                if (i > 0) t.Add(",");
                t.AddRange(JsonSqlValue(depth + 1, []));
            }
        }
        else
        {
            t.AddRange(["json_object", "("]);
            for (int i = 0, n = r.Next(3); i < n; i++)
            {
                if (i > 0) t.Add(",");
                t.AddRange([!valid && r.Next(5) == 0 ? Pick(r, ["1", "NULL"]) : Pick(r, ["'a'", "'b'", "'a'", "'x\"'"]), ",", .. JsonSqlValue(depth + 1, [])]);
            }
            if (!valid && r.Next(8) == 0)
            {
                // A label without its value: json_object()'s "even number of arguments" error.
                if (t[^1] != "(") t.Add(",");
                t.Add("'z'");
            }
        }
        t.Add(")");
        return t;
    }

    /// <summary>An SQL value for a json function to embed: literals, JSON results, and those passed through the
    /// expressions that keep the JSON subtype (coalesce, CASE, iif, CAST AS TEXT, unary +).</summary>
    List<string> JsonSqlValue(int depth, List<Column> columns)
    {
        var r = _random;
        bool valid = Clean || r.Next(6) > 0;
        switch (r.Next(depth < 2 ? 13 : 3))
        {
            case 0: return [Pick(r, ["1", "-2", "1.5", "1e999", "NULL", "'txt'", "'[1]'", "'a\"b'", "0.1", "9223372036854775807", "''"])];
            case 1: return [!Clean && r.Next(6) == 0 ? "x'00'" : "'q'"];
            case 2: return columns.Count > 0 && !Clean ? [Pick(r, columns).Name] : ["'c'"];
            case 3: return ["json", "(", JsonTextLiteral(valid), ")"];
            case 4: return JsonConstructor(depth + 1, valid);
            case 5: return [JsonTextLiteral(valid), Pick(r, ["->", "->>"]), Pick(r, ArrowPaths)];
            case 6: return ["json_extract", "(", JsonTextLiteral(valid), ",", JsonPath(good: true), ")"];
            case 7: return ["coalesce", "(", "NULL", ",", .. JsonSqlValue(depth + 1, columns), ")"];
            case 8: return ["CASE", "WHEN", Pick(r, ["1", "0"]), "THEN", .. JsonSqlValue(depth + 1, columns), "ELSE", .. JsonSqlValue(depth + 1, columns), "END"];
            case 9: return ["json_quote", "(", .. JsonSqlValue(depth + 1, columns), ")"];
            case 10: return ["iif", "(", Pick(r, ["0", "1"]), ",", .. JsonSqlValue(depth + 1, columns), ",", .. JsonSqlValue(depth + 1, columns), ")"];
            case 11: return ["CAST", "(", .. JsonSqlValue(depth + 1, columns), "AS", "TEXT", ")"];
            default: return ["+", .. JsonSqlValue(depth + 1, columns)];
        }
    }

    /// <summary>A JSON text as an SQL string literal: generated nested values, sometimes spaced out; or malformed.</summary>
    string JsonTextLiteral(bool valid)
    {
        var r = _random;
        if (!valid) return Pick(r, MalformedJson);
        var v = JsonValue(0);
        if (r.Next(4) == 0) v = " " + v.Replace(",", " ,\n ", StringComparison.Ordinal) + " ";
        return "'" + v.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    string JsonValue(int depth)
    {
        var r = _random;
        switch (r.Next(depth < 3 ? 10 : 5))
        {
            case 0: return Pick(r, JsonStrings);
            case 1: return Pick(r, JsonNumbers);
            case 2: return Pick(r, ["true", "false", "null"]);
            case 3: case 4: return Pick(r, ["\"s\"", "1", "null"]);
            case 5: case 6: case 7:
            {
                var items = new List<string>();
                for (int i = 0, n = r.Next(4); i < n; i++) items.Add(JsonValue(depth + 1));
                return "[" + string.Join(r.Next(2) == 0 ? "," : " , ", items) + "]";
            }
            default:
            {
                var items = new List<string>();
                for (int i = 0, n = r.Next(4); i < n; i++) items.Add(Pick(r, JsonLabels) + ":" + JsonValue(depth + 1));
                return "{" + string.Join(",", items) + "}";
            }
        }
    }

    string JsonPath(bool good)
    {
        var r = _random;
        if (!good) return Pick(r, BadPaths);
        var steps = string.Concat(Enumerable.Range(0, r.Next(4)).Select(_ => Pick(r, PathSteps)));
        return "'$" + steps + "'";
    }

    string JsonArrowPath() => !Clean && _random.Next(8) == 0 ? Pick(_random, BadArrowPaths) : Pick(_random, ArrowPaths);
}
