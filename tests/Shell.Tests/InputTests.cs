using FastDb.Shell.Cluster;
using FastDb.Shell.Input;
using FastDb.Shell.Session;

namespace FastDb.Shell.Tests;

public sealed class StatementReaderTests
{
    private static List<InputUnit> Feed(params string[] lines)
    {
        var reader = new StatementReader();
        var units = lines.Select(reader.Add).OfType<InputUnit>().ToList();
        if (reader.Flush() is { } rest) units.Add(rest);
        return units;
    }

    [Fact]
    public void A_statement_ends_at_a_line_ending_with_a_semicolon_like_sqlite3()
    {
        var units = Feed("SELECT a", "  FROM t", "WHERE b = 1;", "SELECT 2; SELECT 3;");
        Assert.Equal([new InputUnit(InputKind.Sql, "SELECT a\n  FROM t\nWHERE b = 1;", 1), new InputUnit(InputKind.Sql, "SELECT 2; SELECT 3;", 4)], units);
    }

    [Theory]
    [InlineData("SELECT 'a;'", false)]
    [InlineData("SELECT 'it''s;'", false)]
    [InlineData("SELECT 'it''s';", true)]
    [InlineData("SELECT \"x;\" FROM [t;]", false)]
    [InlineData("SELECT 1; -- done;", true)]
    [InlineData("SELECT 1 -- not yet;", false)]
    [InlineData("SELECT 1 /* ; */", false)]
    [InlineData("SELECT 1 /* ; */ ;", true)]
    [InlineData("SELECT 1; /* open", false)]
    public void Semicolons_inside_strings_identifiers_and_comments_do_not_end_a_statement(string text, bool complete) =>
        Assert.Equal(complete, StatementReader.IsComplete(text));

    [Fact]
    public void Dot_commands_only_start_a_line_when_nothing_is_pending()
    {
        var units = Feed(".seq on", "SELECT 1", ".5;", "  .nodes  ");
        Assert.Equal(InputKind.Dot, units[0].Kind);
        Assert.Equal(".seq on", units[0].Text);
        Assert.Equal(new InputUnit(InputKind.Sql, "SELECT 1\n.5;", 2), units[1]);
        Assert.Equal(new InputUnit(InputKind.Dot, ".nodes", 4), units[2]);
    }

    [Fact]
    public void Document_commands_end_with_their_line_but_DELETE_FROM_is_sql()
    {
        var key = "3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c";
        var units = Feed($"GET {key}", $"SET {key} '{{\"a\":", " 1}'", "DELETE FROM t", "WHERE a = 1;", $"delete {key};");
        Assert.Equal([InputKind.Document, InputKind.Document, InputKind.Sql, InputKind.Document], units.Select(u => u.Kind));
        Assert.Equal($"SET {key} '{{\"a\":\n 1}}'", units[1].Text);
    }

    [Fact]
    public void Blank_lines_and_lone_comments_run_nothing_and_an_unfinished_statement_still_runs_at_the_end()
    {
        Assert.Empty(Feed("", "   ", "-- just a comment;"));
        Assert.Equal([new InputUnit(InputKind.Sql, "SELECT 1", 1)], Feed("SELECT 1"));
    }
}

public sealed class DocumentCommandTests
{
    private const string Key = "3F2B8C1E-9A4D-4C7E-8B1A-0D2E3F4A5B6C";

    [Fact]
    public void Set_takes_a_quoted_json_value_with_doubled_quotes_or_a_bare_one()
    {
        Assert.Equal(new DocumentCommand(DocumentVerb.Set, Key.ToLowerInvariant(), "{\"n\": \"it's\"}"),
            DocumentCommand.TryParse($"SET {Key} '{{\"n\": \"it''s\"}}';", out _));
        Assert.Equal(new DocumentCommand(DocumentVerb.Set, Key.ToLowerInvariant(), "[1, 2]"), DocumentCommand.TryParse($"set {Key} [1, 2]", out _));
        Assert.Equal(new DocumentCommand(DocumentVerb.Get, Key.ToLowerInvariant(), null), DocumentCommand.TryParse($"GET {Key};", out _));
        Assert.Equal(new DocumentCommand(DocumentVerb.Delete, Key.ToLowerInvariant(), null), DocumentCommand.TryParse($"DELETE {Key}", out _));
    }

