using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Golden;

/// <summary>
/// Outside the subset the engine must either give sqlite3's exact answer or fail with a Parse error of its own that
/// names the construct: never a wrong result, never an exception.
/// </summary>
public class UnsupportedTests
{
    public static TheoryData<string, string> Constructs() => new()
    {
        { "CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a JOIN b;", "JOIN" },
        // Joins over indexed tables whose plan SQLite picks by cost (JoinPlanner.cs).
        { "CREATE TABLE a(x INT, p); CREATE INDEX ax ON a(x); CREATE TABLE b(y INT, q); CREATE INDEX by ON b(y); INSERT INTO a VALUES(1, 2); INSERT INTO b VALUES(1, 3); SELECT * FROM a JOIN b ON x = y;", "a JOIN on two indexed columns" },
        { "CREATE TABLE a(i INTEGER PRIMARY KEY, x INT); CREATE TABLE b(y INT UNIQUE, q); INSERT INTO a VALUES(1, 2); INSERT INTO b VALUES(1, 3); SELECT * FROM a JOIN b ON i = y WHERE q > 1;", "index lookups and a filter" },
        { "CREATE TABLE a(x INT UNIQUE); CREATE TABLE b(y INT); INSERT INTO a VALUES(1); INSERT INTO b VALUES(1); SELECT * FROM a JOIN b ON x = y WHERE a.x > 0;", "a JOIN term on an indexed column or a rowid" },
        { "CREATE TABLE a(x INT, p); CREATE INDEX ax ON a(x); CREATE TABLE b(i INTEGER PRIMARY KEY); INSERT INTO a VALUES(1, 2); INSERT INTO b VALUES(1); SELECT a.x FROM a JOIN b ON b.i = a.x;", "reads only indexed columns" },
        { "CREATE TABLE a(x INT, p); CREATE TABLE b(i INTEGER PRIMARY KEY, q); INSERT INTO a VALUES(1, 2); INSERT INTO b VALUES(1, 3); SELECT * FROM a JOIN b ON b.i = a.x ORDER BY b.i;", "ORDER BY, GROUP BY or DISTINCT on an indexed column or a rowid in a JOIN" },
        { "CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a, b;", "," },
        { "SELECT (SELECT 1);", "SELECT" },
        { "CREATE TABLE a(x); SELECT x FROM a GROUP BY x;", "GROUP BY" },
        { "CREATE TABLE a(x); SELECT x FROM a GROUP BY x HAVING x > 1;", "GROUP BY" },
        { "SELECT 1 UNION SELECT 2;", "UNION" },
        { "CREATE TABLE a(x); SELECT * FROM (SELECT x FROM a), a;", "subqueries in FROM joined with other tables" },
        { "CREATE TABLE a(x); SELECT * FROM a JOIN (SELECT x FROM a);", "subqueries in FROM joined with other tables" },
        { "SELECT * FROM (VALUES (1));", "VALUES in FROM" },
        { "CREATE TABLE a(x UNIQUE); SELECT x FROM (SELECT x FROM a);", "subquery in FROM over a table with an index" },
        { "CREATE TABLE a(x INTEGER PRIMARY KEY, y); SELECT y FROM (SELECT x, y FROM a) WHERE x = 1;", "INTEGER PRIMARY KEY" },
        { "CREATE TABLE a(x); SELECT r FROM (SELECT random() AS r FROM a);", "call functions" },
        { "CREATE TABLE a(x); SELECT * FROM (SELECT x, sum(x) AS s FROM a GROUP BY x) WHERE s > 1;", "sum()" },
        { "CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM (SELECT x, y FROM a, b) WHERE x = 1;", "joins tables" },
        { "CREATE TABLE a(x); SELECT * FROM (SELECT x FROM a UNION ALL SELECT x FROM a) ORDER BY x;", "UNION ALL" },
        { "CREATE TABLE a(x INT, y TEXT); SELECT * FROM (SELECT x FROM a UNION ALL SELECT y FROM a) WHERE x = 1;", "affinity" },
        { "CREATE TABLE a(x); SELECT * FROM (SELECT x FROM a LIMIT 2) ORDER BY x;", "LIMIT" },
        { "CREATE TABLE a(x, y); SELECT DISTINCT x FROM (SELECT x FROM a ORDER BY y);", "DISTINCT" },
        { "CREATE TABLE a(x); SELECT * FROM (SELECT x FROM a UNION SELECT x FROM a ORDER BY 1 DESC) ORDER BY x;", "compound subquery in FROM" },
        { "CREATE TABLE a(x); SELECT * FROM (SELECT x, x, x, x, x, x FROM a);", "five result columns" },
        { "CREATE TABLE a(x); SELECT (SELECT s.rowid) FROM (SELECT x FROM a) AS s;", "rowid" },
        { "CREATE TABLE a(x UNIQUE); SELECT x FROM a WHERE x IN (SELECT 1);", "IN (subquery)" },
        { "CREATE TABLE a(x UNIQUE); DELETE FROM a WHERE x IN (SELECT x FROM a);", "subquery" },
        { "CREATE TABLE a(x); SELECT (SELECT count(a.x)) FROM a;", "aggregates" },
        { "SELECT 1 UNION VALUES (2);", "VALUES" },
        { "CREATE TABLE a(x); CREATE INDEX i ON a(x);", "INDEX" },
        { "CREATE TABLE a(x); INSERT INTO a VALUES (1); ALTER TABLE a ADD COLUMN y -- note\n;", "comments" },
        { "BEGIN; SELECT 1; COMMIT;", "BEGIN" },
        { "SELECT 1 IN (1, 2);", "IN" },
        { "SELECT 1 BETWEEN 0 AND 2;", "BETWEEN" },
        { "SELECT 'a' LIKE 'A';", "LIKE" },
        { "SELECT CASE WHEN 1 THEN 2 END;", "CASE" },
        { "SELECT CAST('1' AS INTEGER);", "CAST" },
        { "SELECT max(1, 2), min(3, 4);", "max" },
        { "CREATE TABLE a(x); SELECT sum(x) FROM a;", "sum" },
        { "SELECT substr('abc', 2);", "substr" },
        { "SELECT x'41';", "x'" },
        { "SELECT ?;", "?" },
        { "CREATE TABLE a(x); INSERT INTO a SELECT 1;", "SELECT" },
        { "CREATE TABLE a(x); DELETE FROM a RETURNING x;", "RETURNING" },
        // A REAL column's IntReal register passed through unchanged (Executor.Returning.cs).
        { "CREATE TABLE a(x REAL); INSERT INTO a VALUES (3) RETURNING coalesce(x, 0);", "RETURNING" },
        { "CREATE TABLE a(x REAL); INSERT INTO a VALUES (3); UPDATE a SET x = 4 RETURNING CASE WHEN x > 0 THEN x END;", "RETURNING" },
        { "CREATE TABLE a(x REAL); INSERT INTO a VALUES (3) RETURNING (SELECT x);", "RETURNING" },
        { "CREATE TABLE a(x INT); INSERT INTO a VALUES (3) RETURNING (SELECT x + 0), (SELECT x);", "RETURNING" },
        { "CREATE TABLE a(x UNIQUE); INSERT INTO a VALUES (1), (1) ON CONFLICT DO UPDATE SET x = 2 RETURNING (SELECT count(*) FROM a);", "RETURNING" },
        { "CREATE TABLE a(x NOT NULL, y); INSERT INTO a VALUES (1, NULL) RETURNING NOT (y IS NULL);", "RETURNING" },
        { "CREATE TABLE a(x NOT NULL, y); INSERT INTO a VALUES (1, NULL) RETURNING y IN (1, 2);", "RETURNING" },
        { "CREATE TABLE a(x UNIQUE); INSERT INTO a VALUES (1) ON CONFLICT(x) DO NOTHING ON CONFLICT(x) DO NOTHING;", "ON CONFLICT" },
        { "CREATE TABLE a(x CHECK (x > 0));", "CHECK" },
        { "CREATE TABLE a(x, y, PRIMARY KEY(x, y));", "PRIMARY KEY" },
        { "CREATE TEMP TABLE a(x);", "TEMP" },
        { "CREATE TABLE a AS SELECT 1;", "AS" },
        { "PRAGMA table_xinfo(a);", "PRAGMA" },
        { "PRAGMA foreign_key_list(a);", "PRAGMA" },
        { "PRAGMA cache_size;", "PRAGMA" },
        { "SELECT DISTINCT 1;", "DISTINCT" },
        { ".tables", "." },
        { "SELECT (1, 2) = (1, 2);", "row values" },
        { "SELECT (1, 2) IN (SELECT 1, 2);", "row values" },
        { "SELECT count(*) FROM json_each('[1]');", "table-valued functions" },
        { "SELECT * FROM json_tree('{\"a\":[1]}');", "table-valued functions" },
        // Where SQLite's registers hand a json function the JSON subtype that FastDb's values do not carry.
        { "SELECT json_array((SELECT json('[1]')));", "subquery" },
        { "CREATE TABLE a(x); INSERT INTO a VALUES ('[1]'); SELECT json_array(max(json(x))) FROM a;", "max()" },
        { "CREATE TABLE a(x); INSERT INTO a VALUES (json('[1]')) RETURNING json_array(x);", "RETURNING" },
        { "CREATE TABLE a(x UNIQUE, y); INSERT INTO a VALUES (1, 2); INSERT INTO a VALUES (1, json('[2]')) ON CONFLICT DO UPDATE SET y = json_array(excluded.y);", "excluded" },
        // JSON sqlite3 reads garbled, or answers with bytes that are not UTF-8, or overflows its own stack on.
        { "SELECT json('{[\"a\"]:1}');", "label" },
        { "SELECT json_extract('\"\\ud800\"', '$');", "surrogate" },
        { "SELECT length(json_set('{}', '$' || replace(hex(zeroblob(20000)), '00', '.a'), 1));", "json_set" },
        { "SELECT json_array(" + string.Join(", ", Enumerable.Repeat("1", 128)) + ");", "127 arguments" },
        { "SELECT 1 FROM pragma_table_info('t');", "table-valued functions" },
        { "CREATE TABLE c(a, id INTEGER PRIMARY KEY); INSERT INTO c SELECT 1, 70 UNION ALL SELECT last_insert_rowid(), 80;", "last_insert_rowid()" },
        { "SELECT printf('%.1s', 'éé');", "printf" },
        { "SELECT printf('%.3q', 'ééé');", "printf" },
        { "SELECT X'FF';", "UTF-8" },
        { "SELECT upper(X'C328');", "UTF-8" },
        { "CREATE TABLE a(x, y); CREATE INDEX i ON a(x); INSERT INTO a VALUES (1, 1), (1, 2); SELECT y FROM a ORDER BY x DESC, x LIMIT 1;", "ORDER BY" },
        // likely() and friends where SQLite's planner sees through them (LikelyFunctions.cs).
        { "CREATE TABLE a(x INT UNIQUE, y); INSERT INTO a VALUES (2, 1), (1, 2); SELECT y FROM a WHERE likely(x > 0);", "likely()" },
        { "CREATE TABLE a(x, y); CREATE INDEX i ON a(x); INSERT INTO a VALUES (2, 1), (1, 2); SELECT y FROM a WHERE unlikely(y > 0) ORDER BY x;", "unlikely()" },
        { "CREATE TABLE a(x, y); CREATE INDEX i ON a(x); INSERT INTO a VALUES (2, 1), (1, 2); SELECT y FROM a ORDER BY likely(x);", "likely()" },
        { "CREATE TABLE a(x, y); CREATE INDEX i ON a(x); INSERT INTO a VALUES (2, 1), (2, 2); SELECT max(likely(x)), y FROM a;", "likely()" },
        { "CREATE TABLE a(x, y); CREATE INDEX i ON a(x); INSERT INTO a VALUES (2, 1), (1, 2); SELECT DISTINCT likely(x) FROM a;", "likely()" },
        { "CREATE TABLE a(x UNIQUE, y); INSERT INTO a VALUES (2, 1), (1, 2); DELETE FROM a WHERE likelihood(x > 0, 0.5) RETURNING y;", "likelihood()" },
        { "CREATE TABLE a(x, y); INSERT INTO a VALUES (2, 1), (1, 2); UPDATE a SET y = 0 WHERE likely(rowid = 2);", "rowid" },
        { "CREATE TABLE a(x INTEGER PRIMARY KEY, y); INSERT INTO a VALUES (2, 1), (1, 2); SELECT y FROM a WHERE likely(x = 2);", "rowid" },
        { "CREATE TABLE a(x); CREATE TABLE b(y); INSERT INTO a VALUES (1); INSERT INTO b VALUES (1); SELECT * FROM a JOIN b ON likely(x = y);", "join" },
        { "CREATE TABLE a(x); CREATE TABLE b(y); INSERT INTO a VALUES (1); INSERT INTO b VALUES (1); SELECT * FROM a, b WHERE unlikely(x = y);", "join" },
        { "CREATE TABLE a(x UNIQUE); INSERT INTO a VALUES (1); SELECT * FROM (SELECT x FROM a) WHERE likely(x = 1);", "subquery" },
        // Functions of the shell that reach outside SQL, or are not ported (ExtensionFunctions.cs for those that are).
        { "SELECT readfile('/etc/hostname');", "readfile()" },
        { "SELECT usleep(1);", "usleep()" },
        { "SELECT load_extension('nonexistent');", "load_extension()" },
        { "SELECT sqlite_log(1, 'x');", "sqlite_log()" },
        { "SELECT lsmode(16877);", "lsmode()" },
        { "SELECT sha3_query('SELECT 1');", "sha3_query()" },
        { "SELECT regexp('a', 'b'), 'b' REGEXP 'a';", "regexp()" },
        { "SELECT regexpi('a', 'B');", "regexpi()" },
        { "SELECT decimal('1.5'), decimal_add('1', '2');", "decimal()" },
        { "SELECT decimal_sum(1);", "decimal_sum()" },
        { "SELECT sqlite_compileoption_used('SOUNDEX');", "sqlite_compileoption_used()" },
        { "SELECT sqlite_compileoption_get(0);", "sqlite_compileoption_get()" },
        { "SELECT sqlar_compress('x'), sqlar_uncompress('x', 1);", "sqlar_compress()" },
        { "SELECT fts5_source_id(), rtreedepth(x'');", "fts5_source_id()" },
        { "SELECT shell_idquote('x');", "shell_idquote()" },
        { "SELECT subtype(1);", "subtype()" },
    };

