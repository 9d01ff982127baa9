using System.Globalization;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// CHECK constraints, from a random stream of their own, at the end of a script (never a clean one: they fail
/// statements): a table ck(id INTEGER PRIMARY KEY, a, b, c) with one to three CHECKs drawn from templates (comparisons,
/// BETWEEN, IN, LIKE, IS NULL, length(), typeof(), abs(), arithmetic, CASE, a bare column), on a column or the table,
/// named or not, beside NOT NULL and UNIQUE sometimes; then INSERT [OR IGNORE | OR REPLACE] of several rows (values of
/// every type, some failing, one that makes abs() overflow), UPDATE, an upsert, INSERT ... SELECT, sometimes a RENAME
/// COLUMN (the CHECKs' text rewritten) and a row after it, and the rows. The
/// table is dropped again so later scripts never see it.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _checkRandom;
    readonly HashSet<int> _checkStatements = [];

    Random CheckRandom => _checkRandom ??= new Random(unchecked(_seed * 67867967 + 23));

    static readonly string[] CheckTemplates =
    [
        "a > 0", "a >= 2", "a <> 3", "a BETWEEN 0 AND 10", "a IS NULL OR a < 5", "b IN ('x', 'y', 'abc')", "length(b) < 4",
        "typeof(a) = 'integer'", "a + c > 0", "c IS NOT NULL", "b LIKE 'a%'", "a", "CASE WHEN a > 2 THEN b IS NOT NULL ELSE 1 END",
        "abs(a) < 10", "a * 2 < c", "b <> c", "id > 1", "id <> a", "coalesce(c, 0) >= 0", "NOT (a = 1 AND b = 'x')",
    ];

    void AddCheckConstraints(List<List<string>> list)
    {
        var r = CheckRandom;
        if (Clean || r.Next(100) >= 20) return;
        void Add(List<string> tokens)
        {
            _checkStatements.Add(list.Count);
            list.Add(tokens);
        }
        // A template as tokens: split on spaces (the literals in them hold none).
        static List<string> Tokens(string text) => [.. text.Replace("(", " ( ").Replace(")", " ) ").Replace(",", " , ").Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        var checks = new List<string>();
        for (int i = 0, n = 1 + r.Next(3); i < n; i++) checks.Add(Pick(r, CheckTemplates));
        // Each CHECK on a column (0-3: id, a, b, c) or the table (4), named (CONSTRAINT ckN) or not.
        var placed = new List<(int Where, string Check, string? Name)>();
        for (int i = 0; i < checks.Count; i++) placed.Add((r.Next(5), checks[i], r.Next(3) == 0 ? "ck" + i.ToString(CultureInfo.InvariantCulture) : null));
        List<string> Constraint((int Where, string Check, string? Name) c) =>
            [.. c.Name == null ? [] : new[] { "CONSTRAINT", c.Name }, "CHECK", "(", .. Tokens(c.Check), ")"];
        bool unique = r.Next(3) == 0, notNull = r.Next(4) == 0;
        Add(["DROP", "TABLE", "IF", "EXISTS", "ck", ";"]);
        var create = new List<string> { "CREATE", "TABLE", "ck", "(", "id", "INTEGER", "PRIMARY", "KEY" };
        foreach (var c in placed.Where(c => c.Where == 0)) create.AddRange(Constraint(c));
        create.AddRange([",", "a", Pick(r, ["INT", "INTEGER", "REAL", "NUMERIC", ""])]);
        if (notNull) create.AddRange(["NOT", "NULL"]);
        foreach (var c in placed.Where(c => c.Where == 1)) create.AddRange(Constraint(c));
        create.AddRange([",", "b", "TEXT"]);
        if (unique) create.Add("UNIQUE");
        foreach (var c in placed.Where(c => c.Where == 2)) create.AddRange(Constraint(c));
        create.AddRange([",", "c"]);
        foreach (var c in placed.Where(c => c.Where == 3)) create.AddRange(Constraint(c));
        foreach (var c in placed.Where(c => c.Where == 4)) create.AddRange([",", .. Constraint(c)]);
        create.AddRange([")", ";"]);
        Add(create);
        string[] aValues = ["-1", "0", "1", "2", "5", "12", "NULL", "'3'", "2.5", "'x'"];
        string[] bValues = ["'x'", "'y'", "'abc'", "'toolong'", "NULL", "'a1'"];
        string[] cValues = ["0", "1", "NULL", "'q'", "3.5", "-4"];
        List<string> Row()
        {
            // Now and then the smallest integer, whose abs() overflows inside a CHECK.
            string a = r.Next(25) == 0 ? "-9223372036854775808" : Pick(r, aValues);
            return ["(", a, ",", Pick(r, bValues), ",", Pick(r, cValues), ")"];
        }
        for (int q = 0, n = 4 + r.Next(6); q < n; q++)
        {
            switch (r.Next(6))
            {
                case 0: case 1:
                {
                    var insert = new List<string> { "INSERT" };
                    insert.AddRange(r.Next(3) switch { 0 => ["OR", "IGNORE"], 1 => r.Next(2) == 0 ? ["OR", "REPLACE"] : [], _ => [] });
                    insert.AddRange(["INTO", "ck", "(", "a", ",", "b", ",", "c", ")", "VALUES"]);
                    for (int i = 0, rows = 1 + r.Next(3); i < rows; i++)
                    {
                        if (i > 0) insert.Add(",");
                        insert.AddRange(Row());
                    }
                    insert.Add(";");
                    Add(insert);
                    break;
                }
                case 2:
                {
                    var update = new List<string> { "UPDATE", "ck", "SET", Pick(r, ["a", "c"]), "=", Pick(r, ["a", "c"]), Pick(r, ["+", "-", "*"]), Pick(r, ["1", "2", "3"]) };
                    if (r.Next(2) == 0) update.AddRange(["WHERE", "id", Pick(r, ["<", ">", "="]), (1 + r.Next(4)).ToString(CultureInfo.InvariantCulture)]);
                    update.Add(";");
                    Add(update);
                    break;
                }
                case 3 when unique:
                    Add(["INSERT", "INTO", "ck", "(", "a", ",", "b", ",", "c", ")", "VALUES", .. Row(), "ON", "CONFLICT", "(", "b", ")", "DO",
                        .. r.Next(3) == 0 ? new[] { "NOTHING" } : ["UPDATE", "SET", "a", "=", "excluded.a", ",", "c", "=", "excluded.c"], ";"]);
                    break;
                case 4:
                    Add(["INSERT", .. r.Next(2) == 0 ? new[] { "OR", "IGNORE" } : [], "INTO", "ck", "(", "a", ",", "b", ",", "c", ")", "SELECT", "a", "+", "1", ",", "b", ",", "c", "FROM", "ck", ";"]);
                    break;
                default:
                    Add(["SELECT", "id", ",", "a", ",", "b", ",", "c", "FROM", "ck", ";"]);
                    break;
            }
        }
        // RENAME COLUMN rewrites the CHECKs that name the column; the failures then name the new text.
        if (r.Next(3) == 0)
        {
            string renamed = Pick(r, ["a", "b", "c"]), to = Pick(r, ["a2", "\"a b\"", "x"]);
            Add(["ALTER", "TABLE", "ck", "RENAME", "COLUMN", renamed, "TO", to, ";"]);
            Add(["SELECT", "sql", "FROM", "sqlite_master", "WHERE", "name", "=", "'ck'", ";"]);
            Add(["INSERT", "INTO", "ck", "VALUES", "(", "NULL", ",", .. Row()[1..^1], ")", ";"]);
        }
        Add(["SELECT", "*", "FROM", "ck", ";"]);
        Add(["DROP", "TABLE", "ck", ";"]);
    }
}