    [Theory]
    [InlineData("GET 1234", DocumentCommand.BadKey)]
    [InlineData("GET 3f2b8c1e-9a4d-1c7e-8b1a-0d2e3f4a5b6c", DocumentCommand.BadKey)] // version 1
    [InlineData("SET not-a-key '{}'", DocumentCommand.BadKey)]
    [InlineData("GET 3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c extra", "Error: usage: GET <uuid4>")]
    [InlineData("SET 3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c", "Error: usage: SET <uuid4> '<json>'")]
    [InlineData("SET 3f2b8c1e-9a4d-4c7e-8b1a-0d2e3f4a5b6c '{}' '{}'", "Error: the value must be one '...'-quoted string ('' for a quote inside it)")]
    public void Mistakes_get_a_clear_error_before_any_round_trip(string text, string error)
    {
        Assert.Null(DocumentCommand.TryParse(text, out var message));
        Assert.Equal(error, message);
    }
}

public sealed class ClusterViewTests
{
    [Fact]
    public void Warnings_follow_changes_in_reachability()
    {
        var all = new Reachability(5, 5, "node0", 3);
        var twoDown = new Reachability(3, 5, "node0", 3);
        var minority = new Reachability(2, 5, null, 4);
        Assert.Null(all.Describe(null));
        Assert.Equal("WARNING: 2 of 5 nodes unreachable; a majority (3) is still up", twoDown.Describe(all));
        Assert.Null(twoDown.Describe(twoDown));
        Assert.Equal("WARNING: only 2 of 5 nodes reachable: statements (reads too) wait until a majority is back", minority.Describe(twoDown));
        Assert.Equal("All 5 nodes reachable again (leader: node0, term 3)", all.Describe(minority));
        // Everyone answers but nobody leads (an election in progress): not "only 5 of 5 reachable".
        var leaderless = new Reachability(5, 5, null, 4);
        Assert.Equal("WARNING: 5 of 5 nodes reachable but no leader (term 4): statements (reads too) wait until one is elected", leaderless.Describe(all));
        Assert.Equal("All 5 nodes reachable again (leader: node0, term 3)", all.Describe(leaderless));
    }

    [Fact]
    public void Status_json_is_read_with_its_member_list()
    {
        const string json = """
            {"node":"node2","nodeId":3,"role":"follower","term":4,"leader":1,"leaderName":"node0","members":[1,2,3],
             "commitIndex":9,"appliedIndex":9,"lastLogIndex":9,"snapshotIndex":0,"lastSequenceNumber":null,
             "dedupWindowEntries":0,"requestsInFlight":0,"uptimeSeconds":1.5,
             "nodes":[{"id":1,"name":"node0","address":"./node0.sock","endpoint":"/r/node2/node0.sock","self":false,"leader":true,"reachable":true,"lastHeardMs":10},
                      {"id":3,"name":"node2","address":"./node2.sock","endpoint":"/r/node2/node2.sock","self":true,"leader":false,"reachable":true,"lastHeardMs":0},
                      {"id":2,"name":"node1","address":"./node1.sock","endpoint":"127.0.0.1:7001","self":false,"leader":false,"reachable":null,"lastHeardMs":null}]}
            """;
        var status = ClusterStatus.Parse(json);
        Assert.Equal(("node2", "follower", 4UL, "node0", (long?)null), (status.Node, status.Role, status.Term, status.LeaderName, status.LastSequenceNumber));
        Assert.Equal("node0", status.Leader?.Name);
        Assert.Equal("node2", status.SelfMember?.Name);
        Assert.Null(status.Members[2].Reachable);
        Assert.True(NodeEndpoint.TryParse(status.Members[2].Endpoint, out var tcp));
        Assert.Equal(NodeEndpoint.Tcp("127.0.0.1", 7001), tcp);
    }

    [Theory]
    [InlineData("1|x\n", false)]
    [InlineData("Parse error near line 1: no such table: t\n", true)]
    [InlineData("1\nRuntime error near line 2: UNIQUE constraint failed: t.a (19)\n", true)]
    [InlineData("Error: near line 1: incomplete input\n", true)]
    public void A_statement_failed_when_its_output_has_an_error_line(string output, bool failed) =>
        Assert.Equal(failed, ShellSession.HasErrorLine(output));
}
