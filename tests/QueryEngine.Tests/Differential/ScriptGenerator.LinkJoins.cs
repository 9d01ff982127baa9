using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Many-to-many joins through a link table, from a random stream of their own, at the end of a script: lp and lt
/// (an INTEGER PRIMARY KEY and columns no index holds) and the link lk(a, b[, c]) with a multi-column index on (a, b)
/// (PRIMARY KEY (a, b), UNIQUE (a, b), or CREATE [UNIQUE] INDEX), its rows inserted out of key order, then the joins
/// FastDb plans as SQLite does: lk scanned with lp (and lt) found by rowid, either FROM order; lp pinned by its rowid
/// and lk looked up through the index's first column (its rows in the order of b, then rowid); lk pinned by a
/// constant on a; LEFT JOINs through the index (on a, or a and b: a seek of both), with the anti-join; lp LEFT JOIN lk on b (an automatic index, or lk
/// scanned in rowid order when lp is pinned to one row); lk LEFT JOIN lt on a column no index holds (an automatic index,
/// or a scan when lk.a is fixed: about ten rows); filters on columns no index holds (ranges on
/// the tables found by rowid, anything on lk.c), aggregates, ORDER BY a column no index holds, LIMIT; GROUP BY or
/// ORDER BY lp.id where the index does not serve the equality (the usual loops and a sort); lk outside
/// read through its key columns only (a scan of the index, which covers it). The tables are dropped again so later
/// scripts never see them.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _linkJoinRandom;
    readonly HashSet<int> _linkJoinStatements = [];

    Random LinkJoinRandom => _linkJoinRandom ??= new Random(unchecked(_seed * 32452843 + 17));

    static readonly string[] RangeOperators = ["<", "<=", ">", ">=", "<>", "!="];

    void AddLinkJoins(List<List<string>> list)
    {
        var r = LinkJoinRandom;
        if (r.Next(100) >= 25) return;
        void Add(List<string> tokens)
        {
            _linkJoinStatements.Add(list.Count);
            list.Add(tokens);
        }
        string[] keyValues = ["1", "2", "3", "4", "5", "6", "2.0", "'3'", "NULL", "7"];
        string[] otherValues = ["0", "1", "2", "3", "1.5", "'a'", "'3'", "NULL", "-1", "'b'"];
        foreach (var t in new[] { "lp", "lt" })
        {
            Add(["DROP", "TABLE", "IF", "EXISTS", t, ";"]);
            Add(["CREATE", "TABLE", t, "(", "id", "INTEGER", "PRIMARY", "KEY", ",", "n", Pick(r, ["INT", "TEXT", "", "REAL"]), ",", "w", Pick(r, ["INT", "TEXT", ""]), ")", ";"]);
            var insert = new List<string> { "INSERT", "INTO", t, "(", "n", ",", "w", ")", "VALUES" };
            for (int i = 0, n = 3 + r.Next(4); i < n; i++)
            {
                if (i > 0) insert.Add(",");
                insert.AddRange(["(", Pick(r, otherValues), ",", Pick(r, otherValues), ")"]);
            }
            insert.Add(";");
            Add(insert);
        }
        // The link's key columns take a numeric type (so the index serves the equality with a rowid) or none.
        bool withC = r.Next(2) == 0;
        int declared = r.Next(4);
        Add(["DROP", "TABLE", "IF", "EXISTS", "lk", ";"]);
        string aType = Pick(r, ["INTEGER", "INT", "NUMERIC", "INTEGER NOT NULL", ""]);
        string bType = Pick(r, ["INTEGER", "INT", "REAL", ""]);
        var create = new List<string> { "CREATE", "TABLE", "lk", "(", "a", aType, ",", "b", bType };
        if (withC) create.AddRange([",", "c", Pick(r, ["TEXT", "INT", ""])]);
        if (declared == 0) create.AddRange([",", "PRIMARY", "KEY", "(", "a", ",", "b", ")"]);
        if (declared == 1) create.AddRange([",", "UNIQUE", "(", "a", ",", "b", ")"]);
        create.AddRange([")", ";"]);
        Add(create);
        if (declared >= 2) Add(["CREATE", .. declared == 2 ? new[] { "UNIQUE" } : [], "INDEX", "lk_ab", "ON", "lk", "(", "a", ",", "b", ")", ";"]);
        var links = new List<string> { "INSERT", "OR", "IGNORE", "INTO", "lk", "VALUES" };
        for (int i = 0, n = 4 + r.Next(8); i < n; i++)
        {
            if (i > 0) links.Add(",");
            links.AddRange(["(", Pick(r, keyValues), ",", Pick(r, keyValues)]);
            if (withC) links.AddRange([",", Pick(r, otherValues)]);
            links.Add(")");
        }
        links.Add(";");
        Add(links);
        for (int q = 0, n = 3 + r.Next(4); q < n; q++) Add(LinkJoinQuery(r, withC, aType.Length > 0, bType.Length > 0, keyValues, otherValues));
        Add(["DROP", "TABLE", "lk", ";"]);
        Add(["DROP", "TABLE", "lp", ";"]);
        Add(["DROP", "TABLE", "lt", ";"]);
    }

    /// <param name="indexServes">lk.a has a numeric affinity, so its index serves the equality with lp.id: a chain
    /// pinned on lp, and lp LEFT JOIN lk, find lk through it (without it, SQLite scans lk there, or gives it an
    /// automatic index, shapes FastDb refuses).</param>
    /// <param name="automaticServes">lk.b has a numeric affinity, so an automatic index on it serves the equality
    /// with lp.id (lp LEFT JOIN lk ON lk.b = lp.id).</param>
    List<string> LinkJoinQuery(Random r, bool withC, bool indexServes, bool automaticServes, string[] keyValues, string[] otherValues)
    {
        // 0-1: lp and lk; 2: lp LEFT JOIN lk; 3: lk LEFT JOIN lp; 4-5: lp, lk and lt; 6: lp LEFT JOIN lk on its
        // second key column (an automatic index, or a scan of lk in rowid order when one lp row reaches it); 7: lk
        // LEFT JOIN lt on a column no index holds (an automatic index, or a scan when lk.a = constant leaves about
        // ten rows of lk by where.c's guess).
        int kind = r.Next(8);
        // Without an index that serves the ON equality, SQLite may give lk an automatic index or scan it.
        if (kind == 2 && !indexServes) kind = 3;
        bool chain = kind is 4 or 5, left = kind is 2 or 3 or 6 or 7;
        // 0: no pin; 1: lp.id = constant; 2: lk.a = constant (two tables only: with lt, lp.id is its constant too).
        int pin = kind == 6 ? r.Next(2) : kind == 7 ? 2 * r.Next(2) : left || (chain && !indexServes) ? 0 : r.Next(chain ? 2 : 3);
        var columns = kind == 7 ? new List<string> { "lk.a", "lk.b" } : ["lp.n", "lp.id", "lk.a", "lk.b"];
        if (withC) columns.Add("lk.c");
        if (chain || kind == 7) columns.AddRange(["lt.w", "lt.n"]);
        var tokens = new List<string> { "SELECT" };
        int shape = r.Next(5);
        if (shape == 0) tokens.AddRange(["count", "(", "*", ")", ",", "group_concat", "(", "lk.b", ")", ",", "total", "(", kind == 7 ? "lt.n" : "lp.n", ")"]);
        else if (shape == 1) tokens.Add("*");
        else
        {
            for (int i = 0, n = 1 + r.Next(3); i < n; i++)
            {
                if (i > 0) tokens.Add(",");
                tokens.Add(Pick(r, columns));
            }
        }
        // lk read through its key columns only is covered by the index, narrower than a table with c: outside,
        // SQLite scans the index (in its order); inside, scanned (a pair pinned on lp without an index that serves
        // the equality), it may too, a shape FastDb refuses.
        bool scannedInside = pin == 1 && (kind == 6 || !indexServes) || (kind == 6 && !automaticServes);
        if (withC && shape != 1 && (scannedInside || r.Next(2) == 0)) tokens.AddRange([",", "lk.c"]);
        tokens.Add("FROM");
        var joins = new List<List<string>>();
        var where = new List<List<string>>();
        var link = r.Next(2) == 0 ? new List<string> { "lk.a", "=", "lp.id" } : ["lp.id", "=", "lk.a"];
        if (kind == 2) tokens.AddRange(["lp", "LEFT", "JOIN", "lk", "ON", .. link]);
        else if (kind == 3) tokens.AddRange(["lk", "LEFT", "JOIN", "lp", "ON", .. link]);
        else if (kind == 6) tokens.AddRange(["lp", "LEFT", "JOIN", "lk", "ON", "lk.b", "=", "lp.id"]);
        else if (kind == 7) tokens.AddRange(["lk", "LEFT", "JOIN", "lt", "ON", "lt.w", "=", "lk.b"]);
        else
        {
            var tables = chain ? new List<string> { "lp", "lk", "lt" } : ["lp", "lk"];
            // Any FROM order; each table after the first joined by ON (or a comma and WHERE) to one before it.
            for (int i = tables.Count - 1; i > 0; i--)
            {
                int j = r.Next(i + 1);
                (tables[i], tables[j]) = (tables[j], tables[i]);
            }
            bool comma = r.Next(4) == 0;
            var tagLink = new List<string> { "lt.id", "=", "lk.b" };
            var pending = new List<List<string>> { link };
            if (chain) pending.Add(tagLink);
            var seen = new HashSet<string> { tables[0] };
            tokens.Add(tables[0]);
            for (int i = 1; i < tables.Count; i++)
            {
                seen.Add(tables[i]);
                tokens.AddRange(comma ? [","] : r.Next(2) == 0 ? ["JOIN"] : ["INNER", "JOIN"]);
                tokens.Add(tables[i]);
                // The join terms whose tables are all in by now.
                var ready = pending.FindAll(term => term.Where(x => x.Contains('.')).All(x => seen.Contains(x[..x.IndexOf('.')])));
                foreach (var term in ready) pending.Remove(term);
                if (comma) where.AddRange(ready);
                else if (ready.Count > 0)
                {
                    tokens.Add("ON");
                    for (int k = 0; k < ready.Count; k++)
                    {
                        if (k > 0) tokens.Add("AND");
                        tokens.AddRange(ready[k]);
                    }
                }
            }
            where.AddRange(pending);
        }
        // lp LEFT JOIN lk ON lk.a = lp.id AND lk.b = (or a range of) a constant: a seek of both key columns.
        if (kind == 2 && r.Next(3) == 0) tokens.AddRange(["AND", "lk.b", Pick(r, ["=", "=", ">", "<="]), Pick(r, keyValues)]);
        if (left && r.Next(3) == 0 && withC) tokens.AddRange(["AND", "lk.c", Pick(r, ComparisonOperators), Pick(r, otherValues)]);
        if (pin == 1) where.Add(["lp.id", "=", Pick(r, keyValues)]);
        if (pin == 2) where.Add(["lk.a", "=", Pick(r, keyValues)]);
        if (kind is 2 or 6 && r.Next(3) == 0) where.Add([kind == 2 ? "lk.a" : "lk.b", "IS", "NULL"]);
        // Filters on columns no index holds: ranges on the tables found by rowid, anything on lk.c.
        if (!left && r.Next(3) == 0) where.Add(["lp.n", Pick(r, RangeOperators), Pick(r, otherValues)]);
        if (chain && r.Next(4) == 0) where.Add(["lt.w", Pick(r, RangeOperators), Pick(r, otherValues)]);
        if (withC && !left && r.Next(3) == 0) where.Add(["lk.c", Pick(r, ComparisonOperators), Pick(r, otherValues)]);
        for (int i = 0; i < where.Count; i++)
        {
            tokens.Add(i == 0 ? "WHERE" : "AND");
            tokens.AddRange(where[i]);
        }
        // GROUP BY or ORDER BY lp.id over a pair whose lk nothing finds from lp (its index does not serve the
        // equality): SQLite keeps lk outside and sorts.
        bool byRowId = !chain && !left && pin == 0 && !indexServes && r.Next(2) == 0;
        if (byRowId && shape == 0) tokens.AddRange(["GROUP", "BY", "lp.id"]);
        else if (byRowId)
        {
            tokens.AddRange(["ORDER", "BY", "lp.id"]);
            if (r.Next(2) == 0) tokens.Add("DESC");
            if (withC && r.Next(2) == 0) tokens.AddRange([",", "lk.c"]);
        }
        // ORDER BY a column no index holds, never on the pinned table.
        else if (shape != 0 && r.Next(3) == 0)
        {
            var order = new List<string>();
            if (pin != 1 && !left) order.Add("lp.n");
            if (withC && pin != 2) order.Add("lk.c");
            if (order.Count > 0)
            {
                tokens.AddRange(["ORDER", "BY", Pick(r, order)]);
                if (r.Next(2) == 0) tokens.Add("DESC");
            }
        }
        if (shape != 0 && r.Next(4) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(4)).ToString(CultureInfo.InvariantCulture)]);
        tokens.Add(";");
        return tokens;
    }
}
