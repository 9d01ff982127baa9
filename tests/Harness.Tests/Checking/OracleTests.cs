using System.Text;
using FastDb.Harness.Checking;
using FastDb.Harness.Randomness;
using FastDb.Harness.Workload;

namespace FastDb.Harness.Tests.Checking;

/// <summary>The in-process checker must expect exactly what the sqlite3 shell prints for the workload's queries.</summary>
public sealed class OracleTests
{
    [RequiresSqlite3Fact]
    public async Task InProcOracle_MatchesTheSqlite3Shell_OnTheWorkload()
    {
        string db = Path.Combine(Path.GetTempPath(), $"harness-oracle-{Guid.NewGuid():N}.sql");
        try
        {
            using var shell = new ShellOracle(db);
            using var inproc = new InProcOracle();
            var rng = SeedStreams.Create(3, "querier");
            var queries = new List<string> { Queries.BootQuery() };
            for (int i = 0; i < 8; i++) queries.Add(Queries.UpdateQuery(rng));
            queries.Add("SELECT * FROM missing"); // an error: stderr alone
            foreach (string q in queries)
            {
                byte[] expected = await shell.ExpectedAsync(q, CancellationToken.None);
                byte[] actual = await inproc.ExpectedAsync(q, CancellationToken.None);
                Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
            }
        }
        finally { File.Delete(db); }
    }

    [RequiresSqlite3Fact]
    public async Task ShellOracle_UsesStderrAlone_WhenTheShellReportsAnError()
    {
        string db = Path.Combine(Path.GetTempPath(), $"harness-oracle-{Guid.NewGuid():N}.sql");
        try
        {
            using var shell = new ShellOracle(db);
            byte[] output = await shell.ExpectedAsync("SELECT 1; SELECT * FROM missing", CancellationToken.None);
            Assert.Equal("Parse error near line 1: no such table: missing\n", Encoding.UTF8.GetString(output));
        }
        finally { File.Delete(db); }
    }

    [Fact]
    public void InProcOracle_RendersConstraintFailuresAsRuntimeErrors()
    {
        using var inproc = new InProcOracle();
        inproc.Execute("CREATE TABLE t(a INT PRIMARY KEY)");
        string output = Encoding.UTF8.GetString(inproc.Execute("INSERT INTO t VALUES(1); INSERT INTO t VALUES(1)"));
        Assert.Equal("Runtime error near line 1: UNIQUE constraint failed: t.a (1555)\n", output);
    }
}
