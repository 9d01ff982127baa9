using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FastDb.QueryEngine;
using Microsoft.Data.Sqlite;

namespace FastDb.Benchmarks;

/// <summary>
/// Issue 18's SQL beyond the CTF subset, per query, FastDb's engine (a script in, the shell's text out) beside
/// SQLite in-process through Microsoft.Data.Sqlite (a fresh command, every value read as text), on tables of 100
/// and 10,000 rows: a GROUP BY with count and sum, a join (an ON equality with a 10-row table), the same join looked
/// up by the 10-row table's INTEGER PRIMARY KEY (an indexed join), and a lookup of one
/// row by a UNIQUE column (TEXT against a text literal, INTEGER against an integer), and one by both columns of a
/// two-column index (CREATE INDEX ON m(a, b), 100 rows per value of a).
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*SqlBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
public class SqlBenchmarks
{
    [Params(100, 10_000)]
    public int Rows;

    const string GroupBy = "SELECT g, count(*), sum(v) FROM t GROUP BY g;";
    const string Join = "SELECT count(*), sum(w) FROM t JOIN u ON t.g = u.h;";
    const string IndexedJoin = "SELECT count(*), sum(w) FROM t JOIN p ON p.id = t.g;";
    int _next;

    Database _engine = null!;
    SqliteConnection _connection = null!;

    sealed class ShortInProcessConfig : ManualConfig
    {
        public ShortInProcessConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
    }

    // Keys visited in a stride that never overflows, so every lookup hits a row.
    int NextKey() => _next = (_next + 7919) % Rows;
    string Lookup() => $"SELECT v FROM k WHERE key = 'key{NextKey()}';";
    string IntegerLookup() => $"SELECT v FROM k WHERE n = {NextKey() * 3};";
    string CompositeLookup() { int key = NextKey(); return $"SELECT v FROM m WHERE a = {key % 100} AND b = {key};"; }

    [GlobalSetup]
    public void Setup()
    {
        var boot = new StringBuilder("CREATE TABLE t(g INTEGER, v INTEGER);\nCREATE TABLE u(h INTEGER, w INTEGER);\nCREATE TABLE k(key TEXT UNIQUE, n INTEGER UNIQUE, v INTEGER);\nCREATE TABLE p(id INTEGER PRIMARY KEY, w INTEGER);\nCREATE TABLE m(a INTEGER, b INTEGER, v INTEGER);\nCREATE INDEX mab ON m(a, b);\n");
        for (int i = 0; i < 10; i++) boot.Append($"INSERT INTO u VALUES({i}, {i * 3});\nINSERT INTO p VALUES({i}, {i * 3});\n");
        for (int i = 0; i < Rows; i++) boot.Append($"INSERT INTO t VALUES({i % 10}, {i});\nINSERT INTO k VALUES('key{i}', {i * 3}, {i});\nINSERT INTO m VALUES({i % 100}, {i}, {i});\n");
        _engine = new Database();
        var r = _engine.Execute(boot.ToString());
        if (r.ExitCode != 0) throw new InvalidOperationException(r.Stderr);
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = boot.ToString();
        command.ExecuteNonQuery();
        foreach (var q in new[] { GroupBy, Join, IndexedJoin, Lookup(), IntegerLookup(), CompositeLookup() })
            if (_engine.Execute(q).Stdout != Sqlite(q)) throw new InvalidOperationException("engine and SQLite differ on " + q);
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose();

    string Sqlite(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var body = new StringBuilder();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0) body.Append('|');
                if (!reader.IsDBNull(i)) body.Append(reader.GetString(i));
            }
            body.Append('\n');
        }
        return body.ToString();
    }

    [Benchmark(Description = "engine: GROUP BY")]
    public string EngineGroupBy() => _engine.Execute(GroupBy).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite: GROUP BY")]
    public string SqliteGroupBy() => Sqlite(GroupBy);

    [Benchmark(Description = "engine: join")]
    public string EngineJoin() => _engine.Execute(Join).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite: join")]
    public string SqliteJoin() => Sqlite(Join);

    [Benchmark(Description = "engine: indexed join")]
    public string EngineIndexedJoin() => _engine.Execute(IndexedJoin).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite: indexed join")]
    public string SqliteIndexedJoin() => Sqlite(IndexedJoin);

    [Benchmark(Description = "engine: UNIQUE lookup")]
    public string EngineLookup() => _engine.Execute(Lookup()).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite: UNIQUE lookup")]
    public string SqliteLookup() => Sqlite(Lookup());

    [Benchmark(Description = "engine: INTEGER UNIQUE lookup")]
    public string EngineIntegerLookup() => _engine.Execute(IntegerLookup()).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite: INTEGER UNIQUE lookup")]
    public string SqliteIntegerLookup() => Sqlite(IntegerLookup());

    [Benchmark(Description = "engine: two-column index lookup")]
    public string EngineCompositeLookup() => _engine.Execute(CompositeLookup()).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite: two-column index lookup")]
    public string SqliteCompositeLookup() => Sqlite(CompositeLookup());
}
