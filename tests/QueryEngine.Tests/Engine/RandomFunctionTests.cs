using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>random(): what sqlite3 shows of it (its type, its errors, a fresh value per call and per row), and the
/// same values on every database that applies an entry under the same seed (<see cref="Database.FixEntry"/>).</summary>
public class RandomFunctionTests
{
    [RequiresSqlite3Fact]
    public void Type_errors_and_per_call_values_match_sqlite3() => OracleAssert.EngineMatchesShell(
        "SELECT typeof(random()), random() = random(), random() IS NULL;\n" +
        "CREATE TABLE t(x); INSERT INTO t VALUES(1), (2), (3), (4);\n" +
        "SELECT count(*) FROM t WHERE random() = random();\nSELECT count(*) FROM t ORDER BY random();\nSELECT typeof(x + random()) FROM t LIMIT 1;\n" +
        "SELECT count(DISTINCT random()) > 1 FROM t;\nSELECT random(1);\nSELECT x FROM t WHERE random() IS NULL;\n");

    [Fact]
    public void One_seed_gives_one_answer_on_every_database()
    {
        const string script = "CREATE TABLE r(v); INSERT INTO r VALUES(random()), (random()); SELECT v FROM r; SELECT random() FROM r ORDER BY random();\n";
        string Run(ulong seed)
        {
            using var entry = Database.FixEntry(1_700_000_000_000, seed);
            var r = new Database().Execute(script);
            Assert.Equal(0, r.ExitCode);
            return r.Stdout;
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
        Assert.Equal(4, Run(7).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