    /// <summary>Refusals the shell must not be asked to compare with: it would open an editor, write a file, or
    /// never return (ieee754 of the mantissa -2^63 loops forever in 3.40.1).</summary>
    [Theory]
    [InlineData("SELECT edit('x', 'true');", "Parse error near line 1: FastDb does not support the function edit()")]
    [InlineData("SELECT writefile('/tmp/fastdb-should-not-exist', 'x');", "Parse error near line 1: FastDb does not support the function writefile()")]
    [InlineData("SELECT zipfile('a', 'b');", "Parse error near line 1: FastDb does not support the function zipfile()")]
    [InlineData("SELECT ieee754(-9223372036854775808, 1);", "Runtime error near line 1: FastDb does not support ieee754() of the mantissa -9223372036854775808 (sqlite3 3.40.1 never returns from it)")]
    [InlineData("SELECT ieee754('-9223372036854775808', NULL);", "Runtime error near line 1: FastDb does not support ieee754() of the mantissa -9223372036854775808 (sqlite3 3.40.1 never returns from it)")]
    public void Engine_refuses_what_the_shell_cannot_be_asked(string script, string stderrStart)
    {
        var engine = OracleAssert.RunEngine(script);
        Assert.Equal(1, engine.ExitCode);
        Assert.Equal("", engine.Stdout);
        Assert.StartsWith(stderrStart, engine.Stderr, StringComparison.Ordinal);
    }

