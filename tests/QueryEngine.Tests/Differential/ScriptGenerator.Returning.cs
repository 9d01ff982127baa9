namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// RETURNING in the generated scripts: an INSERT [OR REPLACE | OR IGNORE], upsert, UPDATE or DELETE of the main
/// grammar with a RETURNING list of *, columns, the rowid, expressions, aliases and subqueries on the same table, over
/// indexed and unindexed tables (so the row order of UPDATE and DELETE is tested), in and out of transactions; in
/// scripts that may fail, also RETURNING's own errors (aggregates, t.*, unknown names) and overflows inside it.
/// Everything, the base statement included, is drawn and laid out from a stream of its own (the other streams the
/// main grammar's helpers read are swapped for it), so the other constructs draw what they drew before. Clean
/// scripts' keys share the one counter, so they keep rising in insertion order (a key range of its own would put
/// keys out of rowid order, which changes SQLite's plans for later queries): their values after a RETURNING
/// statement are shifted.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _returningRandomField;
    Random ReturningRandom => _returningRandomField ??= new Random(unchecked(_seed * 15485863 + 7));
    /// <summary>Positions of the statements drawn from <see cref="ReturningRandom"/>.</summary>
    readonly HashSet<int> _returningStatements = [];

    void AddReturningConstructs(List<List<string>> list)
    {
        if (_tables.Count == 0 || ReturningRandom.Next(100) >= 10) return;
        _returningStatements.Add(list.Count);
        list.Add(ReturningStatement());
    }

    List<string> ReturningStatement()
    {
        var r = ReturningRandom;
        var (main, extra) = (_random, _extraRandom);
        _random = r;
        _extraRandom = r;
        List<string> tokens;
        int kind = r.Next(10);
        try
        {
            tokens = kind switch
            {
                < 4 => Insert(),
                4 => Upsert(),
                < 8 => Update(),
                _ => Delete(),
            };
        }
        finally { (_random, _extraRandom) = (main, extra); }
        // Laid out from this stream alone: no token keeps the extra stream's mark.
        tokens = tokens.ConvertAll(t => t.TrimStart(ExtraMark));
        var table = tokens.Find(t => TableNames.Contains(t)) ?? TableNames[0];
        tokens.RemoveAt(tokens.Count - 1); // the ";"
        tokens.Add("RETURNING");
        tokens.AddRange(ReturningList(table, ColumnsOf(table), upsert: kind == 4));
        tokens.Add(";");
        return tokens;
    }

    /// <summary><paramref name="upsert"/>: no subquery that reads no column of the row (an upsert's DO UPDATE codes
    /// RETURNING once more, with a cache of its own for such a subquery, which FastDb refuses).</summary>
    List<string> ReturningList(string table, List<Column> columns, bool upsert)
    {
        var r = ReturningRandom;
        if (r.Next(4) == 0) return ["*"];
        string Col() => columns.Count == 0 || r.Next(8) == 0 ? Pick(r, ["rowid", "oid", "_rowid_"]) : columns[r.Next(columns.Count)].Name;
        string Lit() => Pick(r, ["1", "0", "-1", "2.5", "'x'", "''", "NULL", "'3'", "9223372036854775807"]);
        var items = new List<List<string>>();
        for (int i = 0, n = 1 + r.Next(3); i < n; i++)
        {
            List<string> item = r.Next(13) switch
            {
                < 4 => [Col()],
                4 => ["*"],
                5 => ["typeof", "(", Col(), ")"],
                6 => [Col(), Pick(r, ["+", "-", "*", "/", "||", "=", "<", "IS", "AND"]), Lit()],
                7 => [Pick(r, ["length", "upper", "quote", "abs", "hex"]), "(", Col(), ")"],
                8 => [Lit()],
                9 when !upsert => ["(", "SELECT", "count", "(", "*", ")", "FROM", table, ")"],
                9 or 10 => ["(", "SELECT", "total", "(", Col(), ")", "FROM", table, "AS", "s", "WHERE", "s", ".", "rowid", "<=", table, ".", "rowid", ")"],
                11 => ["-", Col()],
                _ => [Col(), "IS", "NULL"],
            };
            if (item is not ["*"] && r.Next(4) == 0)
            {
                if (r.Next(2) == 0) item.Add("AS");
                item.Add($"r{i}");
            }
            items.Add(item);
        }
        if (!Clean && r.Next(12) == 0)
        {
            // RETURNING's own errors: a misuse of an aggregate, t.*, a name that is not a column (an alias is not).
            List<string> bad = r.Next(5) switch
            {
                0 => ["count", "(", "*", ")"],
                1 => [table, ".", "*"],
                2 => ["nosuch"],
                3 => ["max", "(", Col(), ")"],
                _ => ["r0"],
            };
            items.Insert(r.Next(items.Count + 1), bad);
        }
        return Join(items);
    }
}
