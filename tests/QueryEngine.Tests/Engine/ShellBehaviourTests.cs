namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>The engine's answers for scripts whose sqlite3 3.40.1 output was captured by hand (inline, so these run
/// where sqlite3 is absent).</summary>
public class ShellBehaviourTests
{
    internal const string Boot = CtfWorkload.BootScript;

    internal const string BootMultiRow =
        "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\nfavoriteWord CHAR(15) DEFAULT \"\");\n" +
        "INSERT INTO ctf3 (name) VALUES (\"siddarth\"), (\"gdb\"), (\"christian\"), (\"andy\"), (\"carl\");";

    private const string AlreadyExists =
        "Parse error near line 1: table ctf3 already exists\n" +
        "  CREATE TABLE ctf3 (name STRING PRIMARY KEY, friendCount INT DEFAULT 0, request\n" +
        "               ^--- error here\n";

    private static ExecutionResult Run(string script) => new Database().Execute(script);

    private static void AssertResult(ExecutionResult r, string stdout, string stderr, int exit)
    {
        Assert.Equal(stdout, r.Stdout);
        Assert.Equal(stderr, r.Stderr);
        Assert.Equal(exit, r.ExitCode);
    }

    [Theory]
    [InlineData(Boot)]
    [InlineData(BootMultiRow)]
    public void Boot_script_twice_reports_the_existing_table_then_the_unique_failure(string boot)
    {
        var db = new Database();
        AssertResult(db.Execute(SqlCommand.RecognizeRequest(boot)), "", "", 0);
        var second = db.Execute(SqlCommand.RecognizeRequest(boot));
        AssertResult(second, "", AlreadyExists + "Runtime error near line 6: UNIQUE constraint failed: ctf3.name (19)\n", 1);
        Assert.Equal(second.Stderr, second.Body);
        AssertResult(db.Execute("SELECT * FROM ctf3;"), "siddarth|0|0|\ngdb|0|0|\nchristian|0|0|\nandy|0|0|\ncarl|0|0|\n", "", 0);
    }

    [Fact]
    public void Ctf_update_changes_one_row_and_prints_all()
    {
        var db = new Database();
        db.Execute(Boot);
        var r = db.Execute(SqlCommand.RecognizeRequest("UPDATE ctf3 SET friendCount=friendCount+5, requestCount=requestCount+1, favoriteWord=\"abcdefghijkmnpq\" WHERE name=\"gdb\"; SELECT * FROM ctf3;"));
        AssertResult(r, "siddarth|0|0|\ngdb|5|1|abcdefghijkmnpq\nchristian|0|0|\nandy|0|0|\ncarl|0|0|\n", "", 0);
    }

    [Fact]
    public void A_failing_statement_skips_the_rest_of_its_line_but_not_the_next_lines()
    {
        var r = Run("CREATE TABLE t(a INT PRIMARY KEY);\nINSERT INTO t VALUES(1); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2);\nSELECT * FROM t;\n");
        AssertResult(r, "1\n", "Runtime error near line 2: UNIQUE constraint failed: t.a (19)\n", 1);
        Assert.Equal("Runtime error near line 2: UNIQUE constraint failed: t.a (19)\n", r.Body);
    }

    [Theory]
    [InlineData("SELECT 'abc", "Parse error near line 1: unrecognized token: \"'abc\"\n  SELECT 'abc\n         ^--- error here\n")]
    [InlineData("SELECT 1 +;", "Parse error near line 1: near \";\": syntax error\n  SELECT 1 +;\n            ^--- error here\n")]
    [InlineData("SELEC 1;", "Parse error near line 1: near \"SELEC\": syntax error\n  SELEC 1;\n  ^--- error here\n")]
    [InlineData("SELECT * FROM nope;", "Parse error near line 1: no such table: nope\n")]
    [InlineData("SELECT (1", "Parse error near line 1: incomplete input\n")]
    [InlineData("CREATE TABLE t(a,b); SELECT c FROM t;", "Parse error near line 1: no such column: c\n  SELECT c FROM t;\n         ^--- error here\n")]
    [InlineData("CREATE TABLE t(a,b); INSERT INTO t VALUES(1);", "Parse error near line 1: table t has 2 columns but 1 values were supplied\n")]
    [InlineData("CREATE TABLE t(a,b); INSERT INTO t(c) VALUES(1);", "Parse error near line 1: table t has no column named c\n")]
    [InlineData("CREATE TABLE t(a NOT NULL); INSERT INTO t VALUES(NULL);", "Runtime error near line 1: NOT NULL constraint failed: t.a (19)\n")]
    [InlineData("SELECT abs(-9223372036854775808);", "Runtime error near line 1: integer overflow\n")]
    [InlineData("SELECT 1 LIMIT 1.5;", "Runtime error near line 1: datatype mismatch (20)\n")]
    [InlineData("SELECT coalesce(1);", "Parse error near line 1: wrong number of arguments to function coalesce()\n  SELECT coalesce(1);\n         ^--- error here\n")]
    [InlineData("SELECT foo(1);", "Parse error near line 1: no such function: foo\n  SELECT foo(1);\n         ^--- error here\n")]
    [InlineData("CREATE TABLE T1(a); create table t1(b);", "Parse error near line 1: table t1 already exists\n  create table t1(b);\n               ^--- error here\n")]
    [InlineData("CREATE TABLE t(a); SELECT a FROM t WHERE count(*)>1;", "Parse error near line 1: misuse of aggregate function count()\n  SELECT a FROM t WHERE count(*)>1;\n                        ^--- error here\n")]
    [InlineData("CREATE TABLE t(a UNIQUE, b UNIQUE); INSERT INTO t VALUES(1,1); INSERT INTO t VALUES(1,1);", "Runtime error near line 1: UNIQUE constraint failed: t.b (19)\n")]
    [InlineData("CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES(\"a\",4);", "Runtime error near line 1: datatype mismatch (20)\n")]
    public void Errors_match_the_shell(string script, string stderr)
    {
        AssertResult(Run(script), "", stderr, 1);
    }