    [RequiresSqlite3Theory]
    [MemberData(nameof(Constructs))]
    public void Engine_is_right_or_refuses_with_a_parse_error(string script, string construct)
    {
        var engine = OracleAssert.RunEngine(script);
        // A refusal: a Parse error (or, for a shell dot-command, the shell's own "Error: " form), nothing on stdout.
        var refusal = engine.Stderr.StartsWith("Parse error near line 1: ", StringComparison.Ordinal)
                      || (script.StartsWith('.') && engine.Stderr.StartsWith("Error: ", StringComparison.Ordinal));
        if (engine.ExitCode == 1 && engine.Stdout.Length == 0 && refusal && engine.Stderr.EndsWith('\n'))
        {
            // A refusal must say what it refuses (the construct's keyword), unless it is sqlite3's own message.
            if (Sqlite3Shell.Run(script) == engine) return;
            Assert.True(engine.Stderr.Contains(construct, StringComparison.OrdinalIgnoreCase) || engine.Stderr.Contains("FastDb", StringComparison.Ordinal),
                $"refusal should name the unsupported construct '{construct}': {engine.Stderr}");
            return;
        }
        OracleAssert.Equal(Sqlite3Shell.Run(script), engine, script, $"unsupported construct {construct}: answered, so it must be sqlite3's answer");
    }
}
