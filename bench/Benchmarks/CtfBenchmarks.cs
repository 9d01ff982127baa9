using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FastDb.QueryEngine;
using FastDb.TestSupport;
using Microsoft.Data.Sqlite;

namespace FastDb.Benchmarks;

/// <summary>
/// The octopus CTF update+select on the 5-row table, per query, three ways side by side: (a) the engine as the
/// server runs it (RecognizeRequest then Execute, the baseline), (b) SQLite in-process through Microsoft.Data.Sqlite
/// with a fresh command per query, (c) one sqlite3 process per query, as the original sqlcluster did.
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*Ctf*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcessConfig))]
public class CtfBenchmarks
{
    const string Boot = CtfWorkload.BootScript;

    /// <summary>A few realistic bodies, cycled, so no single string is special.</summary>
    readonly string[] _bodies = new string[64];
    int _next;

    Database _engine = null!;
    SqliteConnection _connection = null!;
    string _shellDatabase = null!;

    /// <summary>One short in-process job: the shell variant costs milliseconds per call, so few iterations.</summary>
    sealed class ShortInProcessConfig : ManualConfig
    {
        public ShortInProcessConfig()
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < _bodies.Length; i++) _bodies[i] = CtfWorkload.RandomUpdate(random);

        _engine = new Database();
        _engine.Execute(SqlCommand.RecognizeRequest(Boot));

        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        using (var boot = _connection.CreateCommand())
        {
            boot.CommandText = Boot;
            boot.ExecuteNonQuery();
        }

        _shellDatabase = Path.Combine(Path.GetTempPath(), $"fastdb-bench-{Guid.NewGuid():N}.db");
        RunShell(Boot + ";");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        File.Delete(_shellDatabase);
    }

    string NextBody() => _bodies[_next++ & (_bodies.Length - 1)];

    [Benchmark(Baseline = true, Description = "engine: RecognizeRequest + Execute")]
    public string Engine() => _engine.Execute(SqlCommand.RecognizeRequest(NextBody())).Body;

    [Benchmark(Description = "Microsoft.Data.Sqlite, fresh command")]
    public string MicrosoftDataSqlite()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = NextBody();
        using var reader = command.ExecuteReader();
        var body = new StringBuilder();
        do
        {
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (i > 0) body.Append('|');
                    if (!reader.IsDBNull(i)) body.Append(reader.GetString(i)); // sqlite3_column_text: the shell's text
                }
                body.Append('\n');
            }
        } while (reader.NextResult());
        return body.ToString();
    }

    [Benchmark(Description = "sqlite3 process per query")]
    public string Sqlite3Process() => RunShell(NextBody() + ";");

    string RunShell(string script) => Sqlite3Shell.Run(script, _shellDatabase).OctopusBody;
}
