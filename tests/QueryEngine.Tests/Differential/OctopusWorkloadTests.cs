using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// The octopus workload itself, checked the way octopus checks it: one database file, one `sqlite3 FILE` per request
/// with the request body plus ";" on stdin, the expected body being stdout, or stderr alone when the shell failed.
/// The engine gets each body through <see cref="SqlCommand.RecognizeRequest"/> (as the server will), round-tripped
/// through its encoding, and its database goes through a snapshot now and then.
/// </summary>
public class OctopusWorkloadTests
{
    public const string BootFiveInserts = CtfWorkload.BootScript;

    public const string BootMultiRow =
        "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\nfavoriteWord CHAR(15) DEFAULT \"\");\n" +
        "INSERT INTO ctf3 (name) VALUES (\"siddarth\"), (\"gdb\"), (\"christian\"), (\"andy\"), (\"carl\");";

    static int Steps => Environment.GetEnvironmentVariable("FASTDB_SOAK") == "1" ? 5_000 : 250;

    /// <summary>A CTF update exactly as octopus's monkeys send it.</summary>
    public static string CtfQuery(Random random) => CtfWorkload.RandomUpdate(random);

    /// <summary>Sends bodies to the engine and to sqlite3 (on one file), and compares what octopus would compare.</summary>
    sealed class Checker : IDisposable
    {
        readonly TempDatabaseFile _file = new();
        public EngineRunner Engine { get; } = new();
        int _step;

        public void Send(string body)
        {
            _step++;
            SqlCommand command;
            try { command = SqlCommand.RecognizeRequest(body); }
            catch (Exception e) { Assert.Fail($"step {_step}: RecognizeRequest threw {e}"); return; }
            var actual = Engine.Execute(command);
            var expected = Sqlite3Shell.Run(body + ";", _file.Path);
            OracleAssert.Equal(expected, actual, body + ";", $"octopus step {_step}");
            // What octopus compares: the body (stdout, or stderr alone when the shell exited 1 or 2).
            var expectedBody = expected.ExitCode is 1 or 2 ? expected.Stderr : expected.Stdout;
            Assert.Equal(expectedBody, actual.ExitCode == 0 ? actual.Stdout : actual.Stderr);
        }

        public void Dispose() => _file.Dispose();
    }

    [RequiresSqlite3Theory]
    [InlineData("five inserts", BootFiveInserts, 1)]
    [InlineData("multi-row insert", BootMultiRow, 2)]
    public void Boot_then_random_ctf_updates_match_sqlite3_after_every_step(string variant, string boot, int seed)
    {
        _ = variant;
        var random = new Random(seed);
        using var checker = new Checker();
        checker.Send(boot);
        for (var step = 1; step <= Steps; step++)
        {
            checker.Send(CtfQuery(random));
            if (step % 50 == 0) Assert.Null(checker.Engine.SnapshotAndRestore());
        }
    }

    [RequiresSqlite3Theory]
    [InlineData(BootFiveInserts)]
    [InlineData(BootMultiRow)]
    public void Boot_script_run_twice_matches_sqlite3(string boot)
    {
        using var checker = new Checker();
        checker.Send(boot);
        checker.Send(boot);
        checker.Send(CtfQuery(new Random(3)));
        checker.Send(boot);
    }

    [RequiresSqlite3Fact]
    public void Ctf_update_before_boot_matches_sqlite3()
    {
        using var checker = new Checker();
        checker.Send(CtfQuery(new Random(4)));
        checker.Send(BootMultiRow);
        checker.Send(CtfQuery(new Random(5)));
    }

    [Fact]
    public void Recognize_request_is_recognize_of_body_plus_semicolon()
    {
        var random = new Random(6);
        foreach (var body in new[] { BootFiveInserts, BootMultiRow, CtfQuery(random), CtfQuery(random), "SELECT 1", "SELECT 'x", "", "SELECT 1; -- c" })
        {
            var viaRequest = new Database();
            viaRequest.Execute(BootFiveInserts + ";");
            var viaScript = new Database();
            viaScript.Execute(BootFiveInserts + ";");
            Assert.Equal(viaScript.Execute(SqlCommand.Recognize(body + ";")), viaRequest.Execute(SqlCommand.RecognizeRequest(body)));
        }
    }

    [Fact]
    public void Ctf_update_hits_the_compact_fast_path()
    {
        // Issue 3: the CTF update "must hit a fast path that encodes in a few bytes" (it travels in every log entry).
        var random = new Random(8);
        for (var i = 0; i < 100; i++)
        {
            var body = CtfQuery(random);
            var encoded = EngineRunner.Encode(SqlCommand.RecognizeRequest(body));
            Assert.True(encoded.Length <= 40, $"the CTF update encodes in {encoded.Length} bytes (text is {body.Length}): fast path missed? {Convert.ToHexString(encoded)}");
        }
    }
}