    [Fact]
    public void Long_statements_are_clipped_and_the_caret_moves_to_the_right_form()
    {
        // offset >= 25: "error here ---^"; the statement is shifted so the offset is at most 50 and clipped to 78 bytes.
        string script = "SELECT 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 +;";
        var r = Run(script);
        Assert.Equal(
            "Parse error near line 1: near \";\": syntax error\n" +
            "  8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 +;\n" +
            "                                      error here ---^\n", r.Stderr);
    }

    [Fact]
    public void Reals_use_percent_bang_15g()
    {
        var r = Run("SELECT 9223372036854775807+1, 9223372036854775808, -9223372036854775808, 1e15, 1.0, 0.1, -0.0, 1/0, 7/2, 7%0, 2.5%2, 1e300*1e300, -1e300*1e300, 1.5e-7, 123456789012345678;");
        AssertResult(r, "9.22337203685478e+18|9.22337203685478e+18|-9223372036854775808|1.0e+15|1.0|0.1|0.0||3||0.0|Inf|-Inf|1.5e-07|123456789012345678\n", "", 0);
    }

    [Fact]
    public void Affinity_converts_stored_values_as_sqlite_does()
    {
        var r = Run("CREATE TABLE t(a NUMERIC, b INT, c TEXT, d REAL, e); INSERT INTO t VALUES(\"1e2\",\"1.0\",\" 12 \",\"3\",5); INSERT INTO t VALUES(1.5, 2.0, 1.5, 3, \"x\"); SELECT typeof(a),a,typeof(b),b,typeof(c),c,typeof(d),d,typeof(e),e FROM t;");
        AssertResult(r, "integer|100|integer|1|text| 12 |real|3.0|integer|5\nreal|1.5|integer|2|text|1.5|real|3.0|text|x\n", "", 0);
    }

    [Fact]
    public void Double_quoted_names_are_columns_when_they_exist_and_strings_otherwise()
    {
        var r = Run("CREATE TABLE t(name, w); INSERT INTO t VALUES('a', 'b'); UPDATE t SET w=\"name\"; SELECT * FROM t; UPDATE t SET w=\"nome\"; SELECT * FROM t;");
        AssertResult(r, "a|a\na|nome\n", "", 0);
    }

    [Fact]
    public void Scan_order_follows_rowid_or_the_unique_index_driving_a_range()
    {
        var r = Run("CREATE TABLE t(a UNIQUE, b); INSERT INTO t VALUES(\"b\",1),(\"a\",2),(NULL,3),(\"c\",4),(NULL,5); SELECT * FROM t WHERE b > 0 AND a < \"z\"; SELECT * FROM t ORDER BY a; SELECT * FROM t;");
        AssertResult(r, "a|2\nb|1\nc|4\n|3\n|5\na|2\nb|1\nc|4\nb|1\na|2\n|3\nc|4\n|5\n", "", 0);
    }

    [Fact]
    public void Insert_or_replace_moves_the_row_to_the_end_and_integer_primary_key_is_the_rowid()
    {
        var r = Run("CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE); INSERT INTO t VALUES(1,\"x\"),(2,\"y\"); INSERT OR REPLACE INTO t(a) VALUES(\"y\"); SELECT rowid,* FROM t; INSERT OR REPLACE INTO t VALUES(1,\"y\"); SELECT rowid, * FROM t;");
        AssertResult(r, "1|1|x\n3|3|y\n1|1|y\n", "", 0);
    }

    [Fact]
    public void Count_with_bare_columns_takes_the_first_matching_row()
    {
        var r = Run("CREATE TABLE t(a); INSERT INTO t VALUES(1),(2),(3); SELECT a, count(*) FROM t; SELECT a, count(*) FROM t WHERE a>1; SELECT count(a), count() FROM t;");
        AssertResult(r, "1|3\n2|2\n3|3\n", "", 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\t\n-- only comments\n/* more */\n")]
    [InlineData(";;;")]
    public void Empty_scripts_print_nothing(string script) => AssertResult(Run(script), "", "", 0);

    [Fact]
    public void Multi_line_chunks_report_the_line_they_started_on()
    {
        var r = Run("SELECT 1;\n\n\n   SELECT 2; SELECT x;\nSELECT 3;");
        AssertResult(r, "1\n2\n3\n", "Parse error near line 4: no such column: x\n  SELECT x;\n         ^--- error here\n", 1);
    }

    [Fact]
    public void Unsupported_constructs_are_refused_by_name()
    {
        var r = Run("CREATE TABLE a(x); SELECT * FROM a RIGHT JOIN a;");
        AssertResult(r, "", "Parse error near line 1: FastDb does not support RIGHT and FULL JOIN\n", 1);
    }

    [Fact]
    public void A_failed_multi_row_insert_leaves_no_rows()
    {
        var r = Run("CREATE TABLE t(a UNIQUE, b);\nINSERT INTO t VALUES(1,1),(2,2),(1,3);\nSELECT count(*) FROM t;");
        AssertResult(r, "0\n", "Runtime error near line 2: UNIQUE constraint failed: t.a (19)\n", 1);
    }
}
