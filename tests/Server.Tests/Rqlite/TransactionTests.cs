using FastDb.QueryEngine;
using FastDb.QueryEngine.Statements;
using FastDb.Server.StateMachine;

namespace FastDb.Server.Tests.Rqlite;

/// <summary>?transaction at apply: a failing statement leaves the database exactly as it was (DDL included).</summary>
public sealed class TransactionTests
{
    private static ulong _counter;

    private static byte[] Entry(StatementsCommand command) =>
        ClientRequest.Create(new RequestId(7, Interlocked.Increment(ref _counter)), "k" + _counter, 1000, command.ToBytes()).ToBytes();

    private static byte[] DatabaseImage(ReplicatedStateMachine machine) =>
        machine.ReadLocal(db =>
        {
            using var stream = new MemoryStream();
            db.WriteSnapshot(stream);
            return stream.ToArray();
        });

    [Fact]
    public void AFailingStatementRollsBackTheRequestsEarlierOnesExactly()
    {
        var machine = new ReplicatedStateMachine(dedupMaxCount: 100, dedupMaxAgeMs: 60_000);
        machine.Apply(1, Entry(new StatementsCommand(StatementsMode.Execute, false,
            [StatementRequest.Plain("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"), StatementRequest.Plain("INSERT INTO t(v) VALUES('a')")])));
        var before = DatabaseImage(machine);

        var answer = machine.Apply(2, Entry(new StatementsCommand(StatementsMode.Execute, transaction: true,
        [
            StatementRequest.Plain("INSERT INTO t(v) VALUES('b')"),
            StatementRequest.Plain("CREATE TABLE u (x)"),
            StatementRequest.Plain("UPDATE t SET v = 'z' WHERE v = 'a'"),
            StatementRequest.Plain("INSERT INTO t(v) VALUES('b')"), // UNIQUE fails: everything above goes
            StatementRequest.Plain("INSERT INTO t(v) VALUES('never run')"),
        ])));
        Assert.Equal("[{\"last_insert_id\":2,\"rows_affected\":1},{\"last_insert_id\":2},{\"last_insert_id\":2,\"rows_affected\":1},{\"error\":\"UNIQUE constraint failed: t.v\"}]",
            answer!.Value.Body);
        Assert.Equal(before, DatabaseImage(machine));

        // Without ?transaction the statements before and after the failure stay.
        machine.Apply(3, Entry(new StatementsCommand(StatementsMode.Execute, false,
            [StatementRequest.Plain("INSERT INTO t(v) VALUES('c')"), StatementRequest.Plain("INSERT INTO t(v) VALUES('c')"), StatementRequest.Plain("INSERT INTO t(v) VALUES('d')")])));
        var count = machine.ReadLocal(db => db.RunStatements(StatementsMode.Query, false, [StatementRequest.Plain("SELECT v FROM t ORDER BY id")], readOnly: true));
        Assert.Contains("\"values\":[[\"a\"],[\"c\"],[\"d\"]]", count.ResultsJson, StringComparison.Ordinal);
    }

    [Fact]
    public void ASucceedingTransactionKeepsEverything()
    {
        var machine = new ReplicatedStateMachine(dedupMaxCount: 100, dedupMaxAgeMs: 60_000);
        machine.Apply(1, Entry(new StatementsCommand(StatementsMode.Execute, true,
            [StatementRequest.Plain("CREATE TABLE t (a)"), new StatementRequest("INSERT INTO t VALUES(?)", [ParameterValue.FromInteger(5)], [])])));
        var rows = machine.ReadLocal(db => db.RunStatements(StatementsMode.Query, false, [StatementRequest.Plain("SELECT a FROM t")], readOnly: true));
        // No declared type: the type is the first row's value's, as rqlite reports it.
        Assert.Equal("[{\"columns\":[\"a\"],\"types\":[\"integer\"],\"values\":[[5]]}]", rows.ResultsJson);
    }
}
