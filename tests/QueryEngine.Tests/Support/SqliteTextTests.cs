namespace FastDb.QueryEngine.Tests.Support;

/// <summary>The independent formatter and the in-process oracle must agree with the shell before they judge the engine.</summary>
public class SqliteTextTests
{
    public static TheoryData<double, string> Reals() => new()
    {
        { 2.0, "2.0" }, { 0.1, "0.1" }, { 1e15, "1.0e+15" }, { 1e14, "100000000000000.0" },
        { 9223372036854775808.0, "9.22337203685478e+18" }, { -0.0, "0.0" }, { 1.5e-5, "1.5e-05" }, { 0.0001, "0.0001" },
        { 1.0 / 3, "0.333333333333333" }, { 1e100, "1.0e+100" }, { 2.5e-300, "2.5e-300" }, { -123.456, "-123.456" },
        { double.PositiveInfinity, "Inf" }, { double.NegativeInfinity, "-Inf" }, { 123456789012345678.0, "1.23456789012346e+17" },
    };

    [Theory]
    [MemberData(nameof(Reals))]
    public void Formats_reals_like_the_shell(double value, string expected)
    {
        Assert.Equal(expected, SqliteText.FormatReal(value));
    }

    [RequiresSqlite3Fact]
    public void Formatter_agrees_with_the_shell_on_many_reals()
    {
        var random = new Random(1234);
        var literals = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            // At most 14 significant digits: sqlite rounds in long double, so values within an ulp of a 15-digit tie
            // may legitimately round the other way; this formatter is only the values oracle, not the engine's.
            var mantissa = Math.Round(random.NextDouble(), random.Next(1, 14)) * (random.Next(2) == 0 ? 1 : -1);
            var exponent = random.Next(-30, 30);
            literals.Add($"{mantissa.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}e{exponent}");
        }
        var script = string.Concat(literals.Select(l => $"SELECT {l} + 0.0;\n"));
        var shell = Sqlite3Shell.Run(script);
        var expected = string.Concat(literals.Select(l => SqliteText.FormatReal(double.Parse(l, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture) + 0.0) + "\n"));
        OracleAssert.Equal(shell, new ShellResult(expected, "", 0), script, "independent %!.15g formatter", "sqlite3", "formatter");
    }

    [RequiresSqlite3Fact]
    public void Microsoft_data_sqlite_gives_the_shells_rows_for_an_error_free_script()
    {
        const string script = "CREATE TABLE t(a INT, b TEXT, c);\nINSERT INTO t VALUES('1', 2, 3.5), (NULL, 'x', 9223372036854775807);\nSELECT * FROM t;\nSELECT a + 1, b || b, c * 2 FROM t ORDER BY a;\n";
        var rows = MicrosoftSqlite.RowsOf(script);
        Assert.Equal("1|2|3.5\n|x|9223372036854775807\n|xx|1.84467440737096e+19\n2|22|7.0\n", rows);
        Assert.Equal(Sqlite3Shell.Run(script).Stdout, rows);
    }

    [Fact]
    public void Microsoft_data_sqlite_reports_a_failing_script_as_null()
    {
        Assert.Null(MicrosoftSqlite.RowsOf("SELECT * FROM nope;"));
    }
}
