namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// SELECT ... FROM (subquery) [AS s], drawn from a random stream of their own (so every other stream's statements
/// stay as they were): the subquery a plain SELECT (columns, literals, + and ||, WHERE, ORDER BY, LIMIT), a DISTINCT
/// one, a grouped one (count, min, max, avg, total), or a compound of two SELECTs with the same columns; the outer
/// query *, its columns, qualified s.col, WHERE, GROUP BY with count, DISTINCT, ORDER BY and LIMIT. Rows without
/// ORDER BY come in the subquery's order. Only shapes FastDb answers are drawn: tables without indexes, and no outer
/// WHERE over a rowid alias or a subquery that joins or sums (FromSubquery.cs refuses those by name).
/// </summary>
public sealed partial class ScriptGenerator
{
    Random _fromRandom = null!;
    readonly HashSet<int> _fromStatements = [];

    void InitFromSubqueries(int seed) => _fromRandom = new Random(unchecked(seed * 32452843 + 11));

    /// <summary>A query over a FROM subquery, or null when no unindexed live table exists.</summary>
    List<string>? FromSubqueryQuery(List<List<string>> drawn)
    {
        var r = _fromRandom;
        NoteSchema();
        // What the tables hold may be another version than _tables knows (a CREATE of a name it still lists keeps
        // the old columns there): any CREATE so far that gave the table an index or a primary key rules it out.
        bool EverKeyed(string table) => drawn.Any(s => s.Count > 1 && s[0] == "CREATE" && s.Contains(table)
            && (s.Contains("UNIQUE") || s.Contains("PRIMARY") || s.Contains("INDEX")));
        var tables = _tables.Keys.Where(t => !HasIndex(t) && !EverKeyed(t)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (tables.Count == 0) return null;
        string table = tables[r.Next(tables.Count)];
        // Any version of the table: a failed statement may have left an older one with a rowid alias in place.
        bool rowidFree = !_everRowid.TryGetValue(table, out var rowids) || rowids.Count == 0;
        var plain = _tables[table].Where(c => !MayBeRowid(table, c)).Select(c => c.Name).DefaultIfEmpty("1").ToList();
        string Literal() => r.Next(3) switch
        {
            0 => IntegerLiterals[r.Next(8)],
            1 => RealLiterals[r.Next(4)],
            _ => StringLiterals[r.Next(StringLiterals.Length)],
        };
        string Term(string column) => column + " " + ComparisonOperators[r.Next(ComparisonOperators.Length)] + " " + Literal();

        // The subquery: its result columns get aliases c0, c1, ... sometimes, else keep their own names.
        int width = 1 + r.Next(3);
        var columns = Enumerable.Range(0, width).Select(_ => plain[r.Next(plain.Count)]).ToList();
        int shape = r.Next(10);
        bool grouped = shape == 7, compound = shape >= 8;
        // DISTINCT over a subquery with ORDER BY is refused (SQLite flattens it): the subquery then has none.
        bool distinctOuter = r.Next(8) == 0, innerLimit = false;
        var inner = new List<string>();
        var names = new List<string>();
        void Core(bool distinct, bool columnsOnly)
        {
            inner.Add("SELECT");
            if (distinct) inner.Add("DISTINCT");
            var items = new List<List<string>>();
            for (int i = 0; i < width; i++)
            {
                var item = new List<string>();
                int pick = columnsOnly ? 3 + r.Next(5) : r.Next(8);
                if (pick == 0) item.Add(Literal());
                else if (pick == 1) item.AddRange([columns[i], "+", "1"]);
                else if (pick == 2) item.AddRange([columns[i], "||", "'x'"]);
                else item.Add(columns[i]);
                string alias = pick < 3 || r.Next(2) == 0 ? "c" + i : columns[i];
                if (alias != columns[i] || r.Next(2) == 0) item.AddRange(["AS", alias]);
                if (names.Count < width) names.Add(alias);
                items.Add(item);
            }
            inner.AddRange(Join(items));
            inner.AddRange(["FROM", table]);
            if (r.Next(3) == 0) inner.AddRange(["WHERE", Term(plain[r.Next(plain.Count)])]);
        }
        if (grouped)
        {
            string key = columns[0];
            inner.AddRange(["SELECT", key, ",", Pick(r, ["count", "min", "max", "avg", "total"]), "(", plain[r.Next(plain.Count)], ")", "AS", "n",
                "FROM", table, "GROUP", "BY", key]);
            if (r.Next(3) == 0) inner.AddRange(["HAVING", "count", "(", "*", ")", ">", "1"]);
            names = [key, "n"];
        }
        else if (compound)
        {
            // Both SELECTs the same columns: a UNION ALL SQLite flattens compares with each one's affinity.
            Core(false, true);
            inner.AddRange(Pick(r, CompoundOperators).Split(' '));
            var first = names;
            Core(false, true);
            names = first;
        }
        else
        {
            Core(shape == 6, false);
            if (r.Next(3) == 0 && !distinctOuter) inner.AddRange(["ORDER", "BY", (1 + r.Next(width)).ToString(System.Globalization.CultureInfo.InvariantCulture), Pick(r, ["ASC", "DESC"])]);
            innerLimit = r.Next(4) == 0;
            if (innerLimit) inner.AddRange(["LIMIT", Pick(r, ["1", "2", "3"])]);
        }

        bool alias = r.Next(2) == 0;
        string Ref(string name) => alias && r.Next(2) == 0 ? "s." + name : name;
        var tokens = new List<string> { "SELECT" };
        bool outerGroup = r.Next(6) == 0;
        if (distinctOuter && !outerGroup) tokens.Add("DISTINCT");
        if (outerGroup) tokens.AddRange([Ref(names[0]), ",", "count", "(", "*", ")"]);
        else if (r.Next(3) == 0) tokens.Add(alias && r.Next(2) == 0 ? "s.*" : "*");
        else tokens.AddRange(Join(Enumerable.Range(0, 1 + r.Next(2)).Select(_ => new List<string> { Ref(names[r.Next(names.Count)]) })));
        tokens.AddRange(["FROM", "(", .. inner, ")"]);
        if (alias) tokens.AddRange(r.Next(2) == 0 ? ["AS", "s"] : ["s"]);
        // An outer WHERE reaches the inner table's rowid alias when SQLite flattens or pushes it down: not drawn then.
        if (rowidFree && r.Next(3) == 0) tokens.AddRange(["WHERE", Term(Ref(names[r.Next(names.Count)]))]);
        if (outerGroup) tokens.AddRange(["GROUP", "BY", "1"]);
        // ORDER BY over a UNION ALL SQLite flattens is refused (its sorted merge): not drawn over a compound.
        // Nor over a LIMIT (SQLite flattens that too, sorting before it limits).
        if (r.Next(3) == 0 && !compound && !innerLimit) tokens.AddRange(["ORDER", "BY", Ref(names[r.Next(names.Count)]), Pick(r, ["ASC", "DESC"])]);
        if (r.Next(4) == 0) tokens.AddRange(["LIMIT", Pick(r, ["1", "2", "3"])]);
        tokens.Add(";");
        return tokens;
    }
}
