using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FastDb.QueryEngine;
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
    const string Boot =
        "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\nfavoriteWord CHAR(15) DEFAULT \"\");\n" +
        "INSERT INTO ctf3 (name) VALUES (\"siddarth\"); INSERT INTO ctf3 (name) VALUES (\"gdb\"); INSERT INTO ctf3 (name) VALUES (\"christian\"); INSERT INTO ctf3 (name) VALUES (\"andy\"); INSERT INTO ctf3 (name) VALUES (\"carl\");";

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
        string[] names = ["siddarth", "gdb", "christian", "andy", "carl"];
        const string letters = "abcdefghijkmnpq";
        for (var i = 0; i < _bodies.Length; i++)
        {
            var word = new string(Enumerable.Range(0, 15).Select(_ => letters[random.Next(letters.Length)]).ToArray());
            _bodies[i] = $"UPDATE ctf3 SET friendCount=friendCount+{random.Next(1, 101)}, requestCount=requestCount+1, " +
                         $"favoriteWord=\"{word}\" WHERE name=\"{names[random.Next(names.Length)]}\"; SELECT * FROM ctf3;";
        }

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

    string RunShell(string script)
    {
        var startInfo = new ProcessStartInfo("/usr/bin/sqlite3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(_shellDatabase);
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("cannot start sqlite3");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? stdout : stderr.GetAwaiter().GetResult();
    }
}
