using FastDb.QueryEngine;
using FastDb.QueryEngine.Statements;

namespace FastDb.Server.Tests.Rqlite;

/// <summary>The statement list as a log command: exact round trip, every defect a FormatException, and its answers.</summary>
public sealed class StatementsCommandTests
{
    private static readonly StatementsCommand Sample = new(StatementsMode.Request, transaction: true,
    [
        new StatementRequest("INSERT INTO t VALUES(?, ?, ?, ?, ?)",
            [ParameterValue.FromInteger(long.MinValue), ParameterValue.FromReal(0.1), ParameterValue.FromText("é'"), ParameterValue.Null, ParameterValue.FromBlob([1, 2])], []),
        new StatementRequest("SELECT :a", [], [new("a", ParameterValue.FromReal(double.NegativeInfinity))]),
    ]);

    [Fact]
    public void RoundTripsExactly()
    {
        var bytes = Sample.ToBytes();
        var read = Assert.IsType<StatementsCommand>(SqlCommand.ReadFrom(bytes));
        Assert.Equal(Sample.Mode, read.Mode);
        Assert.True(read.Transaction);
        Assert.Equal(bytes, read.ToBytes());
        Assert.Equal(Sample.Statements[0].Positional[4].Blob, read.Statements[0].Positional[4].Blob);
        Assert.Equal("a", read.Statements[1].Named[0].Key);
    }

    [Fact]
    public void EveryTruncationAndCorruptionIsAFormatException()
    {
        var bytes = Sample.ToBytes();
        for (int n = 1; n < bytes.Length; n++) Assert.Throws<FormatException>(() => SqlCommand.ReadFrom(bytes.AsSpan(0, n)));
        var random = new Random(4);
        for (int i = 0; i < 3000; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
            try { SqlCommand.ReadFrom(copy); } catch (FormatException) { }
        }
    }

    [Fact]
    public void ResultsHaveRqlitesShape()
    {
        var db = new Database();
        var outcome = db.RunStatements(new StatementsCommand(StatementsMode.Request, false,
        [
            StatementRequest.Plain("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL)"),
            new StatementRequest("INSERT INTO people(name, score) VALUES(?, ?)", [ParameterValue.FromText("a"), ParameterValue.FromReal(1.5)], []),
            new StatementRequest("INSERT INTO people(name) VALUES(?), (?)", [ParameterValue.FromText("b"), ParameterValue.FromText("c")], []),
            StatementRequest.Plain("SELECT id, name, score, count(*) FROM people WHERE id = 1"),
            StatementRequest.Plain("SELECT * FROM people WHERE id > 100"),
            StatementRequest.Plain("UPDATE people SET score = 2"),
            StatementRequest.Plain("SELECT nope FROM people"),
            StatementRequest.Plain("CREATE VIEW v AS SELECT 1"),
        ]));
        Assert.True(outcome.Failed);
        Assert.Equal("[{}," +
            "{\"last_insert_id\":1,\"rows_affected\":1}," +
            "{\"last_insert_id\":3,\"rows_affected\":2}," +
            "{\"columns\":[\"id\",\"name\",\"score\",\"count(*)\"],\"types\":[\"integer\",\"text\",\"real\",\"integer\"],\"values\":[[1,\"a\",1.5,1]]}," +
            "{\"columns\":[\"id\",\"name\",\"score\"],\"types\":[\"integer\",\"text\",\"real\"]}," +
            "{\"last_insert_id\":3,\"rows_affected\":3}," +
            "{\"error\":\"no such column: nope\"}," +
            "{\"error\":\"FastDb does not support CREATE VIEW\"}]", outcome.ResultsJson);
    }

    [Fact]
    public void ReadOnlyRunsRefuseWritesBeforeTheyRun()
    {
        var db = new Database();
        db.Execute("CREATE TABLE t (a);");
        var outcome = db.RunStatements(StatementsMode.Query, false, [StatementRequest.Plain("INSERT INTO t VALUES(1)"), StatementRequest.Plain("SELECT count(*) FROM t")], readOnly: true);
        Assert.Equal("[{\"error\":\"attempt to write a readonly database\"},{\"columns\":[\"count(*)\"],\"types\":[\"integer\"],\"values\":[[0]]}]", outcome.ResultsJson);
    }

    [Fact]
    public void ReturningIsRefusedByNameAndChangesNothing()
    {
        var db = new Database();
        db.Execute("CREATE TABLE t (a);");
        var outcome = db.RunStatements(StatementsMode.Request, false,
            [StatementRequest.Plain("INSERT INTO t VALUES(1) RETURNING a"), StatementRequest.Plain("SELECT count(*) FROM t")], readOnly: false);
        Assert.True(outcome.Failed);
        Assert.Equal("[{\"error\":\"FastDb does not support RETURNING in rqlite's API\"}," +
            "{\"columns\":[\"count(*)\"],\"types\":[\"integer\"],\"values\":[[0]]}]", outcome.ResultsJson);
    }
}
