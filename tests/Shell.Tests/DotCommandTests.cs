using System.Diagnostics;
using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>sqlite3's dot commands through a pipe, compared with what the real sqlite3 shell prints for the same input.</summary>
[Collection(ProcessCollection.Name)]
public sealed class DotCommandTests(ShellProcessTests.ClusterFixture fixture) : IClassFixture<ShellProcessTests.ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private (string Stdout, string Stderr, int ExitCode) FastDb(string stdin) => FastDbShell.Run(Cluster.Root, stdin, "-s", Cluster.SocketPath(0));

    internal static (string Stdout, string Stderr, int ExitCode) Sqlite3(string stdin, string workingDirectory)
    {
        using var process = Process.Start(new ProcessStartInfo(Sqlite3Shell.DefaultPath, [":memory:"])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000));
        return (stdout.Result, stderr, process.ExitCode);
    }

    [RequiresSqlite3Theory]
    [InlineData(".echo on\nSELECT 1;\n.echo off\nSELECT 2;\n")]
    [InlineData(".bail on\nSELECT 1;\nSELEC 2;\nSELECT 3;\n")]
    [InlineData("SELEC 1;\nSELECT 2;\n")]                      // the context line shows one ';', as sqlite3's
    [InlineData("SELECT 1;\n.exit 3\nSELECT 2;\n")]
    [InlineData(".mode\n.mode list\n.mode bogus\n.headers off\n.headers\n.echo maybe\n")]
    [InlineData(".bogus\nSELECT 1;\n")]
    [InlineData(".changes on\nCREATE TABLE chg(a PRIMARY KEY);\nINSERT INTO chg VALUES(1),(2);\nSELECT 1;\nINSERT INTO chg VALUES(1);\n" +
        "UPDATE chg SET a = a + 10;\nSELECT 2;\nDELETE FROM chg WHERE a > 11;\n.changes off\nSELECT 3;\n")]
    [InlineData(".mode box\n.headers off\n.mode column\nSELECT 1 AS a, 'x' AS b;\n.mode csv\nSELECT 'a b', NULL, '';\n.mode insert \"my t\"\nSELECT 0.1;\nSELECT nope;\n")]
    public void Same_output_as_sqlite3(string script)
    {
        Assert.Equal(Sqlite3(script, Cluster.Root), FastDb(script));
    }

    [RequiresSqlite3Fact]
    public void Tables_and_schema_list_what_the_database_holds_as_sqlite3_does()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var create = $"CREATE TABLE zeta_{suffix}(a INT UNIQUE, b INT PRIMARY KEY);\nCREATE TABLE alpha_{suffix}(b TEXT,\n c INT);\n";
        Assert.Equal(0, FastDb(create).ExitCode);
        var script = $".tables %_{suffix}\n.tables alpha%{suffix}\n.schema alpha_{suffix}\n.schema zeta_{suffix}\n" +
            $".indexes %{suffix}\n.indexes alpha_{suffix}\n.indexes a b\n";
        Assert.Equal(Sqlite3(create + script, Cluster.Root), FastDb(script));
    }

    [RequiresSqlite3Theory]
    [InlineData("list")]
    [InlineData("csv")]
    [InlineData("column")]
    [InlineData("table")]
    [InlineData("box")]
    [InlineData("markdown")]
    [InlineData("json")]
    [InlineData("line")]
    [InlineData("insert")]
    public void Every_output_mode_and_headers_render_as_sqlite3s(string mode)
    {
        var t = "m_" + Guid.NewGuid().ToString("N")[..8];
        var create = $"CREATE TABLE {t}(id INTEGER PRIMARY KEY, name TEXT, score REAL);\n" +
            $"INSERT INTO {t} VALUES(1, 'gdb', 0.1);\nINSERT INTO {t} VALUES(2, 'two\nlines', NULL);\nINSERT INTO {t}(name) VALUES('it''s, \"q\"');\n";
        Assert.Equal(0, FastDb(create).ExitCode);
        var script = $".mode {mode}\nSELECT * FROM {t};\nSELECT name AS n, score*2, typeof(score) FROM {t} ORDER BY id DESC;\n" +
            $".headers on\nSELECT * FROM {t};\nSELECT count(*) FROM {t} WHERE 0;\nSELECT nope FROM {t};\n.headers off\nSELECT id FROM {t};\n.mode\n";
        // The same line numbers: sqlite3 reads the CREATE lines first, FastDb as many blank lines.
        Assert.Equal(Sqlite3(create + script, Cluster.Root), FastDb(new string('\n', create.Count(c => c == '\n')) + script));
    }

    [RequiresSqlite3Fact]
    public void Dump_and_schema_print_what_sqlite3_prints_for_the_same_tables()
    {
        var t = "d_" + Guid.NewGuid().ToString("N")[..8];
        var create = $"CREATE TABLE {t}(a INTEGER PRIMARY KEY, b TEXT -- a comment\n, c REAL UNIQUE);\n" +
            $"CREATE TABLE \"{t} q\"(x, y);\nCREATE INDEX {t}_i ON {t}(b);\n" +
            $"INSERT INTO {t} VALUES(1, 'x''y', 1e300);\nINSERT INTO {t} VALUES(2, 'a\nb', 2.5e-7);\nINSERT INTO {t} VALUES(3, NULL, -0.0);\n" +
            $"INSERT INTO \"{t} q\" VALUES(9.3e18, 'z');\n";
        Assert.Equal(0, FastDb(create).ExitCode);
        var script = $".dump {t}%\n.dump {t}\n.schema {t}%\n.mode csv\n.show\n";
        var sqlite = Sqlite3(create + script, Cluster.Root);
        var fastdb = FastDb(script);
        Assert.Equal(sqlite.Stdout.Replace("filename: :memory:", "filename: " + Cluster.SocketPath(0), StringComparison.Ordinal), fastdb.Stdout);
        Assert.Equal((sqlite.Stderr, sqlite.ExitCode), (fastdb.Stderr, fastdb.ExitCode));
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
        var sqlite = Sqlite3(".echo on\n.show\n", Cluster.Root).Stdout.Split('\n');
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
