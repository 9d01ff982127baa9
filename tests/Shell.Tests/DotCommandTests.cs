using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>sqlite3's dot commands through a pipe, compared with what the real sqlite3 shell prints for the same input.</summary>
[Collection(ProcessCollection.Name)]
public sealed class DotCommandTests(ShellProcessTests.ClusterFixture fixture) : IClassFixture<ShellProcessTests.ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private (string Stdout, string Stderr, int ExitCode) FastDb(string stdin) => FastDbShell.Run(Cluster.Root, stdin, "-s", Cluster.SocketPath(0));

    private static (string Stdout, string Stderr, int ExitCode) Sqlite3(string stdin)
    {
        var (stdout, stderr, exitCode) = Sqlite3Shell.Run(stdin, ":memory:", TimeSpan.FromSeconds(30));
        return (stdout, stderr, exitCode);
    }

    [RequiresSqlite3Theory]
    [InlineData(".echo on\nSELECT 1;\n.echo off\nSELECT 2;\n")]
    [InlineData(".bail on\nSELECT 1;\nSELEC 2;\nSELECT 3;\n")]
    [InlineData("SELEC 1;\nSELECT 2;\n")]                      // the context line shows one ';', as sqlite3's
    [InlineData("SELECT 1;\n.exit 3\nSELECT 2;\n")]
    [InlineData(".mode\n.mode list\n.mode bogus\n.headers off\n.headers\n.echo maybe\n")]
    [InlineData(".bogus\nSELECT 1;\n")]
    public void Same_output_as_sqlite3(string script)
    {
        Assert.Equal(Sqlite3(script), FastDb(script));
    }

    [RequiresSqlite3Fact]
    public void Tables_and_schema_list_what_the_database_holds_as_sqlite3_does()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var create = $"CREATE TABLE zeta_{suffix}(a INT UNIQUE, b INT PRIMARY KEY);\nCREATE TABLE alpha_{suffix}(b TEXT,\n c INT);\n";
        Assert.Equal(0, FastDb(create).ExitCode);
        var script = $".tables %_{suffix}\n.tables alpha%{suffix}\n.schema alpha_{suffix}\n.schema zeta_{suffix}\n" +
            $".indexes %{suffix}\n.indexes alpha_{suffix}\n.indexes a b\n";
        Assert.Equal(Sqlite3(create + script), FastDb(script));
    }

    [Fact]
    public void Nodes_on_every_node_shows_reachability_as_the_leader_sees_it()
    {
        for (var node = 0; node < Cluster.Count; node++)
        {
            var (stdout, stderr, code) = FastDbShell.Run(Cluster.Root, ".nodes\n", "-s", Cluster.SocketPath(node));
            Assert.Equal(("", 0), (stderr, code));
            var members = stdout.Split('\n').Where(l => l.Contains("/node.sock", StringComparison.Ordinal)).ToArray();
            Assert.Equal(3, members.Length);
            Assert.All(members, l => Assert.Contains(" yes ", l, StringComparison.Ordinal)); // never "?" on a follower
            Assert.Equal(["n0", "n1", "n2"], members.Select(l => l[2..].Split(' ')[0]).Order(StringComparer.Ordinal));
        }
    }

    [RequiresSqlite3Fact]
    public void Show_prints_sqlite3s_settings_layout()
    {
        var sqlite = Sqlite3(".echo on\n.show\n").Stdout.Split('\n');
        var fastdb = FastDb(".echo on\n.show\n").Stdout.Split('\n');
        Assert.Equal(sqlite.Length, fastdb.Length);
        // Every line but the filename (sqlite3's database file, FastDb's node) is the same.
        Assert.Equal(sqlite.Where(l => !l.Contains("filename:", StringComparison.Ordinal)), fastdb.Where(l => !l.Contains("filename:", StringComparison.Ordinal)));
        Assert.Contains("    filename: " + Cluster.SocketPath(0), fastdb);
    }

    [Fact]
    public void Output_and_once_send_results_to_a_file()
    {
        var all = Path.Combine(Cluster.Root, "output-" + Guid.NewGuid().ToString("N")[..8]);
        var one = all + ".once";
        var script = $".output {all}\nSELECT 1;\nSELECT 2;\n.output\nSELECT 3;\n.once {one}\nSELECT 4;\nSELECT 5;\n";
        var (stdout, stderr, code) = FastDb(script);
        Assert.Equal(("3\n5\n", "", 0), (stdout, stderr, code));
        Assert.Equal("1\n2\n", File.ReadAllText(all));
        Assert.Equal("4\n", File.ReadAllText(one));
        Assert.Equal(("", "Error: cannot open \"/nonexistent/dir/x\"\n", 1), FastDb(".output /nonexistent/dir/x\n"));
    }
}
