using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Joins over indexed tables, from a random stream of their own, at the end of a script: two tables of their own (ja,
/// jb: an INTEGER PRIMARY KEY, k with a UNIQUE index or none, v with a plain index or none, w never indexed; all
/// numeric or all text affinities, so every key equality is one the index serves), rows of mixed types, then joins
/// of the shapes FastDb plans as SQLite does: a rowid/UNIQUE/index key of one table equal to the other's w (either
/// FROM order, JOIN, INNER JOIN, a comma with WHERE, LEFT JOIN, CROSS JOIN, sometimes a third table LEFT JOINed by
/// its rowid), sometimes `key = constant` fetching one row of either table, filters on w, aggregates, DISTINCT,
/// ORDER BY w and LIMIT; the tables are dropped again so later scripts never see them.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _indexedJoinRandom;
    readonly HashSet<int> _indexedJoinStatements = [];

    Random IndexedJoinRandom => _indexedJoinRandom ??= new Random(unchecked(_seed * 49979687 + 5));

    void AddIndexedJoins(List<List<string>> list)
    {
        var r = IndexedJoinRandom;
        if (r.Next(100) >= 25) return;
        void Add(List<string> tokens)
        {
            _indexedJoinStatements.Add(list.Count);
            list.Add(tokens);
        }
        bool text = r.Next(3) == 0;
        string[] types = text ? ["TEXT", "VARCHAR(10)", "CHAR(5)"] : ["INT", "INTEGER", "REAL", "NUMERIC", "BIGINT"];
        string[] values = text ? ["'1'", "'2'", "'a'", "3", "'b'", "NULL", "'3'"] : ["0", "1", "2", "3", "1.0", "2.5", "'3'", "'x'", "NULL"];
        var keys = new Dictionary<string, List<string>>();
        foreach (var t in new[] { "ja", "jb" })
        {
            Add(["DROP", "TABLE", "IF", "EXISTS", t, ";"]);
            Add(["CREATE", "TABLE", t, "(", "id", "INTEGER", "PRIMARY", "KEY", ",", "k", Pick(r, types), ",", "v", Pick(r, types), ",", "w", Pick(r, types), ")", ";"]);
            keys[t] = ["id"];
            if (r.Next(3) > 0) { Add(["CREATE", "UNIQUE", "INDEX", t + "k", "ON", t, "(", "k", ")", ";"]); keys[t].Add("k"); }
            if (r.Next(3) > 0) { Add(["CREATE", "INDEX", t + "v", "ON", t, "(", "v", ")", ";"]); keys[t].Add("v"); }
            var insert = new List<string> { "INSERT", "OR", "IGNORE", "INTO", t, "VALUES" };
            for (int i = 0, n = 2 + r.Next(6); i < n; i++)
            {
                if (i > 0) insert.Add(",");
                insert.AddRange(["(", r.Next(3) == 0 ? "NULL" : (1 + r.Next(8)).ToString(CultureInfo.InvariantCulture), ",", Pick(r, values), ",", Pick(r, values), ",", Pick(r, values), ")"]);
            }
            insert.Add(";");
            Add(insert);
        }
        for (int q = 0, n = 2 + r.Next(4); q < n; q++) Add(IndexedJoinQuery(r, keys, values));
        Add(["DROP", "TABLE", "ja", ";"]);
        Add(["DROP", "TABLE", "jb", ";"]);
    }

    List<string> IndexedJoinQuery(Random r, Dictionary<string, List<string>> keys, string[] values)
    {
        // The outer table X is read through w; the inner Y is looked up by one of its keys.
        string x = r.Next(2) == 0 ? "ja" : "jb", y = x == "ja" ? "jb" : "ja";
        string key = Pick(r, keys[y]);
        var equality = r.Next(2) == 0 ? new List<string> { y + "." + key, "=", x + ".w" } : [x + ".w", "=", y + "." + key];
        int kind = r.Next(6);
        bool left = kind == 3, cross = kind == 4, comma = kind == 5;
        bool third = left && r.Next(3) == 0;
        string Column(string t) => t + "." + Pick(r, ["id", "k", "v", "w"]);
        var tokens = new List<string> { "SELECT" };
        int shape = r.Next(6);
        bool distinct = shape == 0;
        if (distinct) tokens.AddRange(["DISTINCT", x + ".w", ",", y + ".w"]);
        else if (shape == 1) tokens.AddRange(["count", "(", "*", ")", ",", "sum", "(", y + ".w", ")", ",", "group_concat", "(", Column(x), ")"]);
        else if (shape == 2) tokens.Add("*");
        else tokens.AddRange([Column(x), ",", Column(y), ",", Column(r.Next(2) == 0 ? x : y)]);
        tokens.Add("FROM");
        // LEFT and CROSS JOIN keep FROM order: X first; the inner joins take either order.
        bool xFirst = left || cross || r.Next(2) == 0;
        tokens.Add(xFirst ? x : y);
        tokens.AddRange(left ? ["LEFT", "JOIN"] : cross ? ["CROSS", "JOIN"] : comma ? [","] : r.Next(2) == 0 ? ["JOIN"] : ["INNER", "JOIN"]);
        tokens.Add(xFirst ? y : x);
        var where = new List<List<string>>();
        if (comma) where.Add(equality);
        else tokens.AddRange(["ON", .. equality]);
        if (left && r.Next(3) == 0) tokens.AddRange(["AND", y + ".w", Pick(r, ComparisonOperators), Pick(r, values)]);
        if (third) tokens.AddRange(["LEFT", "JOIN", "ja", "AS", "c", "ON", "c.id", "=", y + ".w"]);
        // key = constant: one row of X (or, in an inner join, of Y) fetched first.
        int pin = r.Next(4);
        if (pin == 0) where.Add([x + "." + Pick(r, keys[x].Where(k => k != "v").ToList()), "=", Pick(r, values)]);
        else if (pin == 1 && !left) where.Add([y + "." + Pick(r, keys[y].Where(k => k != "v").ToList()), "=", Pick(r, values)]);
        if (r.Next(3) == 0) where.Add([x + ".w", Pick(r, ComparisonOperators), Pick(r, values)]);
        if (!left && r.Next(4) == 0) where.Add([y + ".w", Pick(r, ComparisonOperators), Pick(r, values)]);
        for (int i = 0; i < where.Count; i++)
        {
            tokens.Add(i == 0 ? "WHERE" : "AND");
            tokens.AddRange(where[i]);
        }
        if (!distinct && shape != 1 && r.Next(3) == 0)
        {
            tokens.AddRange(["ORDER", "BY", (r.Next(2) == 0 ? x : y) + ".w"]);
            if (r.Next(2) == 0) tokens.Add("DESC");
        }
        if (shape != 1 && r.Next(4) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(3)).ToString(CultureInfo.InvariantCulture)]);
        tokens.Add(";");
        return tokens;
    }
}
