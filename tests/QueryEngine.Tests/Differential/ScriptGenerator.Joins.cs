namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Two-table joins, drawn from a random stream of their own (so the statements every other stream draws stay as they
/// were): INNER / LEFT / CROSS / comma joins with ON (an equality, sometimes with a term on the outer table) or
/// USING, qualified columns, *, WHERE on the outer table, aggregates with and without GROUP BY, DISTINCT, ORDER BY and
/// LIMIT/OFFSET; without ORDER BY the rows come in SQLite's nested-loop order. Only the shapes FastDb plans as SQLite
/// does are drawn: tables without indexes (no UNIQUE, no non-rowid PRIMARY KEY, no CREATE INDEX ever drawn on them),
/// no term on a rowid, no term on the inner table alone.
/// </summary>
public sealed partial class ScriptGenerator
{
    /// <summary>Decides and builds the join queries (and lays them out).</summary>
    Random _joinRandom = null!;
    readonly HashSet<int> _joinStatements = [];

    void InitJoins(int seed) => _joinRandom = new Random(unchecked(seed * 15485863 + 7));

    /// <summary>What any version of a table this script drew had: an index, and the names of rowid aliases. A
    /// statement that failed (a garbled DROP, a CREATE of a table that exists) leaves the real schema at an earlier
    /// version than <see cref="_tables"/>, so joins stay off everything any version had.</summary>
    readonly HashSet<string> _everIndexed = [];
    readonly Dictionary<string, HashSet<string>> _everRowid = [];

    /// <summary>Called after each statement is drawn.</summary>
    void NoteSchema()
    {
        foreach (var (table, columns) in _tables)
        {
            if (columns.Any(c => c.Unique || (c.PrimaryKey && !c.IsRowid) || _indexed.Contains(c))) _everIndexed.Add(table);
            if (!_everRowid.TryGetValue(table, out var names)) _everRowid[table] = names = new(StringComparer.OrdinalIgnoreCase);
            foreach (var c in columns) if (c.IsRowid) names.Add(c.Name);
        }
    }

    bool HasIndex(string table) => _everIndexed.Contains(table);

    bool MayBeRowid(string table, Column c) => c.IsRowid || (_everRowid.TryGetValue(table, out var names) && names.Contains(c.Name));

    /// <summary>A join query, or null when fewer than one unindexed live table exists.</summary>
    List<string>? JoinQuery()
    {
        var r = _joinRandom;
        NoteSchema();
        var tables = _tables.Keys.Where(t => !HasIndex(t)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (tables.Count == 0) return null;
        string outer = tables[r.Next(tables.Count)], inner = tables[r.Next(tables.Count)];
        // Columns a term may read: never the rowid alias (SQLite may then seek it).
        List<string> Plain(string alias, string table) =>
            [.. _tables[table].Where(c => !MayBeRowid(table, c)).Select(c => alias + "." + c.Name)];
        var outerPlain = Plain("l", outer);
        var innerPlain = Plain("r", inner);
        // Result columns and ORDER BY keys stay off the rowid alias too: ORDER BY it may change SQLite's loop order.
        var everything = outerPlain.Concat(innerPlain).DefaultIfEmpty("1").ToList();
        string Literal() => r.Next(3) switch
        {
            0 => IntegerLiterals[r.Next(8)],
            1 => RealLiterals[r.Next(4)],
            _ => StringLiterals[r.Next(StringLiterals.Length)],
        };
        List<string> Value(IReadOnlyList<string> columns) => columns.Count == 0 || r.Next(4) == 0
            ? [Literal()]
            : r.Next(4) == 0 ? [columns[r.Next(columns.Count)], Pick(r, ["+", "||", "*"]), Literal()] : [columns[r.Next(columns.Count)]];

        var tokens = new List<string> { "SELECT" };
        int shape = r.Next(10);
        bool aggregate = shape < 3, grouped = shape < 2 && outerPlain.Count + innerPlain.Count > 0;
        string? groupColumn = grouped ? Pick(r, outerPlain.Concat(innerPlain).ToList()) : null;
        if (!aggregate && r.Next(8) == 0) tokens.Add("DISTINCT");
        var items = new List<List<string>>();
        if (!aggregate && shape < 5) items.Add([Pick(r, ["*", "l.*", "r.*"])]);
        else
        {
            for (int i = 0, n = 1 + r.Next(3); i < n; i++)
            {
                if (aggregate && r.Next(3) > 0)
                {
                    string c = Pick(r, everything);
                    items.Add(r.Next(6) switch
                    {
                        0 => ["count", "(", "*", ")"],
                        1 => ["count", "(", c, ")"],
                        2 => ["sum", "(", c, ")"],
                        3 => ["max", "(", c, ")"],
                        4 => ["min", "(", c, ")"],
                        _ => ["group_concat", "(", c, ")"],
                    });
                }
                else items.Add(groupColumn != null && r.Next(2) == 0 ? [groupColumn] : Value(everything));
            }
        }
        tokens.AddRange(Join(items));
        tokens.AddRange(["FROM", outer, "AS", "l"]);
        int kind = r.Next(8);
        bool left = kind < 3;
        tokens.AddRange(kind switch
        {
            < 2 => ["LEFT", "JOIN"],
            < 3 => ["LEFT", "OUTER", "JOIN"],
            < 5 => ["JOIN"],
            < 6 => ["INNER", "JOIN"],
            < 7 => ["CROSS", "JOIN"],
            _ => [","],
        });
        tokens.AddRange([inner, "AS", "r"]);
        var shared = _tables[outer].Where(c => !MayBeRowid(outer, c)).Select(c => c.Name)
            .Intersect(_tables[inner].Where(c => !MayBeRowid(inner, c)).Select(c => c.Name), StringComparer.OrdinalIgnoreCase).ToList();
        bool comma = kind == 7;
        if (!comma && shared.Count > 0 && r.Next(5) == 0) tokens.AddRange(["USING", "(", shared[r.Next(shared.Count)], ")"]);
        else if (!comma && outerPlain.Count > 0 && innerPlain.Count > 0 && r.Next(6) > 0)
        {
            tokens.AddRange(["ON", Pick(r, outerPlain), Pick(r, ["=", "=", "=", "<", ">="]), Pick(r, innerPlain)]);
            if (r.Next(4) == 0) tokens.AddRange(["AND", .. Value(outerPlain), Pick(r, ComparisonOperators), Literal()]);
        }
        // WHERE: on the outer table alone, or comparing the two (never the inner table alone, or the right table of
        // a LEFT JOIN, whose plans FastDb refuses).
        if (outerPlain.Count > 0 && r.Next(3) == 0)
        {
            tokens.Add("WHERE");
            if (!left && innerPlain.Count > 0 && r.Next(2) == 0) tokens.AddRange([Pick(r, outerPlain), Pick(r, ComparisonOperators), Pick(r, innerPlain)]);
            else tokens.AddRange([.. Value(outerPlain), Pick(r, ComparisonOperators), Literal()]);
        }
        if (groupColumn != null) tokens.AddRange(["GROUP", "BY", groupColumn]);
        if (r.Next(3) == 0)
        {
            tokens.AddRange(["ORDER", "BY"]);
            var keys = Enumerable.Range(1, items.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            bool star = items.Any(i => i.Count == 1 && i[0].EndsWith('*'));
            tokens.Add(star || r.Next(2) == 0 ? Pick(r, everything) : Pick(r, keys));
            if (r.Next(2) == 0) tokens.Add(Pick(r, ["ASC", "DESC"]));
        }
        if (r.Next(4) == 0)
        {
            tokens.AddRange(["LIMIT", r.Next(5).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (r.Next(2) == 0) tokens.AddRange(["OFFSET", r.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        tokens.Add(";");
        return tokens;
    }
}
