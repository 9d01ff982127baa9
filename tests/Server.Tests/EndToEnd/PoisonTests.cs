using System.Text;
using System.Text.Json;
using FastDb.Server.StateMachine;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// Replicated poison: scripts that once took every node down for good (a committed entry kills every node that
/// applies it, on every restart). Now each fails with a clear error, identically on every node, and the cluster
/// keeps serving, before and after every node restarts.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class PoisonTests
{
    [Fact]
    public async Task TheDoublingPoisonPill_FailsWithSqlitesTooBig_OnEveryNode_AndSurvivesARestartOfAll()
    {
        await using var cluster = await PeerCluster.StartAsync(3);
        using var client = cluster.Client(1, TimeSpan.FromSeconds(60));
        await UnixHttp.PostSqlAsync(client, "CREATE TABLE d(v TEXT); INSERT INTO d VALUES('x');");
        var pill = string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;\n", 40));
        var (status, body) = await UnixHttp.PostSqlAsync(client, pill);
        Assert.Equal(200, status);
        Assert.Contains("string or blob too big (18)", SequenceAnswer.Parse(body).Body, StringComparison.Ordinal);

        var lengths = new List<string>();
        for (var node = 0; node < 3; node++)
        {
            using var each = cluster.Client(node, TimeSpan.FromSeconds(60));
            lengths.Add(SequenceAnswer.Parse((await UnixHttp.PostSqlAsync(each, "SELECT length(v) FROM d;")).Body).Body);
        }
        Assert.Single(lengths.Distinct());
        Assert.Equal("2097152\n", lengths[0]); // 2^21: the 22nd doubling (4 MiB) is the one past the limit

        // The pill is a committed entry: every node applies it again on restart, and must survive that too.
        await cluster.RestartAllAsync();
        using var after = cluster.Client(2, TimeSpan.FromSeconds(60));
        var (again, answer) = await UnixHttp.PostSqlAsync(after, "SELECT length(v) FROM d;");
        Assert.Equal(200, again);
        Assert.Equal("2097152\n", SequenceAnswer.Parse(answer).Body);
    }

    [Fact]
    public async Task BigAnswers_AreNotKeptInTheDedupWindow_AndARetryOfOneIsToldItRanOnce()
    {
        await using var server = new ServerProcess(Directory.CreateTempSubdirectory("fastdb-poison-").FullName);
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(60));
        await UnixHttp.PostSqlAsync(client, "CREATE TABLE d(v TEXT); INSERT INTO d VALUES('x');");
        await UnixHttp.PostSqlAsync(client, string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;", 21))); // 2 Mi chars
        for (var i = 0; i < 4; i++)
        {
            var (status, body) = await UnixHttp.PostSqlAsync(client, $"SELECT v, {i} FROM d;");
            Assert.Equal(200, status);
            Assert.True(body.Length > 2_000_000);
        }
        using var status0 = JsonDocument.Parse(await client.GetStringAsync("/status"));
        var held = status0.RootElement.GetProperty("dedupAnswerChars").GetInt64();
        Assert.True(held < DedupWindow.MaxKeptAnswerChars, $"the window holds {held} chars of answers after four 2 Mi-char answers");

        // A client that hangs up before its big answer arrives (the script is slow), then retries: the request ran
        // once, and its answer is gone.
        await SlowScripts.CreateBigTableAsync(client);
        var big = SlowScripts.SlowSelect() + " SELECT v, 'lost' FROM d;";
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath));
            socket.Send(Encoding.ASCII.GetBytes($"POST /sql HTTP/1.1\r\nHost: fastdb\r\nContent-Length: {big.Length}\r\n\r\n{big}"));
            Thread.Sleep(100); // the node has read it all
        }
        // Wait until it was applied (the retry must find it in the window, not in flight).
        var applied = status0.RootElement.GetProperty("lastSequenceNumber").GetInt64() + 11; // ten INSERTs + CREATE, then this
        for (var i = 0; i < 600; i++)
        {
            using var now = JsonDocument.Parse(await client.GetStringAsync("/status"));
            if (now.RootElement.GetProperty("lastSequenceNumber").GetInt64() >= applied + 1) break;
            await Task.Delay(100);
        }
        var (retryStatus, retryBody) = await UnixHttp.PostSqlAsync(client, big);
        Assert.Equal(409, retryStatus);
        Assert.Contains("already applied", retryBody, StringComparison.Ordinal);
    }
}
