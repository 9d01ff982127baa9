using FastDb.QueryEngine.Statements;

namespace FastDb.Server.Tests.Rqlite;

/// <summary>Binding by text at apply: SQLite's numbering, literals every node writes the same, token boundaries kept.</summary>
public sealed class ParameterBinderTests
{
    private static string Bind(string sql, params ParameterValue[] values) => ParameterBinder.Bind(new StatementRequest(sql, values, []));

    private static string BindNamed(string sql, params (string Name, ParameterValue Value)[] values) =>
        ParameterBinder.Bind(new StatementRequest(sql, [], values.Select(v => new KeyValuePair<string, ParameterValue>(v.Name, v.Value)).ToList()));

    [Fact]
    public void PositionalPlaceholdersTakeSqlitesNumbers()
    {
        Assert.Equal("SELECT 1, 2, 1, 3", Bind("SELECT ?, ?, ?1, ?", ParameterValue.FromInteger(1), ParameterValue.FromInteger(2), ParameterValue.FromInteger(3)));
        // A placeholder without a value is NULL, as an unbound parameter is in SQLite.
        Assert.Equal("SELECT 1, NULL", Bind("SELECT ?, ?", ParameterValue.FromInteger(1)));
    }

    [Fact]
    public void NamedPlaceholdersMatchWithOrWithoutTheirPrefix()
    {
        Assert.Equal("SELECT 'a', 'b', 'c', 'a'", BindNamed("SELECT :x, @y, $z, :x",
            ("x", ParameterValue.FromText("a")), ("@y", ParameterValue.FromText("b")), ("z", ParameterValue.FromText("c"))));
        // A named placeholder also has an index: positional values fill it, as sqlite3_bind by index does.
        Assert.Equal("SELECT 7, 7", Bind("SELECT :a, :a", ParameterValue.FromInteger(7)));
    }

    [Theory]
    [InlineData(2.0, "2.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e20, "1E+20")]
    [InlineData(-1.5e-300, "-1.5E-300")]
    [InlineData(double.PositiveInfinity, "1e999")]
    public void RealsKeepEveryDigitAndStayReal(double value, string literal) =>
        Assert.Equal("SELECT " + literal, Bind("SELECT ?", ParameterValue.FromReal(value)));

    [Fact]
    public void TextIsQuotedWithDoubledQuotesAndBlobsAreHex()
    {
        Assert.Equal("SELECT 'it''s ''x'''", Bind("SELECT ?", ParameterValue.FromText("it's 'x'")));
        Assert.Equal("SELECT X'00FF10'", Bind("SELECT ?", ParameterValue.FromBlob([0, 255, 16])));
        Assert.Equal("SELECT -9223372036854775808", Bind("SELECT ?", ParameterValue.FromInteger(long.MinValue)));
    }

    [Fact]
    public void PlaceholdersInStringsAndCommentsAreNotParameters()
    {
        Assert.Equal("SELECT '?', 5 -- ?\n", Bind("SELECT '?', ? -- ?\n", ParameterValue.FromInteger(5)));
        Assert.Equal("SELECT \":a\", /* :a */ 1", BindNamed("SELECT \":a\", /* :a */ :a", ("a", ParameterValue.FromInteger(1))));
    }

    [Fact]
    public void TokenBoundariesSurviveTheSubstitution()
    {
        // "x-?" with -5 must not become the comment "x--5"; "LIMIT?" must not become the name "LIMIT5".
        Assert.Equal("SELECT x- -5", Bind("SELECT x-?", ParameterValue.FromInteger(-5)));
        Assert.Equal("SELECT 1 LIMIT 2", Bind("SELECT 1 LIMIT?", ParameterValue.FromInteger(2)));
        Assert.Equal("SELECT 'a' AS b", Bind("SELECT ?AS b", ParameterValue.FromText("a")));
    }

    [Fact]
    public void TooManyValuesOrABadNumberIsTheStatementsError()
    {
        Assert.Contains("too many parameter values", Assert.Throws<ParameterBindException>(() => Bind("SELECT ?", ParameterValue.Null, ParameterValue.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("between ?1 and ?32766", Assert.Throws<ParameterBindException>(() => Bind("SELECT ?0")).Message, StringComparison.Ordinal);
        Assert.Contains("between ?1 and ?32766", Assert.Throws<ParameterBindException>(() => Bind("SELECT ?99999999999")).Message, StringComparison.Ordinal);
    }
}
