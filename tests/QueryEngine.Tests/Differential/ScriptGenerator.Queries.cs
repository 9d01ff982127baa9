using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Compound SELECT (UNION [ALL], INTERSECT, EXCEPT with ORDER BY / LIMIT), subqueries (scalar, EXISTS, [NOT] IN,
/// correlated) in SELECT, UPDATE and DELETE, and INSERT ... SELECT. Drawn from a random stream of their own so the
/// other statements of every seed stay as they were. Shapes FastDb refuses are avoided: IN (subquery) gets a
/// "+column" left side (no index can drive it), aggregates read only the subquery's own columns.
/// </summary>
public sealed partial class ScriptGenerator
{
    /// <summary>Share of the generated statements' positions followed by one of these (in percent).</summary>
    const int QueryStatementPercent = 15;

    readonly Random _queryRandom;

    static readonly string[] CompoundOperators = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT"];

    List<string> QueryStatement()
    {
        var r = _queryRandom;
        return r.Next(10) switch
        {
            < 4 => CompoundQuery(r),
            < 7 => SubquerySelect(r),
            7 => InsertSelect(r),
            8 => SubqueryUpdate(r),
            _ => SubqueryDelete(r),
        };
    }

    string QueryTable(Random r)
    {
        var tables = _tables.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        return tables[r.Next(tables.Count)];
    }

    string QueryColumn(Random r, string table, string? qualifier = null)
    {
        var columns = _tables[table];
        var name = columns.Count == 0 || r.Next(8) == 0 ? "rowid" : columns[r.Next(columns.Count)].Name;
        return qualifier == null ? name : qualifier + "." + name;
    }

    List<string> QueryLiteral(Random r) => r.Next(3) switch
    {
        0 => [Pick(r, IntegerLiterals[..10])],
        1 => [Pick(r, StringLiterals)],
        _ => [Pick(r, ["NULL", "1.5", "2.0", "0.5"])],
    };

    /// <summary>One SELECT of a compound: <paramref name="width"/> result columns of one table (or constants).</summary>
    List<string> CompoundCore(Random r, int width)
    {
        var tokens = new List<string> { "SELECT" };
        bool fromTable = r.Next(6) > 0;
        string table = QueryTable(r);
        var items = new List<List<string>>();
        for (int i = 0; i < width; i++)
            items.Add(fromTable && r.Next(5) > 0 ? [QueryColumn(r, table)] : QueryLiteral(r));
        tokens.AddRange(Join(items));
        if (fromTable)
        {
            tokens.AddRange(["FROM", table]);
            if (r.Next(3) == 0) tokens.AddRange(["WHERE", "+" + QueryColumn(r, table), Pick(r, ComparisonOperators), .. QueryLiteral(r)]);
        }
        return tokens;
    }

    List<string> CompoundQuery(Random r)
    {
        int width = 1 + r.Next(2);
        var tokens = CompoundCore(r, width);
        int more = 1 + r.Next(3);
        for (int i = 0; i < more; i++)
        {
            tokens.AddRange(Pick(r, CompoundOperators).Split(' '));
            // Now and then a SELECT of another width: SQLite's "do not have the same number of result columns".
            tokens.AddRange(CompoundCore(r, r.Next(25) == 0 ? 3 - width : width));
        }
        if (r.Next(2) == 0)
        {
            tokens.AddRange(["ORDER", "BY"]);
            int terms = 1 + r.Next(width);
            var keys = new List<List<string>>();
            for (int i = 0; i < terms; i++)
            {
                var key = new List<string> { (1 + r.Next(r.Next(30) == 0 ? width + 1 : width)).ToString(CultureInfo.InvariantCulture) };
                if (r.Next(2) == 0) key.Add(Pick(r, ["ASC", "DESC"]));
                if (r.Next(5) == 0) key.AddRange(["NULLS", Pick(r, ["FIRST", "LAST"])]);
                keys.Add(key);
            }
            tokens.AddRange(Join(keys));
        }
        if (r.Next(3) == 0)
        {
            tokens.AddRange(["LIMIT", Pick(r, ["1", "2", "3", "-1"])]);
            if (r.Next(2) == 0) tokens.AddRange(["OFFSET", Pick(r, ["0", "1", "2"])]);
        }
        tokens.Add(";");
        return tokens;
    }

    /// <summary>A subquery on table <c>q</c> (an alias, so the enclosing table's name reaches out), correlated to
    /// <paramref name="outer"/> when it is given.</summary>
    List<string> Subquery(Random r, string? outer, bool oneColumn, string? avoid = null)
    {
        string table = QueryTable(r);
        // DELETE and UPDATE whose WHERE reads their own table in a subquery are refused (SQLite may read it live).
        if (table == avoid) table = _tables.Keys.OrderBy(k => k, StringComparer.Ordinal).First(k => k != avoid);
        var tokens = new List<string> { "(", "SELECT" };
        int shape = r.Next(4);
        if (shape == 0) tokens.AddRange([Pick(r, ["count", "max", "min", "sum", "total"]), "(", QueryColumn(r, table, "q"), ")"]);
        else if (shape == 1 && !oneColumn) tokens.AddRange(["1"]);
        else tokens.Add(QueryColumn(r, table, "q"));
        tokens.AddRange(["FROM", table, "AS", "q"]);
        if (outer != null && r.Next(4) > 0)
            tokens.AddRange(["WHERE", QueryColumn(r, table, "q"), Pick(r, ComparisonOperators), QueryColumn(r, outer, outer)]);
        else if (r.Next(3) == 0)
            tokens.AddRange(["WHERE", QueryColumn(r, table, "q"), Pick(r, ComparisonOperators), .. QueryLiteral(r)]);
        if (shape >= 2 && r.Next(2) == 0)
        {
            tokens.AddRange(["ORDER", "BY", "1"]);
            if (r.Next(2) == 0) tokens.Add("DESC");
        }
        if (shape >= 2 && r.Next(4) == 0) tokens.AddRange(["LIMIT", Pick(r, ["1", "2", "0"])]);
        tokens.Add(")");
        return tokens;
    }

    /// <summary>A predicate with a subquery: [NOT] EXISTS, +column [NOT] IN, or column compared with a scalar one.</summary>
    List<string> SubqueryPredicate(Random r, string table, string? avoid = null)
    {
        string? outer = r.Next(3) > 0 ? table : null;
        return r.Next(3) switch
        {
            0 => [.. (r.Next(2) == 0 ? new[] { "NOT" } : []), "EXISTS", .. Subquery(r, outer, false, avoid)],
            1 => ["+" + QueryColumn(r, table), .. (r.Next(3) == 0 ? new[] { "NOT" } : []), "IN", .. Subquery(r, outer, true, avoid)],
            _ => ["+" + QueryColumn(r, table), Pick(r, ComparisonOperators), .. Subquery(r, outer, true, avoid)],
        };
    }

    List<string> SubquerySelect(Random r)
    {
        string table = QueryTable(r);
        var tokens = new List<string> { "SELECT", QueryColumn(r, table) };
        if (r.Next(3) > 0) tokens.AddRange([",", .. Subquery(r, r.Next(3) > 0 ? table : null, true)]);
        if (r.Next(6) == 0) tokens.AddRange([",", .. Subquery(r, table, r.Next(10) > 0)]);
        tokens.AddRange(["FROM", table]);
        if (r.Next(3) > 0) tokens.AddRange(["WHERE", .. SubqueryPredicate(r, table)]);
        if (r.Next(3) == 0) tokens.AddRange(["ORDER", "BY", Pick(r, ["1", "2"]), Pick(r, ["ASC", "DESC"])]);
        tokens.Add(";");
        return tokens;
    }

    List<string> InsertSelect(Random r)
    {
        string target = QueryTable(r), source = QueryTable(r);
        var tokens = new List<string> { "INSERT" };
        if (r.Next(3) == 0) tokens.AddRange(["OR", Pick(r, ["IGNORE", "REPLACE"])]);
        tokens.AddRange(["INTO", target]);
        int width = _tables[target].Count;
        if (r.Next(4) == 0)
        {
            tokens.AddRange(["SELECT", "*", "FROM", source]);
        }
        else
        {
            // Mostly as many columns as the target has, now and then one more (SQLite's count error).
            if (r.Next(20) == 0) width++;
            var items = new List<List<string>>();
            for (int i = 0; i < width; i++) items.Add(r.Next(4) > 0 ? [QueryColumn(r, source)] : QueryLiteral(r));
            tokens.Add("SELECT");
            tokens.AddRange(Join(items));
            tokens.AddRange(["FROM", source]);
            if (r.Next(2) == 0) tokens.AddRange(["WHERE", "+" + QueryColumn(r, source), Pick(r, ComparisonOperators), .. QueryLiteral(r)]);
            if (r.Next(3) == 0) tokens.AddRange(["LIMIT", Pick(r, ["1", "2", "3"])]);
        }
        tokens.Add(";");
        return tokens;
    }

    List<string> SubqueryUpdate(Random r)
    {
        string table = QueryTable(r);
        var columns = _tables[table].Where(c => !c.PrimaryKey).ToList();
        if (columns.Count == 0) return SubqueryDelete(r);
        var tokens = new List<string> { "UPDATE", table, "SET", columns[r.Next(columns.Count)].Name, "=" };
        tokens.AddRange(Subquery(r, r.Next(2) == 0 ? table : null, true));
        if (r.Next(2) == 0 && _tables.Count > 1) tokens.AddRange(["WHERE", .. SubqueryPredicate(r, table, table)]);
        tokens.Add(";");
        return tokens;
    }

    List<string> SubqueryDelete(Random r)
    {
        string table = QueryTable(r);
        var tokens = new List<string> { "DELETE", "FROM", table };
        if (_tables.Count > 1) tokens.AddRange(["WHERE", .. SubqueryPredicate(r, table, table)]);
        tokens.Add(";");
        return tokens;
    }
}
