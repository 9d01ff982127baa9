using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Tests.Engine;

public class ValueRulesTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e15, "1.0e+15")]
    [InlineData(1e14, "100000000000000.0")]
    [InlineData(9.2233720368547758e18, "9.22337203685478e+18")]
    [InlineData(-0.0, "0.0")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e-5, "1.0e-05")]
    [InlineData(1e100, "1.0e+100")]
    [InlineData(1.0 / 3, "0.333333333333333")]
    [InlineData(123456789.123456789, "123456789.123457")]
    [InlineData(double.PositiveInfinity, "Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Reals_format_as_percent_bang_15g(double value, string text) => Assert.Equal(text, RealFormat.Format(value));

    [Theory]
    [InlineData("SELECT 1;", true)]
    [InlineData("SELECT 'a;", false)]
    [InlineData("SELECT 1; -- c", true)]
    [InlineData("SELECT 1 /* ; */", false)]
    [InlineData("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;", false)]
    [InlineData("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;", true)]
    public void Sqlite3_complete_agrees(string sql, bool complete) => Assert.Equal(complete, SqliteComplete.IsComplete(sql));

    [Fact]
    public void Chunks_accumulate_lines_until_a_complete_statement()
    {
        var chunks = InputChunker.Split("SELECT 1\n;\n\n  SELECT 'a\nb';\n-- c\nSELECT 2");
        Assert.Equal([new Chunk("SELECT 1\n;", 1), new Chunk("SELECT 'a\nb';", 4), new Chunk("SELECT 2", 7)], chunks);
    }
}
