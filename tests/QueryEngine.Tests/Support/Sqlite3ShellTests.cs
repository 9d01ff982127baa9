namespace FastDb.QueryEngine.Tests.Support;

/// <summary>The oracle runner itself must be right before anything is judged by it.</summary>
public class Sqlite3ShellTests
{
    [RequiresSqlite3Fact]
    public void Runs_a_script_and_reports_stdout_stderr_and_exit_code_like_the_shell()
    {
        var result = Sqlite3Shell.Run(
            "CREATE TABLE t(a INT PRIMARY KEY);\nINSERT INTO t VALUES(1); INSERT INTO t VALUES(1);\nSELECT * FROM t;\n");
        Assert.Equal(new ShellResult("1\n", "Runtime error near line 2: UNIQUE constraint failed: t.a (19)\n", 1), result);
    }

    [RequiresSqlite3Fact]
    public void Each_run_gets_a_fresh_database()
    {
        Assert.Equal(0, Sqlite3Shell.Run("CREATE TABLE t(a);").ExitCode);
        Assert.Equal(new ShellResult("", "", 0), Sqlite3Shell.Run("CREATE TABLE t(a);"));
    }

    [RequiresSqlite3Fact]
    public void A_named_database_file_keeps_its_state_between_runs()
    {
        using var db = new TempDatabaseFile();
        Sqlite3Shell.Run("CREATE TABLE t(a); INSERT INTO t VALUES('x');", db.Path);
        Assert.Equal(new ShellResult("x\n", "", 0), Sqlite3Shell.Run("SELECT * FROM t;", db.Path));
    }

    [Fact]
    public void The_diff_names_the_first_differing_line_and_shows_invisible_characters()
    {
        var report = OracleAssert.Describe(new ShellResult("a\nb \n", "", 0), new ShellResult("a\nb\n", "x\n", 1));
        Assert.NotNull(report);
        Assert.Contains("exit code: sqlite3 0, engine 1", report);
        Assert.Contains("stdout differs at line 2:", report);
        Assert.Contains("«b »", report);
        Assert.Contains("stderr differs at line 1:", report);
        Assert.Null(OracleAssert.Describe(new ShellResult("a", "b", 1), new ShellResult("a", "b", 1)));
    }
}
