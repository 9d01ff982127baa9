using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>date, time, datetime, julianday, unixepoch and strftime against the real shell over literal times and
/// stored values (every parser form, modifier and format of date.c 3.40.1, and their NULLs); 'now' fixed by
/// <see cref="Database.FixNow"/>; the time-zone modifiers refused by name.</summary>
public class DateTimeFunctionTests
{
    const string Script =
        "SELECT strftime(), typeof(date()), typeof(julianday()), date('2023-02-31'), datetime('-0001-01-01'), date(2451545), date('2451545'), datetime(0,'unixepoch');\n" +
        "SELECT julianday('2000-01-01 12:00'), unixepoch('1970-01-02'), strftime('%W %j %w %s %f %J %Y %%','2024-03-05 10:11:12.345'), date('2024-01-31','+1 month'), time('12:34');\n" +
        "SELECT datetime('2024-01-01T10:00:00Z'), datetime('2024-01-01 10:00+02:00'), date('now') = date(), strftime('%q','2000-01-01'), date('2000-01-01','weekday 0');\n" +
        "SELECT date('2000-01-01','start of month','+1.5 days'), datetime('2000-01-01','-01:30'), time('24:00'), date(NULL), date('x'), date(5373484.4), date(5373484.5);\n" +
        "SELECT datetime(1e10,'unixepoch'), datetime('2000-01-01', 'auto'), datetime(1700000000, 'auto'), julianday(2451545, 'julianday'), strftime('%Y', '-0001-01-01');\n" +
        "SELECT datetime('2024-02-29', '+1 year'), datetime('2024-02-29', '-1 years'), datetime('2024-03-31', '-1 month'), datetime('2024-01-01', '+13 months'), datetime('2024-01-01', '-13 months');\n" +
        "SELECT datetime('2024-01-01 23:59:59.9999'), strftime('%f', '2024-01-01 23:59:59.9999'), julianday('2024-01-01 00:00:00.5'), datetime(2460000.123456789), strftime('%s', 2460000.5);\n" +
        "SELECT date('2024-01-01', '+1.25 years'), date('2024-01-15', '+0.5 months'), datetime('2024-01-01', '+90 minutes', '-30 seconds'), datetime('2024-01-01', '+1 hours', 'start of day');\n" +
        "SELECT date(' 2024-01-01'), date('2024-1-01'), date('2024-01-01 '), time('10:00:00 +05:00'), time('10:00:00Z junk'), datetime('2024-01-01T  10:00'), date('2024-13-01'), date('0000-00-00');\n" +
        "SELECT strftime('%H:%M:%S %d/%m/%Y', 1700000000, 'unixepoch'), strftime('%j', '2024-12-31'), strftime('%W', '2024-01-01'), strftime('%W', '2023-01-01'), strftime('%w', '2023-01-01'), unixepoch('2038-01-19 03:14:08');\n" +
        "SELECT date(2451545.5, 'weekday 3'), date('2024-03-10', 'weekday 7'), date('2024-03-10', 'weekday 1.5'), date('2024-03-10', 'weekday  2'), datetime('2024-03-10', '+1 day', 'julianday'), datetime(12, 'julianday', 'auto');\n" +
        "SELECT date('2024-03-10', 'START OF YEAR'), date('2024-03-10', '+1 DAYS'), date('2024-03-10', '+1 d'), date('2024-03-10', '5 days'), date('2024-03-10', '+5'), date('2024-03-10', '+10:00'), datetime('2024-03-10', '+1:00'), datetime('2024-03-10', '-00:00:01.5');\n" +
        "SELECT julianday('-4713-11-24 12:00:00'), julianday('-4713-11-24 11:59:59'), date('9999-12-31', '+1 day'), datetime(-1, 'unixepoch'), datetime(253402300799, 'unixepoch'), datetime(253402300800, 'unixepoch');\n" +
        "SELECT typeof(unixepoch('2024-01-01')), typeof(julianday('2024-01-01')), julianday('2024-01-01'), datetime('2024-01-01 12:00:00.123', '+0.5 seconds'), time(0.25), time('0.25'), date(-1), date('1e3');\n" +
        "CREATE TABLE d(x); INSERT INTO d VALUES('2024-05-06 07:08:09'), (2460000), (NULL), ('junk'), (1700000000);\n" +
        "SELECT x, date(x), time(x), datetime(x, '+1 day'), strftime('%Y-%m', x), julianday(x), unixepoch(x) FROM d;\n";

    [RequiresSqlite3Fact]
    public void Literal_and_stored_times_match_sqlite3() => OracleAssert.EngineMatchesShell(Script);

