using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// Real processes: a slow statement does not stall consensus (applying runs apart from the Raft loop), a repeated
/// script gets a fresh answer, and a retry of a request whose answer was lost gets the original one.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class ApplyAndDedupTests
{
    private static string NewWorkDirectory() => Directory.CreateTempSubdirectory("fastdb-dedup-").FullName;

    [Fact]
    public async Task ASlowStatement_DelaysItsAnswer_ButCausesNoElection()
    {
        await using var cluster = await PeerCluster.StartAsync(3);
        using var client = cluster.Client(1, TimeSpan.FromSeconds(60));
        await SlowScripts.CreateBigTableAsync(client);
        var terms = await Task.WhenAll(Enumerable.Range(0, 3).Select(TermAsync));

        var clock = Stopwatch.StartNew();
        var (status, body) = await UnixHttp.PostSqlAsync(client, SlowScripts.SlowSelect());
        var took = clock.Elapsed;
        Assert.Equal(200, status);
        Assert.Equal("9999\n", SequenceAnswer.Parse(body).Body);
        // Only meaningful if applying took well over an election timeout (200 ms by default): it did, on the loop, before.
        Assert.True(took > TimeSpan.FromSeconds(1), $"the slow statement took only {took}: make it slower");

        var after = await Task.WhenAll(Enumerable.Range(0, 3).Select(TermAsync));
        Assert.Equal(terms, after);
        Assert.Equal(200, (await UnixHttp.PostSqlAsync(client, "SELECT count(*) FROM big;")).Status);

        async Task<long> TermAsync(int node)
        {
            using var status = await cluster.StatusAsync(node) ?? throw new InvalidOperationException($"node {node} silent");
            return status.RootElement.GetProperty("term").GetInt64();
        }
    }

    [Fact]
    public async Task ARepeatedScript_GetsAFreshAnswerEachTime()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        await UnixHttp.PostSqlAsync(client, "CREATE TABLE t(a INT);");
        var first = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, "SELECT count(*) FROM t;")).Body);
        await UnixHttp.PostSqlAsync(client, "INSERT INTO t VALUES(1);");
        var second = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, "SELECT count(*) FROM t;")).Body);
        var third = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, "SELECT count(*) FROM t;")).Body);
        Assert.Equal(("0\n", "1\n", "1\n"), (first.Body, second.Body, third.Body));
        Assert.Equal(first.Sequence + 2, second.Sequence);
        Assert.Equal(second.Sequence + 1, third.Sequence);
    }

    [Fact]
    public async Task ARetry_OfARequestWhoseClientLeftBeforeItsAnswer_GetsTheOriginalAnswer_AndRunsOnce()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(120));
        await SlowScripts.CreateBigTableAsync(client);
        await UnixHttp.PostSqlAsync(client, "CREATE TABLE t(a INT);");

        // The client sends a slow script and hangs up at once: its answer is never delivered.
        var script = "INSERT INTO t VALUES(42); " + SlowScripts.SlowSelect();
        SendAndHangUp(server.SocketPath, script);
        // Octopus retries 100 ms after the failure; the node notices a hang-up within milliseconds. (A retry that
        // arrives before the node has seen the first connection close is taken for a second client's request.)
        await Task.Delay(500);
        // Its retry (same body, same node, as octopus does) must get the original answer, not run again.
        var retry = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, script)).Body);
        var check = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, "SELECT count(*) FROM t WHERE a = 42;")).Body);
        Assert.Equal("9999\n", retry.Body);
        Assert.Equal("1\n", check.Body);
        Assert.Equal(retry.Sequence + 1, check.Sequence);

        // Once delivered, the same body again is a new request.
        var again = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, "INSERT INTO t VALUES(42); SELECT count(*) FROM t;")).Body);
        var repeat = SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(client, "INSERT INTO t VALUES(42); SELECT count(*) FROM t;")).Body);
        Assert.Equal(("2\n", "3\n"), (again.Body, repeat.Body));
    }

    /// <summary>Writes one POST /sql and closes the connection without reading anything.</summary>
    private static void SendAndHangUp(string socketPath, string script)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var body = Encoding.UTF8.GetBytes(script);
        socket.Send(Encoding.ASCII.GetBytes($"POST /sql HTTP/1.1\r\nHost: fastdb\r\nContent-Length: {body.Length}\r\n\r\n"));
        socket.Send(body);
        Thread.Sleep(100); // let the node read the whole request before the hang-up
    }
}
