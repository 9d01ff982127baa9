using System.Text;
using FastDb.QueryEngine.Statements;
using FastDb.Server.Http.Rqlite;

namespace FastDb.Server.Tests.Rqlite;

/// <summary>rqlite's request body: what is accepted, how values are typed, and that every defect is our own clear message.</summary>
public sealed class StatementListParserTests
{
    private static List<StatementRequest> Parse(string json) => StatementListParser.Parse(Encoding.UTF8.GetBytes(json));

    private static string Refusal(string json) => Assert.Throws<StatementListException>(() => Parse(json)).Message;

    [Fact]
    public void StringsAndArraysWithPositionalAndNamedValues()
    {
        var list = Parse("""["CREATE TABLE t (a)", ["INSERT INTO t VALUES(?, ?, ?, ?, ?, ?)", 1, -2.5, "x", null, true, false], ["SELECT :a", {"a": 9007199254740993}]]""");
        Assert.Equal(3, list.Count);
        Assert.Equal("CREATE TABLE t (a)", list[0].Sql);
        Assert.Empty(list[0].Positional);
        Assert.Equal(new[] { ParameterValue.FromInteger(1), ParameterValue.FromReal(-2.5), ParameterValue.FromText("x"), ParameterValue.Null,
            ParameterValue.FromInteger(1), ParameterValue.FromInteger(0) }, list[1].Positional);
        // An integer beyond a double's 53 bits stays exact.
        Assert.Equal(ParameterValue.FromInteger(9007199254740993), Assert.Single(list[2].Named).Value);
    }

    [Theory]
    [InlineData("1.0", 1.0)]
    [InlineData("1e3", 1000.0)]
    [InlineData("0.1", 0.1)]
    [InlineData("18446744073709551616", 18446744073709551616.0)]
    public void NumbersWithFractionExponentOrBeyond64BitsAreReals(string number, double expected)
    {
        var value = Assert.Single(Parse($"[[\"SELECT ?\", {number}]]")[0].Positional);
        Assert.Equal(ParameterKind.Real, value.Kind);
        Assert.Equal(expected, value.Real);
    }

    [Fact]
    public void AnArrayOfBytesIsABlob()
    {
        var value = Assert.Single(Parse("""[["SELECT ?", [0, 255, 16]]]""")[0].Positional);
        Assert.Equal(ParameterKind.Blob, value.Kind);
        Assert.Equal(new byte[] { 0, 255, 16 }, value.Blob);
    }

    [Theory]
    [InlineData("", "malformed JSON")]
    [InlineData("[", "malformed JSON")]
    [InlineData("[\"SELECT 1\",]", "malformed JSON")]
    [InlineData("[\"SELECT 1\" /* c */]", "malformed JSON")]
    [InlineData("[\"SELECT 1\"] []", "malformed JSON")]
    [InlineData("[\"SELECT \\ud800\"]", "malformed JSON")]
    [InlineData("{\"a\": 1}", "must be a JSON array")]
    [InlineData("[]", "is empty")]
    [InlineData("[1]", "must be an SQL string or an array")]
    [InlineData("[[]]", "first element must be the SQL string")]
    [InlineData("[[1, 2]]", "first element must be the SQL string")]
    [InlineData("[[\"SELECT ?\", {\"a\": 1}, {\"b\": 2}]]", "at most one object")]
    [InlineData("[[\"SELECT ?\", {\"a\": 1, \"a\": 2}]]", "named twice")]
    [InlineData("[[\"SELECT ?\", {\"\": 1}]]", "needs a name")]
    [InlineData("[[\"SELECT ?\", [1, 256]]]", "byte values 0-255")]
    [InlineData("[[\"SELECT ?\", [[1]]]]", "byte values 0-255")]
    [InlineData("[[\"SELECT ?\", {\"a\": {\"b\": 1}}]]", "unsupported parameter value")]
    [InlineData("[[\"SELECT ?\", 1e999]]", "number out of range")]
    [InlineData("[\"\u00ff\"", "malformed JSON")]
    public void BadBodiesAreRefusedWithOurOwnMessage(string json, string expected)
    {
        var message = Refusal(json);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        // No .NET internals reach the client.
        Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheStatementCountIsBounded()
    {
        var json = "[" + string.Join(",", Enumerable.Repeat("\"SELECT 1\"", StatementListParser.MaxStatements + 1)) + "]";
        Assert.Contains("too many statements", Refusal(json), StringComparison.Ordinal);
        Assert.Equal(StatementListParser.MaxStatements, Parse("[" + string.Join(",", Enumerable.Repeat("\"SELECT 1\"", StatementListParser.MaxStatements)) + "]").Count);
    }

    [Fact]
    public void RandomBytesNeverEscapeAsAnythingButARefusal()
    {
        var random = new Random(20);
        var valid = Encoding.UTF8.GetBytes("""[["INSERT INTO t VALUES(?, :b)", 1, {"b": "x"}], "SELECT 1"]""");
        for (int i = 0; i < 2000; i++)
        {
            var bytes = (byte[])valid.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            try
            {
                StatementListParser.Parse(bytes);
            }
            catch (StatementListException)
            {
            }
        }
    }
}