    [Fact]
    public void Now_is_the_time_the_caller_fixed()
    {
        var db = new Database();
        const string query = "SELECT datetime('now'), unixepoch(), strftime('%f', 'now'), julianday() = julianday('now'), date(), time('now', '+1 hour');\n";
        ExecutionResult r;
        using (Database.FixNow(1_700_000_000_123)) r = db.Execute(query);
        Assert.Equal("2023-11-14 22:13:20|1700000000|20.123|1|2023-11-14|23:13:20\n", r.Stdout);
        using (Database.FixNow(0)) Assert.Equal("1970-01-01 00:00:00|0|00.000|1|1970-01-01|01:00:00\n", db.Execute(query).Stdout);
    }

    [Fact]
    public void Current_timestamp_date_and_time_read_the_fixed_now()
    {
        var db = new Database();
        const string script = ".headers on\nSELECT CURRENT_TIMESTAMP, current_date, Current_Time;\nCREATE TABLE e(at TEXT);\n" +
            "INSERT INTO e VALUES (CURRENT_TIMESTAMP);\nSELECT at FROM e WHERE at <= CURRENT_TIMESTAMP AND date(at) = CURRENT_DATE;\n";
        ExecutionResult r;
        using (Database.FixNow(1_700_000_000_123)) r = db.Execute(script);
        Assert.Equal("CURRENT_TIMESTAMP|current_date|Current_Time\n2023-11-14 22:13:20|2023-11-14|22:13:20\nat\n2023-11-14 22:13:20\n", r.Stdout);
        Assert.Equal("", r.Stderr);
        // As parse.y, they are keywords, not functions.
        r = db.Execute("SELECT CURRENT_DATE();\n");
        Assert.Contains("near \"(\": syntax error", r.Stderr);
    }

    /// <summary>SQLite computes such a DEFAULT for every row it inserts, so FastDb does: each entry's fixed 'now' (and
    /// seeded random()) gives every node the same value, and a row inserted later gets the later time.</summary>
    [Theory]
    [InlineData("datetime('now')", "2023-11-14 22:13:20", "2023-11-14 22:30:00")]
    [InlineData("date()", "2023-11-14", "2023-11-15")]
    [InlineData("strftime('%s')", "1700000000", "1700006400")]
    [InlineData("julianday('NOW') > 2460000", "1", "1")]
    [InlineData("typeof(abs(random()))", "integer", "integer")]
    public void Defaults_computed_per_row_take_each_insert_s_now(string expression, string first, string second)
    {
        var db = new Database();
        using (Database.FixNow(1_700_000_000_000)) Assert.Equal("", db.Execute($"CREATE TABLE d(id INTEGER PRIMARY KEY, at DEFAULT ({expression}));\nINSERT INTO d(id) VALUES (1);\n").Stderr);
        long later = expression.StartsWith("datetime", StringComparison.Ordinal) ? 1_700_001_000_000 : 1_700_006_400_000; // 22:30, or midnight
        using (Database.FixNow(later)) db.Execute("INSERT INTO d DEFAULT VALUES;\n");
        Assert.Equal($"1|{first}\n2|{second}\n", db.Execute("SELECT * FROM d;\n").Stdout);
    }

    /// <summary>ALTER TABLE ADD COLUMN refuses them as SQLite does; dates of fixed times stay constant defaults.</summary>
    [RequiresSqlite3Fact]
    public void Add_column_with_a_default_of_now_fails_as_in_sqlite3() => OracleAssert.EngineMatchesShell(
        "CREATE TABLE t6(a); INSERT INTO t6 VALUES (1);\nALTER TABLE t6 ADD COLUMN b DEFAULT (datetime('now'));\nALTER TABLE t6 ADD COLUMN c DEFAULT (random());\n" +
        "CREATE TABLE t7(a DEFAULT (date('2024-01-01', '+1 day')), b DEFAULT (strftime('%Y', '2020-01-01')));\nINSERT INTO t7 DEFAULT VALUES;\nSELECT * FROM t7, t6;\n");

    [Theory]
    [InlineData("SELECT date('2024-01-01', 'localtime');", "Parse error near line 1: FastDb does not support the date and time modifier 'localtime'\n")]
    [InlineData("SELECT datetime('now', 'UTC');", "Parse error near line 1: FastDb does not support the date and time modifier 'UTC'\n")]
    [InlineData("CREATE TABLE m(x); INSERT INTO m VALUES('utc'); SELECT date('2024-01-01', x) FROM m;", "Runtime error near line 1: FastDb does not support the date and time modifier 'utc'\n")]
    public void Time_zone_modifiers_are_refused_by_name(string script, string stderr)
    {
        var r = new Database().Execute(script + "\n");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(stderr, r.Stderr);
    }
}
