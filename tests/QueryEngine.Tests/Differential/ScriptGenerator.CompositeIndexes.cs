using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Multi-column and descending indexes, from a random stream of their own, at the end of a script: a table
/// mc(a, b, c, d) of one affinity family with one such index (CREATE [UNIQUE] INDEX on two or three columns,
/// UNIQUE (a, b) or PRIMARY KEY (b, a); or on a alone, DESC: UNIQUE (a DESC), CREATE INDEX ... (a DESC), a PRIMARY KEY
/// DESC), rows of mixed types with duplicate keys (INSERT, OR IGNORE, OR REPLACE), then the shapes
/// FastDb plans as SQLite does: equalities on a prefix of the key with ranges and filters after it, ORDER BY the next
/// key columns either way or other columns (a sort), LIMIT; covering scans of the key columns and ORDER BY them;
/// aggregates over a prefix; GROUP BY the first key column or two, a walk of the index; UPDATE and DELETE through the index (SET changing a key column too); queries the index
/// cannot serve; the PRAGMAs. The table is dropped again so later scripts never see it.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _compositeRandom;
    readonly HashSet<int> _compositeStatements = [];

    Random CompositeRandom => _compositeRandom ??= new Random(unchecked(_seed * 15485863 + 11));

    void AddCompositeIndexConstructs(List<List<string>> list)
    {
        var r = CompositeRandom;
        if (r.Next(100) >= 30) return;
        void Add(List<string> tokens)
        {
            _compositeStatements.Add(list.Count);
            list.Add(tokens);
        }
        int family = r.Next(3);
        string[] types = family switch
        {
            0 => ["INT", "INTEGER", "REAL", "NUMERIC", ""],
            1 => ["TEXT", "VARCHAR(10)", "CHAR(15)", ""],
            _ => ["", "BLOB", "INT", "TEXT"],
        };
        string[] values = family == 1
            ? ["'1'", "'2'", "'a'", "3", "'b'", "NULL", "'3'", "'B'"]
            : ["0", "1", "2", "3", "1.0", "2.5", "'3'", "'x'", "NULL", "-1"];
        string V() => Pick(r, values);
        // The key: which columns, in which order, and how it is declared; 5-7 a one-column DESC index on a (UNIQUE
        // (a DESC), CREATE INDEX ... (a DESC), a PRIMARY KEY DESC), whose queries pair it with b.
        int declared = r.Next(8);
        bool descending = declared >= 5;
        string[] key = declared switch
        {
            0 => ["a", "b"],
            1 => ["a", "b", "c"],
            2 => ["b", "a"],
            3 => ["a", "b"],
            4 => ["c", "a"],
            _ => ["a"],
        };
        bool tableKey = declared is 2 or 3 or 5 or 7; // declared in CREATE TABLE: no CREATE INDEX
        bool unique = tableKey || r.Next(3) == 0;
        // A clean script (values checked against Microsoft.Data.Sqlite) must not fail: no UNIQUE violations.
        bool clean = Clean;
        if (clean && !tableKey) unique = false;
        Add(["DROP", "TABLE", "IF", "EXISTS", "mc", ";"]);
        var create = new List<string> { "CREATE", "TABLE", "mc", "(" };
        foreach (var c in new[] { "a", "b", "c", "d" })
        {
            if (c != "a") create.Add(",");
            create.Add(c);
            string type = Pick(r, types);
            if (type.Length > 0) create.Add(type);
            if (declared == 7 && c == "a") create.AddRange(["PRIMARY", "KEY", "DESC"]);
        }
        if (declared == 2) create.AddRange([",", "PRIMARY", "KEY", "(", "b", ",", "a", ")"]);
        if (declared == 3) create.AddRange([",", "UNIQUE", "(", "a", ",", "b", ")"]);
        if (declared == 5) create.AddRange([",", "UNIQUE", "(", "a", "DESC", ")"]);
        create.AddRange([")", ";"]);
        Add(create);
        string indexName = tableKey ? "sqlite_autoindex_mc_1" : "mck";
        void CreateIndex()
        {
            var tokens = new List<string> { "CREATE" };
            if (unique) tokens.Add("UNIQUE");
            tokens.AddRange(["INDEX", "mck", "ON", "mc", "("]);
            for (int i = 0; i < key.Length; i++)
            {
                if (i > 0) tokens.Add(",");
                tokens.Add(key[i]);
            }
            if (descending) tokens.Add("DESC");
            tokens.AddRange([")", ";"]);
            Add(tokens);
        }
        bool indexFirst = r.Next(2) == 0;
        if (!tableKey && indexFirst) CreateIndex();
        for (int n = 0, inserts = 1 + r.Next(3); n < inserts; n++)
        {
            var insert = new List<string> { "INSERT" };
            int conflict = r.Next(4);
            if (clean && unique && conflict is 0 or 3) conflict = 1;
            if (conflict == 1) insert.AddRange(["OR", "IGNORE"]);
            if (conflict == 2) insert.AddRange(["OR", "REPLACE"]);
            insert.AddRange(["INTO", "mc", "VALUES"]);
            for (int i = 0, rows = 2 + r.Next(7); i < rows; i++)
            {
                if (i > 0) insert.Add(",");
                insert.AddRange(["(", V(), ",", V(), ",", V(), ",", V(), ")"]);
            }
            insert.Add(";");
            Add(insert);
        }
        // Created over rows already there: a UNIQUE one may fail on them.
        if (!tableKey && !indexFirst) CreateIndex();
        string k0 = key[0], k1 = descending ? "b" : key[1];
        string Cols() => r.Next(4) switch
        {
            0 => "*",
            1 => "rowid , *",
            2 => string.Join(" , ", key),
            _ => "d , " + k1,
        };
        List<string> Tokens(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        for (int q = 0, queries = 4 + r.Next(6); q < queries; q++)
        {
            var tokens = new List<string>();
            switch (r.Next(10))
            {
                case 9:
                    // A join the index is not in: on d, never a key column, reading more than the key.
                    tokens.AddRange(["SELECT", "mc." + k1, ",", "o.d", ",", "o." + k0, "FROM", "mc", .. (r.Next(2) == 0 ? new List<string> { "LEFT", "JOIN" } : ["JOIN"]),
                        "mc", "AS", "o", "ON", "o.d", "=", "mc.d"]);
                    if (r.Next(2) == 0) tokens.AddRange(["WHERE", "mc.d", Pick(r, ComparisonOperators), V()]);
                    break;
                case 0:
                case 1:
                case 2:
                {
                    // An equality on a prefix (or a range of the first column), then ranges or filters, ORDER BY, LIMIT.
                    tokens.AddRange(["SELECT", .. Tokens(Cols()), "FROM", "mc", "WHERE", k0]);
                    if (r.Next(4) == 0)
                    {
                        tokens.AddRange([Pick(r, [">", ">=", "<", "<="]), V()]);
                        if (r.Next(2) == 0) tokens.AddRange(["AND", k0, Pick(r, [">", ">=", "<", "<="]), V()]);
                    }
                    else tokens.AddRange([r.Next(4) == 0 ? "IS" : "=", V()]);
                    int then = r.Next(5);
                    if (then == 1) tokens.AddRange(["AND", k1, "=", V()]);
                    if (then == 2) tokens.AddRange(["AND", k1, Pick(r, [">", ">=", "<", "<="]), V()]);
                    if (then == 3) tokens.AddRange(["AND", "d", Pick(r, ComparisonOperators), V()]);
                    if (then == 4) tokens.AddRange(["AND", k1, "IS", "NULL"]);
                    string order = Pick(r, ["", "", k1, k1 + " DESC", "d", "d DESC", k1 + " , d", "d , " + k1, k0 + (descending ? " DESC , " : " , ") + k1 + " DESC", "rowid"]);
                    if (order == "rowid") order = "";
                    if (order.Length > 0) tokens.AddRange(["ORDER", "BY", .. Tokens(order)]);
                    if (r.Next(3) == 0)
                    {
                        tokens.AddRange(["LIMIT", (1 + r.Next(3)).ToString(CultureInfo.InvariantCulture)]);
                        if (r.Next(3) == 0) tokens.AddRange(["OFFSET", "1"]);
                    }
                    break;
                }
                case 3:
                {
                    // The key columns alone: a covering scan when the index is narrower than the table.
                    tokens.AddRange(["SELECT", .. Tokens(string.Join(" , ", key)), "FROM", "mc"]);
                    if (r.Next(2) == 0) tokens.AddRange(["WHERE", descending ? k0 : k1, Pick(r, ComparisonOperators), V()]);
                    int order = r.Next(3);
                    if (order == 1) tokens.AddRange(["ORDER", "BY", k0]);
                    if (order == 2) tokens.AddRange(descending ? ["ORDER", "BY", k0, "DESC"] : ["ORDER", "BY", k0, "DESC", ",", k1, "DESC"]);
                    break;
                }
                case 4 when !descending && r.Next(3) == 0:
                {
                    // GROUP BY the first key column (or two): a walk of the index, groups in key order, printed as they end.
                    tokens.AddRange(["SELECT", k0, ",", "count", "(", "*", ")", ",", "group_concat", "(", "d", ")", ",", "max", "(", k1, ")", "FROM", "mc"]);
                    int filter = r.Next(5);
                    if (filter == 1) tokens.AddRange(["WHERE", "d", Pick(r, ComparisonOperators), V()]);
                    if (filter == 2) tokens.AddRange(["WHERE", k0, Pick(r, ["=", ">", "<="]), V()]);
                    if (filter == 3) tokens.AddRange(["WHERE", "abs", "(", "d", ")", ">", "0"]);
                    tokens.AddRange(["GROUP", "BY", k0]);
                    bool two = r.Next(3) == 0;
                    if (two) tokens.AddRange([",", k1]);
                    if (r.Next(3) == 0) tokens.AddRange(["HAVING", "count", "(", "*", ")", ">", "1"]);
                    if (r.Next(3) == 0)
                    {
                        // ORDER BY them: ascending (the walk's order) or all DESC (the walk backwards).
                        string direction = r.Next(2) == 0 ? "ASC" : "DESC";
                        tokens.AddRange(two ? ["ORDER", "BY", k0, direction, ",", k1, direction] : ["ORDER", "BY", k0, direction]);
                    }
                    if (r.Next(4) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(2)).ToString(CultureInfo.InvariantCulture)]);
                    break;
                }
                case 4:
                    // Aggregates over a prefix, or the whole table.
                    tokens.AddRange(r.Next(3) switch
                    {
                        0 => ["SELECT", "count", "(", "*", ")", ",", "group_concat", "(", k1, ")", ",", "total", "(", "c", ")", "FROM", "mc", "WHERE", k0, "=", V()],
                        1 => ["SELECT", Pick(r, ["min", "max"]), "(", k0, ")", "FROM", "mc", .. (r.Next(2) == 0 ? new List<string> { "WHERE", "d", Pick(r, ComparisonOperators), V() } : new List<string>())],
                        _ => ["SELECT", "count", "(", "*", ")", "FROM", "mc"],
                    });
                    break;
                case 5:
                {
                    // UPDATE / DELETE through the index.
                    var where = new List<string> { "WHERE", k0, r.Next(4) == 0 ? Pick(r, [">", "<="]) : "=", V() };
                    if (r.Next(2) == 0) where.AddRange(["AND", k1, Pick(r, ["=", ">", "<="]), V()]);
                    tokens.AddRange(r.Next(3) switch
                    {
                        0 => ["UPDATE", "mc", "SET", "d", "=", V(), .. where],
                        1 when !(clean && unique) => ["UPDATE", "mc", "SET", k1, "=", V(), .. where],
                        1 => ["UPDATE", "mc", "SET", "c", "=", V(), .. where],
                        _ => ["DELETE", "FROM", "mc", .. where],
                    });
                    break;
                }
                case 6:
                    // What the index cannot serve: the other planners answer.
                    tokens.AddRange(r.Next(3) switch
                    {
                        0 => ["SELECT", "*", "FROM", "mc", "WHERE", "d", Pick(r, ComparisonOperators), V()],
                        1 => ["SELECT", "*", "FROM", "mc", "ORDER", "BY", "d"],
                        _ => ["SELECT", "d", ",", "count", "(", "*", ")", "FROM", "mc", "GROUP", "BY", "d"],
                    });
                    break;
                case 7:
                {
                    tokens.Add("INSERT");
                    if (r.Next(2) == 0 || (clean && unique)) tokens.AddRange(["OR", "REPLACE"]);
                    tokens.AddRange(["INTO", "mc", "VALUES", "(", V(), ",", V(), ",", V(), ",", V(), ")"]);
                    break;
                }
                default:
                    tokens.AddRange(r.Next(3) switch
                    {
                        0 => ["PRAGMA", "index_xinfo", "(", indexName, ")"],
                        1 => ["PRAGMA", "table_info", "(", "mc", ")"],
                        _ => ["PRAGMA", "index_list", "(", "mc", ")"],
                    });
                    break;
            }
            tokens.Add(";");
            Add(tokens);
        }
        Add(["DROP", "TABLE", "mc", ";"]);
    }
}
