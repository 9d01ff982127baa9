using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// SELECT ... ORDER BY that an index walk may satisfy, from a random stream of its own, at the end of a script: a
/// table ow of its own (an INTEGER PRIMARY KEY, a with a plain index, u UNIQUE, n TEXT NOT NULL UNIQUE, b never
/// indexed and sometimes the smallest integer, so abs(b) overflows on some rows; sometimes foreign keys, which are
/// only kept in its text), then queries ordered by
/// an indexed column, the rowid, a UNIQUE column or an unindexed one, either direction, NULLS FIRST/LAST, one or two
/// terms, with range terms (BETWEEN too) or an IN list or subquery on the walked column or another beside failing ones and LIKE,
/// DISTINCT, LIMIT and OFFSET. What it tests is
/// which rows sqlite3 prints before a run-time error, and which rows it never visits. ow is dropped again after.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _orderWalkRandom;
    /// <summary>ow.a has a numeric affinity, so its index serves <c>q.a = p.id</c> (sqlite3IndexAffinityOk).</summary>
    bool _orderWalkNumericA;
    readonly HashSet<int> _orderWalkStatements = [];

    Random OrderWalkRandom => _orderWalkRandom ??= new Random(unchecked(_seed * 86028121 + 13));

    static readonly string[] OrderWalkA = ["NULL", "0", "1", "2", "3", "2", "'x'", "1.5", "-1"];
    static readonly string[] OrderWalkB = ["1", "5", "-9223372036854775808", "7", "NULL", "-2", "'a'"];
    static readonly string[] OrderWalkOutputs = ["id", "a", "abs(b)", "b * 2", "a || b", "u", "n", "typeof(a)", "b"];
    static readonly string[] OrderWalkKeys = ["a", "a", "a", "id", "rowid", "u", "n", "b", "+a"];

    void AddOrderWalkConstructs(List<List<string>> list)
    {
        var r = OrderWalkRandom;
        if (r.Next(100) >= 25) return;
        void Add(List<string> tokens)
        {
            _orderWalkStatements.Add(list.Count);
            list.Add(tokens);
        }
        Add(["DROP", "TABLE", "IF", "EXISTS", "ow", ";"]);
        // Sometimes with foreign keys (kept in the text, never enforced), so snapshots and sqlite_master carry them.
        string aType = Pick(r, ["INTEGER", "", "TEXT", "NUMERIC"]);
        _orderWalkNumericA = aType is "INTEGER" or "NUMERIC";
        var create = new List<string> { "CREATE", "TABLE", "ow", "(", "id", "INTEGER", "PRIMARY", "KEY", ",", "a", aType, ",", "b" };
        // Not in clean scripts: Microsoft.Data.Sqlite turns foreign_keys on. Only ow itself is named, so the ALTER
        // stream's RENAME COLUMN on t0 (refused on a table a foreign key names) never meets one.
        bool foreignKeys = !Clean && r.Next(2) == 0;
        if (foreignKeys && r.Next(2) == 0) create.AddRange(["REFERENCES", "ow", "(", "id", ")", "ON", "DELETE", "CASCADE"]);
        create.AddRange([",", "u", "UNIQUE", ",", "n", "TEXT", "NOT", "NULL", "UNIQUE"]);
        if (foreignKeys && r.Next(2) == 0) create.AddRange([",", "FOREIGN", "KEY", "(", "a", ",", "u", ")", "REFERENCES", "ow", "MATCH", "FULL", "DEFERRABLE", "INITIALLY", "DEFERRED"]);
        create.AddRange([")", ";"]);
        Add(create);
        if (r.Next(4) == 0) Add(["SELECT", "sql", "FROM", "sqlite_master", "WHERE", "name", "=", "'ow'", ";"]);
        Add(["CREATE", "INDEX", "owa", "ON", "ow", "(", "a", ")", ";"]);
        var insert = new List<string> { "INSERT", "OR", "IGNORE", "INTO", "ow", "VALUES" };
        for (int i = 0, rows = 3 + r.Next(6); i < rows; i++)
        {
            if (i > 0) insert.Add(",");
            string u = r.Next(3) == 0 ? "NULL" : r.Next(10).ToString(CultureInfo.InvariantCulture);
            string b = Clean ? Pick(r, ["1", "5", "7", "NULL", "-2", "'a'"]) : Pick(r, OrderWalkB);
            insert.AddRange(["(", (1 + r.Next(20)).ToString(CultureInfo.InvariantCulture), ",", Pick(r, OrderWalkA), ",", b, ",", u, ",",
                             "'" + (char)('a' + r.Next(12)) + "'", ")"]);
        }
        insert.Add(";");
        Add(insert);
        for (int q = 0, n = 3 + r.Next(5); q < n; q++) Add(r.Next(10) switch { 0 or 1 => OrderWalkJoin(r), 2 => OrderWalkGroupJoin(r), 3 => r.Next(2) == 0 ? OrderWalkChainJoin(r) : OrderWalkIndexPinnedJoin(r), _ => OrderWalkQuery(r) });
        Add(["DROP", "TABLE", "ow", ";"]);
    }

    static void Shuffle(Random r, List<string> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = r.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A self-join of ow whose outer table an index may cover: p read only through a (its index) and the
    /// rowid, q looked up by its rowid (or, joined USING (id), both by rowid: the cheaper scan goes outside).</summary>
    List<string> OrderWalkJoin(Random r)
    {
        bool usingId = r.Next(3) == 0;
        var tokens = new List<string> { "SELECT" };
        tokens.AddRange(Pick(r, new[] { "p.id", "p.a", "p.a , p.id" }).Split(' '));
        string inner = Pick(r, new[] { ", q.b", ", q.a", ", q.n", ", q.u", "" });
        if (inner.Length > 0) tokens.AddRange(inner.Split(' '));
        tokens.AddRange(["FROM", "ow", "AS", "p", .. (r.Next(2) == 0 ? new[] { "JOIN" } : ["INNER", "JOIN"]), "ow", "AS", "q"]);
        if (usingId) tokens.AddRange(["USING", "(", "id", ")"]);
        else
        {
            tokens.AddRange(["ON", "q.id", "=", "p.a"]);
            // Filters where.c's costs provably order: on p (the worse lookup) it stays outside; an equality with a
            // constant on q's unindexed b turns the loops.
            var filters = new List<string>();
            if (r.Next(3) == 0) filters.Add("q.b = " + Pick(r, new[] { "'a'", "5", "-2", "7" }));
            for (int i = r.Next(3); i > 0; i--) filters.Add(Pick(r, new[] { "p.b > 0", "p.b != 'x'", "p.b < 6" }));
            // Up to three filters other than equalities on q (the better lookup) keep the plan too.
            if (filters.Count == 0 || !filters[0].StartsWith("q.b =", StringComparison.Ordinal))
                for (int i = r.Next(3) == 0 ? 1 + r.Next(3) : 0; i > 0; i--) filters.Add(Pick(r, new[] { "q.b > 0", "q.b != 'x'", "abs(q.b) >= 0" }));
            for (int i = 0; i < filters.Count; i++) tokens.AddRange([i == 0 ? "WHERE" : "AND", .. filters[i].Split(' ')]);
            // ORDER BY the outer table's rowid streams its walk (backwards for DESC), unless the equality turned the loops.
            if (!filters.Exists(f => f.StartsWith("q.b =", StringComparison.Ordinal)) && r.Next(3) == 0)
            {
                tokens.AddRange(["ORDER", "BY", Pick(r, new[] { "p.id", "p.rowid" })]);
                if (r.Next(2) == 0) tokens.Add("DESC");
                if (r.Next(2) == 0) tokens.AddRange([",", "q.b"]);
                if (r.Next(2) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(3)).ToString(CultureInfo.InvariantCulture)]);
                tokens.Add(";");
                return tokens;
            }
        }
        if (r.Next(3) == 0) tokens.AddRange(["ORDER", "BY", "q.b"]);
        tokens.Add(";");
        return tokens;
    }

    /// <summary>GROUP BY p's rowid (with p's never-indexed b), or DISTINCT over them, in a self-join of ow with q found by
    /// its rowid: SQLite walks p outside in rowid order and the groups stream, so a later group's overflow (abs, sum
    /// of the smallest integer) comes after the earlier groups, and LIMIT stops before the next group.</summary>
    List<string> OrderWalkGroupJoin(Random r)
    {
        string key = Pick(r, new[] { "p.id", "p.rowid" });
        bool withB = r.Next(3) == 0, distinct = r.Next(4) == 0;
        var tokens = new List<string> { "SELECT" };
        if (distinct) tokens.AddRange(["DISTINCT", key, .. withB ? new[] { ",", "p.b" } : []]);
        else
        {
            tokens.Add(key);
            for (int i = 0, n = 1 + r.Next(2); i < n; i++)
                tokens.AddRange([",", .. Pick(r, new[] { "count(*)", "group_concat(q.id)", "sum(q.b)", "max(abs(q.b))", "total(q.b)", "q.n", "count(q.u)" }).Split(' ')]);
        }
        int kind = r.Next(3);
        tokens.AddRange(["FROM", "ow", "AS", "p", .. kind switch { 0 => new[] { "JOIN" }, 1 => ["LEFT", "JOIN"], _ => [","] }, "ow", "AS", "q"]);
        var filters = new List<string>();
        if (kind == 2) filters.Add("q.id = p.a");
        else tokens.AddRange(["ON", "q.id", "=", "p.a"]);
        for (int i = r.Next(3); i > 0; i--)
            filters.Add(kind == 1 ? Pick(r, new[] { "p.b > 0", "p.b != 'x'", "abs(p.b) >= 0" }) : Pick(r, new[] { "p.b > 0", "p.b != 'x'", "abs(p.b) >= 0", "q.b < 6", "q.b * 2 != 3" }));
        for (int i = 0; i < filters.Count; i++) tokens.AddRange([i == 0 ? "WHERE" : "AND", .. filters[i].Split(' ')]);
        if (!distinct)
        {
            tokens.AddRange(["GROUP", "BY", key, .. withB ? new[] { ",", "p.b" } : []]);
            if (r.Next(4) == 0) tokens.AddRange(["HAVING", "count(*)", ">", "1"]);
            if (r.Next(3) == 0) tokens.AddRange(["ORDER", "BY", .. r.Next(2) == 0 ? new[] { key, "DESC" } : ["2"]]);
        }
        if (r.Next(3) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(3)).ToString(CultureInfo.InvariantCulture)]);
        tokens.Add(";");
        return tokens;
    }

    /// <summary>Three copies of ow in a chain of rowid lookups (<c>p JOIN q ON q.id = p.a JOIN s ON s.id = q.a</c>, or
    /// s found from p's unindexed b): p is scanned outside and every joined row comes in p's order, or, pinned by a
    /// constant rowid or UNIQUE key, p gives one row. Filters that may fail (abs of the smallest integer) go on p
    /// alone, where they run first in any plan; on q and s only ones that cannot fail; output that may fail, and
    /// ORDER BY, GROUP BY or DISTINCT over q's and s's unindexed b (an index there may be walked instead). Or s LEFT
    /// JOINed after the pair, its terms (failing ones too) in its ON.</summary>
    List<string> OrderWalkChainJoin(Random r)
    {
        bool pinned = r.Next(3) == 0;
        string sKey = Pick(r, new[] { "q.a", "p.b" });
        var tokens = new List<string> { "SELECT" };
        int shape = r.Next(4); // 0: rows, 1: ORDER BY, 2: GROUP BY, 3: DISTINCT
        // Not p's columns when p is pinned: its one row satisfies that part of the ORDER BY (FastDb refuses it).
        string sortKey = Pick(r, pinned ? new[] { "q.b", "s.b", "abs(s.b)" } : ["q.b", "s.b", "abs(s.b)", "q.b || p.b"]);
        if (shape == 3) tokens.AddRange(["DISTINCT", sortKey]);
        else if (shape == 2) tokens.AddRange([sortKey, ",", .. Pick(r, new[] { "count(*)", "group_concat(p.id)", "sum(s.b)", "max(abs(q.b))" }).Split(' ')]);
        else
            for (int i = 0, n = 1 + r.Next(3); i < n; i++)
            {
                if (i > 0) tokens.Add(",");
                tokens.AddRange(Pick(r, new[] { "p.id", "q.id", "s.id", "q.n", "s.b", "abs(q.b)", "p.a", "typeof(s.a)" }).Split(' '));
            }
        // Sometimes s is LEFT JOINed: the pair p, q is planned as two tables are, s after it; s's terms go in its ON.
        bool left = r.Next(3) == 0;
        tokens.AddRange(["FROM", "ow", "AS", "p", "JOIN", "ow", "AS", "q", "ON", "q.id", "=", "p.a", left ? "LEFT" : r.Next(4) == 0 ? "INNER" : "", "JOIN", "ow", "AS", "s", "ON", "s.id", "=", sKey]);
        tokens.RemoveAll(t => t.Length == 0);
        if (left)
            for (int i = r.Next(3); i > 0; i--) tokens.AddRange(["AND", .. Pick(r, new[] { "s.b != 'x'", "abs(s.b) >= 0", "s.b IN (1, 5, 'a')" }).Split(' ')]);
        var filters = new List<string>();
        if (pinned) filters.Add(Pick(r, new[] { "p.id = 3", "p.id = 7", "p.u = 3", "p.n = 'c'", "p.rowid = 12" }));
        // The rows s did not match (or whose b is NULL): the only WHERE term on a LEFT JOIN's table that keeps it one.
        // (Not s.b IS NULL beside ORDER BY s.b: FastDb refuses a sort term WHERE fixes there.)
        if (left && r.Next(3) == 0) filters.Add(sortKey.Contains("s.b", StringComparison.Ordinal) ? "s.id IS NULL" : Pick(r, new[] { "s.id IS NULL", "s.b IS NULL" }));
        for (int i = r.Next(3); i > 0; i--) filters.Add(Pick(r, new[] { "abs(p.b) >= 0", "p.b > 0", "p.b != 'x'", "p.b * 2 < 9" }));
        for (int i = r.Next(3); i > 0; i--)
            filters.Add(Pick(r, left ? new[] { "q.b > 0", "q.b * 2 != 3" } : ["q.b > 0", "s.b != 'x'", "q.b * 2 != 3", "s.b IS NOT NULL", "q.b BETWEEN -3 AND 6", "s.b IN (1, 5, 'a')"]));
        Shuffle(r, filters);
        for (int i = 0; i < filters.Count; i++) tokens.AddRange([i == 0 ? "WHERE" : "AND", .. filters[i].Split(' ')]);
        if (shape == 2) tokens.AddRange(["GROUP", "BY", sortKey]);
        if (shape == 1) tokens.AddRange(["ORDER", "BY", sortKey, .. r.Next(2) == 0 ? new[] { "DESC" } : []]);
        if (r.Next(3) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(3)).ToString(CultureInfo.InvariantCulture)]);
        tokens.Add(";");
        return tokens;
    }

    /// <summary>Two or three copies of ow with p pinned by its plain index (<c>p.a = constant</c>, about ten rows), the
    /// others found from it (q through owa by <c>q.a = p.id</c>, or by its rowid from p's unindexed b; s by its rowid):
    /// SQLite searches p first, and each table's rows come in rowid order. Failing filters on p alone; on q and s
    /// ones that cannot fail, equalities too; ORDER BY q's or s's unindexed b.</summary>
    List<string> OrderWalkIndexPinnedJoin(Random r)
    {
        // 0: p, q; 1: p, q by rowid, s; 2: p, q through owa, s (only where owa serves an integer probe).
        int shape = _orderWalkNumericA ? r.Next(3) : 1;
        var tokens = new List<string> { "SELECT" };
        for (int i = 0, n = 1 + r.Next(3); i < n; i++)
        {
            if (i > 0) tokens.Add(",");
            tokens.AddRange(Pick(r, shape == 0 ? new[] { "p.id", "q.id", "q.b", "abs(q.b)", "p.n" } : ["p.id", "q.id", "s.id", "abs(s.b)", "q.n"]).Split(' '));
        }
        tokens.AddRange(["FROM", "ow", "AS", "p", "JOIN", "ow", "AS", "q", "ON", .. shape == 1 ? new[] { "q.id", "=", "p.b" } : ["q.a", "=", "p.id"]]);
        if (shape > 0) tokens.AddRange(["JOIN", "ow", "AS", "s", "ON", "s.id", "=", shape == 1 ? "q.a" : "q.b"]);
        var filters = new List<string> { "p.a = " + Pick(r, new[] { "0", "1", "2", "3", "'x'", "1.5", "-1" }) };
        for (int i = r.Next(3); i > 0; i--) filters.Add(Pick(r, new[] { "abs(p.b) >= 0", "p.b > 0", "p.b * 2 < 9" }));
        // Not q's b where s is found by it: an equality there makes s a constant lookup, which SQLite searches first.
        string other = shape == 0 ? "q" : shape == 2 ? "s" : Pick(r, new[] { "q", "s" });
        for (int i = r.Next(3); i > 0; i--) filters.Add(other + Pick(r, new[] { ".b = 5", ".b > 0", ".b != 'x'", ".b IS NULL", ".b IN (1, 7)" }));
        Shuffle(r, filters);
        for (int i = 0; i < filters.Count; i++) tokens.AddRange([i == 0 ? "WHERE" : "AND", .. filters[i].Split(' ')]);
        if (r.Next(3) == 0) tokens.AddRange(["ORDER", "BY", shape == 0 ? "q.b" : Pick(r, new[] { "q.b", "s.b" }), .. r.Next(2) == 0 ? new[] { "DESC" } : []]);
        if (r.Next(3) == 0) tokens.AddRange(["LIMIT", (1 + r.Next(3)).ToString(CultureInfo.InvariantCulture)]);
        tokens.Add(";");
        return tokens;
    }

    List<string> OrderWalkQuery(Random r)
    {
        var tokens = new List<string> { "SELECT" };
        bool distinct = r.Next(5) == 0;
        if (distinct) tokens.Add("DISTINCT");
        for (int i = 0, n = 1 + r.Next(3); i < n; i++)
        {
            if (i > 0) tokens.Add(",");
            tokens.AddRange(Pick(r, OrderWalkOutputs).Split(' '));
        }
        tokens.AddRange(["FROM", "ow"]);
        string key = Pick(r, OrderWalkKeys);
        // Terms that may fail, and at most one an index or the rowid can serve: which of several competing ranges
        // SQLite picks is a cost decision the walk does not change (and FastDb models only in part).
        var where = new List<string>();
        for (int i = r.Next(3); i > 0; i--) where.Add(Pick(r, ["abs(b) >= 0", "b * 2 != 3", "typeof(b) != 'x'", "n LIKE '%" + (char)('a' + r.Next(12)) + "%'", "a NOT BETWEEN 1 AND 2"]));
        bool limit = r.Next(3) == 0;
        if (r.Next(3) > 0)
        {
            string bound = (r.Next(4) - 1).ToString(CultureInfo.InvariantCulture);
            // Under a LIMIT a range on another column than the walk's is a cost decision FastDb models only in part.
            string column = limit ? key.TrimStart('+') : Pick(r, [key.TrimStart('+'), key.TrimStart('+'), "a", "id", "u"]);
            if (column == "n") bound = "'" + (char)('a' + r.Next(12)) + "'";
            // No OR of index terms: whether SQLite unions their index scans or walks ORDER BY's index is a cost
            // decision FastDb does not model.
            string high = (r.Next(6) - 1).ToString(CultureInfo.InvariantCulture);
            if (column == "n") high = "'" + (char)('a' + r.Next(12)) + "'";
            string inList = column == "n" ? "( 'a' , 'c' , " + high + " )" : "( " + high + " , " + bound + " , 2 , 'x' )";
            // IN beside DISTINCT over other indexed columns is refused by name (which index serves the DISTINCT is a cost).
            where.Add(Pick(r, [column + " > " + bound, column + " <= " + bound, key == "a" ? "a IS NOT NULL" : column + " >= " + bound,
                               column + " BETWEEN " + bound + " AND " + high, distinct ? column + " < " + high : column + " IN " + inList,
                               distinct ? column + " >= " + high : column + " IN ( SELECT u FROM ow AS q WHERE q.u < " + high + " )"]));
        }
        Shuffle(r, where);
        for (int i = 0; i < where.Count; i++)
        {
            tokens.Add(i == 0 ? "WHERE" : "AND");
            tokens.AddRange(where[i].Split(' '));
        }
        tokens.AddRange(["ORDER", "BY", key]);
        if (r.Next(3) == 0) tokens.Add("DESC");
        // IN sorts its rows under NULLS FIRST/LAST against the walk (refused by name).
        if (r.Next(6) == 0 && !where.Exists(t => t.Contains(" IN ", StringComparison.Ordinal))) tokens.AddRange(["NULLS", r.Next(2) == 0 ? "FIRST" : "LAST"]);
        // Several terms with a LIMIT: SQLite weighs the walk against one sort by the LIMIT's value (not modelled).
        if (!limit && r.Next(4) == 0) tokens.AddRange([",", Pick(r, ["b", "id", "a", "u"])]);
        if (limit)
        {
            tokens.AddRange(["LIMIT", r.Next(5).ToString(CultureInfo.InvariantCulture)]);
            if (r.Next(2) == 0) tokens.AddRange(["OFFSET", r.Next(3).ToString(CultureInfo.InvariantCulture)]);
        }
        tokens.Add(";");
        return tokens;
    }
}
