using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>The real fastdb client against a real 3-node cluster, one cluster shared by these tests.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ShellProcessTests(ShellProcessTests.ClusterFixture fixture) : IClassFixture<ShellProcessTests.ClusterFixture>
{
    public sealed class ClusterFixture : IAsyncLifetime
    {
        public TestCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(3);

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }

    private TestCluster Cluster => fixture.Cluster;

    private (string Stdout, string Stderr, int ExitCode) Run(int node, string stdin, params string[] args) =>
        FastDbShell.Run(Cluster.Root, stdin, ["-s", Cluster.SocketPath(node), .. args]);

    [Fact]
    public void Command_mode_prints_what_the_server_answers_and_exits_1_when_a_statement_failed()
    {
        var ok = Run(1, "", "-c", "CREATE TABLE cmd(a INT, b TEXT); INSERT INTO cmd VALUES(1, 'x'); SELECT * FROM cmd;");
        Assert.Equal(("1|x\n", "", 0), ok);
        // Errors go to stderr, as sqlite3's do, in -c mode too.
        var failed = Run(2, "", "-c", "SELECT * FROM no_such_table;");
        Assert.Equal(("", "Parse error near line 1: no such table: no_such_table\n", 1), failed);
    }

    [Fact]
    public void A_script_on_stdin_runs_statement_by_statement_with_dot_commands()
    {
        const string script = """
            CREATE TABLE piped(a INT);
            INSERT INTO piped VALUES(1);
            INSERT INTO piped
              VALUES(2);
            .seq on
            SELECT count(*)
              FROM piped;
            .seq off
            .nodes
            .leader
            .bogus
            SELECT a FROM piped ORDER BY a;
            """;
        var (stdout, stderr, code) = Run(0, script + "\n");
        var lines = stdout.Split('\n');
        Assert.Matches(@"^SequenceNumber: \d+$", lines[0]);
        Assert.Equal("2", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("* n0 ", StringComparison.Ordinal)); // .nodes marks our node, named after its directory
        Assert.Equal(3, lines.Count(l => l.Contains("/node.sock", StringComparison.Ordinal) && !l.Contains("(term", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("(term ", StringComparison.Ordinal)); // .leader
        Assert.EndsWith("1\n2\n", stdout, StringComparison.Ordinal);
        Assert.Contains("Error: unknown command or invalid arguments:  \"bogus\"", stderr, StringComparison.Ordinal);
        Assert.Equal(1, code); // .bogus failed, as sqlite3 would report
    }

    [Fact]
    public void Read_timer_status_and_help_dot_commands()
    {
        var file = Path.Combine(Cluster.Root, "read-" + Guid.NewGuid().ToString("N")[..8] + ".sql");
        File.WriteAllText(file, "CREATE TABLE readme(a INT);\nINSERT INTO readme\n  VALUES(5);\nSELECT a FROM readme;\n");
        var (stdout, stderr, code) = Run(2, $".read {file}\n.timer on\nSELECT 6;\n.timer off\nSELECT 7;\n.status\n.help\n");
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        Assert.Equal("5", lines[0]);
        Assert.Equal("6", lines[1]);
        Assert.Matches(@"^Run Time: real \d+\.\d{3}$", lines[2]);
        Assert.Equal("7", lines[3]); // no timer line after .timer off
        Assert.StartsWith("connected to: " + Cluster.SocketPath(2), lines[4], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("term:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(".read FILE", StringComparison.Ordinal)); // .help

        var missing = Run(2, "", "-c", ".read /nonexistent/script.sql");
        Assert.Equal(("", "Error: cannot open \"/nonexistent/script.sql\"\n", 1), missing);
    }

    [Fact]
    public void Documents_are_created_updated_read_and_deleted_with_the_number_of_nodes_holding_them()
    {
        var key = Guid.NewGuid().ToString();
        var (stdout, stderr, code) = Run(1, $$"""
            SET {{key}} '{"name": "it''s"}'
            GET {{key}}
            SET {{key}} '[1, 2]';
            GET {{key}};
            DELETE {{key}}
            DELETE {{key}}
            GET {{key}}
            """ + "\n");
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        Assert.Matches(@"^Created \(on [23] of 3 nodes\)\n\{""name"": ""it's""\}\nUpdated \(on [23] of 3 nodes\)\n\[1, 2\]\nDeleted \(on [23] of 3 nodes\)\nNot found\nNot found\n$", stdout);

        var bad = Run(1, "", "-c", "GET not-a-uuid");
        Assert.Equal(("", "Error: Key is not a proper UUID4\n", 1), bad);
        var badJson = Run(1, "", "-c", $"SET {key} '{{oops'");
        // In FastDb's words, not .NET's parser message ("... LineNumber: 0 | BytePositionInLine: 1").
        Assert.Equal(("", "Error: the value is not valid JSON: unexpected 'o' at character 2\n", 1), badJson);
        var unfinished = Run(1, "", "-c", $"SET {key} '[1, 2'");
        Assert.Equal("Error: the value is not valid JSON: it ends before the value is complete (a missing quote, bracket or brace?)\n", unfinished.Stderr);
    }

    internal static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    [Fact]
    public async Task In_a_terminal_it_edits_lines_continues_statements_and_quits()
    {
        using var shell = FastDbShell.StartInTerminal(Cluster.Root, "-s", Cluster.SocketPath(2));
        Assert.True(await shell.WaitForOutputAsync("fastdb>"), "no prompt:\n" + shell.Stdout);
        Assert.Contains("Connected to FastDb at " + Cluster.SocketPath(2), shell.Stdout, StringComparison.Ordinal);
        await shell.TypeAsync("SELECT 40 +\r");
        Assert.True(await shell.WaitForOutputAsync("...>"), "no continuation prompt:\n" + shell.Stdout);
        await shell.TypeAsync(" 2;\r");
        Assert.True(await shell.WaitForOutputAsync("42"), "no answer:\n" + shell.Stdout);
        // History: the up arrow recalls the last line, Enter runs it again.
        await shell.TypeAsync("SELECT 6 * 111;\r");
        Assert.True(await FastDbShell.WaitUntilAsync(() => shell.Stdout is var o && o.IndexOf("fastdb>", o.IndexOf("666", StringComparison.Ordinal) + 1, StringComparison.Ordinal) > 0),
            "no answer and prompt:\n" + shell.Stdout);
        var before = shell.Stdout.Length;
        await shell.TypeAsync("\u001b[A");
        Assert.True(await FastDbShell.WaitUntilAsync(() => shell.Stdout.IndexOf("fastdb> SELECT 6 * 111;", before, StringComparison.Ordinal) >= 0),
            "the up arrow did not bring the line back:\n" + shell.Stdout);
        await shell.TypeAsync("\r");
        Assert.True(await FastDbShell.WaitUntilAsync(() => Count(shell.Stdout, "666") >= 2), "the up arrow did not recall the line:\n" + shell.Stdout);
        await shell.TypeAsync(".quit\r");
        Assert.Equal(0, shell.Finish());
    }
}

/// <summary>Failover: its own cluster, since it freezes and kills nodes.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ShellFailoverTests
{
    [Fact]
    public async Task When_its_node_is_frozen_then_killed_the_next_statement_runs_once_through_another_node()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        Assert.Equal(0, FastDbShell.Run(cluster.Root, "", "-s", cluster.SocketPath(0), "-c", "CREATE TABLE c(n INT); INSERT INTO c VALUES(0);").ExitCode);
        using var shell = FastDbShell.Start(cluster.Root, "-s", cluster.SocketPath(1), "--heartbeat-ms", "200", "--timeout-ms", "600");
        const string bump = "UPDATE c SET n = n + 1; SELECT n FROM c;\n";
        shell.Write(bump);
        Assert.True(await shell.WaitForOutputAsync("1\n"), "first statement: " + shell.Stdout + shell.Stderr);

        cluster.Freeze(1);
        shell.Write(bump);
        Assert.True(await shell.WaitForOutputAsync("1\n2\n"), "after the freeze: " + shell.Stdout + shell.Stderr);
        // stderr is read on its own thread: the notice may land after the answer on stdout.
        Assert.True(await shell.WaitForErrorAsync("Reconnected to FastDb at "), "no reconnect notice: " + shell.Stderr);

        // Now kill the node it moved to (with node 1 thawed, two of three nodes remain: still a majority).
        var moved = shell.Stderr.Contains(cluster.SocketPath(0), StringComparison.Ordinal) ? 0 : 2;
        cluster.Thaw(1);
        cluster.Kill(moved);
        shell.Write(bump);
        Assert.True(await shell.WaitForOutputAsync("1\n2\n3\n", TimeSpan.FromSeconds(60)), "after the kill: " + shell.Stdout + shell.Stderr);
        Assert.True(await shell.WaitForErrorAsync("WARNING: 1 of 3 nodes unreachable; a majority (2) is still up"),
            "no warning for the killed node: " + shell.Stderr);

        // Each statement ran exactly once, whatever was re-sent.
        var survivor = moved == 0 ? 2 : 0;
        var check = FastDbShell.Run(cluster.Root, "", "-s", cluster.SocketPath(survivor), "-c", "SELECT n FROM c;");
        Assert.Equal("3\n", check.Stdout);

        // Kill one more: one of three left, the heartbeat says writes will wait.
        cluster.Kill(survivor);
        Assert.True(await shell.WaitForErrorAsync("WARNING: only 1 of 3 nodes reachable: statements (reads too) wait until a majority is back"),
            "no majority-lost warning: " + shell.Stderr);

        // All gone: said once, not at every heartbeat (old copies of it used to pile up and print later).
        cluster.Kill(1);
        Assert.True(await shell.WaitForErrorAsync("Error: no FastDb node is reachable"), "nothing said with every node gone: " + shell.Stderr);
        await Task.Delay(2_000); // ten heartbeats
        Assert.Equal(1, ShellProcessTests.Count(shell.Stderr, "Error: no FastDb node is reachable"));
        shell.Finish();
    }

    [Fact]
    public async Task It_talks_to_a_node_over_tcp_with_H_and_P()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var directory = Directory.CreateTempSubdirectory("fastdb-shell-tcp-").FullName;
        using var node = NodeLauncher.Start(NodeLauncher.CreateStartInfo(NativeBinary.Path("sqlcluster"), directory,
            ["-l", $"127.0.0.1:{port}", "-d", "./data"]));
        try
        {
            (string Stdout, string Stderr, int ExitCode) result = default;
            for (var attempt = 0; attempt < 100; attempt++)
            {
                result = FastDbShell.Run(directory, "", "-H", "127.0.0.1", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "-c", ".leader");
                if (result.ExitCode == 0) break;
                await Task.Delay(100);
            }
            Assert.Equal(0, result.ExitCode);
            Assert.Matches($@"^127\.0\.0\.1:{port} \(term \d+\) at 127\.0\.0\.1:{port}\n$", result.Stdout);
            var sql = FastDbShell.Run(directory, "", "-H", "127.0.0.1", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-c", "CREATE TABLE t(a INT); INSERT INTO t VALUES(7); SELECT a FROM t;");
            Assert.Equal(("7\n", 0), (sql.Stdout, sql.ExitCode));
        }
        finally
        {
            node.Kill(entireProcessTree: true);
            node.WaitForExit(10_000);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void With_no_node_answering_it_says_so_and_exits_1()
    {
        var missing = Path.Combine(Path.GetTempPath(), "fastdb-nobody-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        var (stdout, stderr, code) = FastDbShell.Run(Path.GetTempPath(), "", "-s", missing, "-c", "SELECT 1;");
        Assert.Equal("", stdout);
        Assert.Equal($"Error: no FastDb node is reachable (tried: {missing})\n", stderr);
        Assert.Equal(1, code);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "fastdb and sqlcluster child processes";
}
