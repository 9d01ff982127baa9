// Damaged or lost storage on real processes: a flipped byte refuses to start (never serves with less data), a
// wiped node rejoins and catches up with no sequence number reused, a follower whose log became shorter than the
// leader believed is caught up instead of hanging every request, and the files are private to their owner.
using System.Diagnostics;
using System.Text.Json;
using FastDb.Server.Storage;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

[Collection(ServerProcessCollection.Name)]
public sealed class DamagedStorageTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    private static string NewWorkDirectory() =>
        Path.Combine(Path.GetTempPath(), "fastdb-storage-test-" + Guid.NewGuid().ToString("N")[..12]);

    private const string Setup = "CREATE TABLE t(k INT PRIMARY KEY, v INT); INSERT INTO t VALUES(1, 0);";
    private const string Update = "UPDATE t SET v = v + 1 WHERE k = 1; SELECT v FROM t;";

    private static int _updates;

    private static async Task<List<long>> RunUpdatesAsync(HttpClient client, int count)
    {
        var sequences = new List<long>();
        for (var i = 0; i < count; i++)
        {
            // Each body differs (leading spaces): a byte-identical body within the dedup window gets the first answer.
            var (status, body) = await UnixHttp.PostSqlAsync(client, new string(' ', Interlocked.Increment(ref _updates) % 4000) + Update);
            Assert.Equal(200, status);
            sequences.Add(SequenceAnswer.Parse(body).Sequence);
        }
        return sequences;
    }

    [Fact]
    public async Task AByteFlippedInTheMiddleOfTheLog_MakesTheNodeRefuseToStart_WithFileOffsetAndRecovery()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using (var client = UnixHttp.CreateClient(server.SocketPath, RequestTimeout))
        {
            Assert.Equal(200, (await UnixHttp.PostSqlAsync(client, Setup)).Status);
            await RunUpdatesAsync(client, 100);
        }
        var log = Path.Combine(server.DataDirectory, LogStore.LogFileName);
        if (!OperatingSystem.IsWindows())
        {
            // Owner-only files, as created.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(server.DataDirectory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        }
        server.Signal(Signals.SigTerm);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)));

        var bytes = File.ReadAllBytes(log);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(log, bytes);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);
        Assert.NotEqual(0, server.ExitCode);
        Assert.Contains(log, server.Stderr, StringComparison.Ordinal);
        Assert.Contains("offset", server.Stderr, StringComparison.Ordinal);
        Assert.Contains("move the data directory away", server.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Stderr, StringComparison.Ordinal); // a message, not a stack trace
        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
        // Nothing was repaired behind our back: the damaged file is still whole.
        Assert.Equal(bytes, File.ReadAllBytes(log));
    }

    /// <summary>A hand-run 3-node cluster in one directory (sockets a/a.sock, b/b.sock, c/c.sock), b and c joining a.</summary>
    private static ServerProcess[] HandRunCluster(string directory, params string[] extraArgs) =>
    [
        new(directory, extraArgs) { SocketName = "a/a.sock", OwnsWorkDirectory = false },
        new(directory, [.. extraArgs, "--join=./a/a.sock"]) { SocketName = "b/b.sock", OwnsWorkDirectory = false },
        new(directory, [.. extraArgs, "--join=./a/a.sock"]) { SocketName = "c/c.sock" },
    ];

    private static async Task<JsonElement> StatusAsync(ServerProcess node)
    {
        using var client = UnixHttp.CreateClient(node.SocketPath, TimeSpan.FromSeconds(5));
        return JsonDocument.Parse(await client.GetStringAsync("/status")).RootElement.Clone();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or JsonException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"not within {seconds} s: {what}");
    }

    private static async Task<int> MembersOf(ServerProcess node) => (await StatusAsync(node)).GetProperty("members").GetArrayLength();

    private static async Task StartClusterAsync(ServerProcess[] nodes)
    {
        await nodes[0].StartAsync();
        for (var i = 1; i < nodes.Length; i++)
        {
            await nodes[i].StartAsync();
            var expected = i + 1;
            await WaitForAsync(async () => await MembersOf(nodes[0]) == expected, $"node {i} joined");
        }
    }

    [Fact]
    public async Task ANodeWhoseDataDirectoryWasWiped_RejoinsAndCatchesUp_AndNoSequenceNumberIsReused()
    {
        var directory = NewWorkDirectory();
        var nodes = HandRunCluster(directory, "--snapshot-every", "50");
        try
        {
            await StartClusterAsync(nodes);
            using var viaA = UnixHttp.CreateClient(nodes[0].SocketPath, RequestTimeout);
            Assert.Equal(200, (await UnixHttp.PostSqlAsync(viaA, Setup)).Status);
            var before = await RunUpdatesAsync(viaA, 150);

            nodes[2].Kill9();
            Directory.Delete(nodes[2].DataDirectory, recursive: true);
            File.Delete(nodes[2].SocketPath);
            await nodes[2].StartAsync();
            // It is a member the leader still counts; with an empty log it must be caught up (from a snapshot: the
            // leader compacted long ago) rather than wait as "joining" forever.
            await WaitForAsync(async () => (await StatusAsync(nodes[2])).GetProperty("role").GetString() == "follower", "the wiped node is a follower again");
            using var viaC = UnixHttp.CreateClient(nodes[2].SocketPath, RequestTimeout);
            var after = await RunUpdatesAsync(viaC, 20);
            var all = before.Concat(after).ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.True(after.Min() > before.Max(), $"a sequence number was handed out again: {after.Min()} after {before.Max()}");
            // The wiped node's state is the cluster's: the counter it answers counts every update.
            var (_, body) = await UnixHttp.PostSqlAsync(viaC, "SELECT v FROM t;");
            Assert.Equal("170\n", SequenceAnswer.Parse(body).Body);
            Assert.False(File.Exists(Path.Combine(nodes[2].DataDirectory, LogStore.CatchUpMarkerFileName)));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task AFollowerWhoseLogBecameShorterThanTheLeaderBelieves_IsCaughtUp_NotLeftHanging()
    {
        var directory = NewWorkDirectory();
        var nodes = HandRunCluster(directory);
        try
        {
            await StartClusterAsync(nodes);
            using var viaA = UnixHttp.CreateClient(nodes[0].SocketPath, RequestTimeout);
            Assert.Equal(200, (await UnixHttp.PostSqlAsync(viaA, Setup)).Status);
            await RunUpdatesAsync(viaA, 200);
            // The follower that is not the leader: a's role decides.
            var follower = (await StatusAsync(nodes[1])).GetProperty("role").GetString() == "leader" ? nodes[2] : nodes[1];
            follower.Kill9();
            // Cut its log.bin in the middle: what loads is a consistent but shorter log (the cut record is a torn
            // final record to the store), ending far below what the leader has as its match.
            var log = Path.Combine(follower.DataDirectory, LogStore.LogFileName);
            using (var file = new FileStream(log, FileMode.Open)) file.SetLength(file.Length / 3);
            File.Delete(follower.SocketPath);
            await follower.StartAsync();
            using var viaFollower = UnixHttp.CreateClient(follower.SocketPath, RequestTimeout);
            // Each request through it must be answered (a leader ignoring its rejections left all of them hanging).
            var after = await RunUpdatesAsync(viaFollower, 10);
            var (_, body) = await UnixHttp.PostSqlAsync(viaFollower, "SELECT v FROM t;");
            Assert.Equal("210\n", SequenceAnswer.Parse(body).Body);
            await WaitForAsync(async () =>
                (await StatusAsync(follower)).GetProperty("commitIndex").GetUInt64() >= (await StatusAsync(nodes[0])).GetProperty("commitIndex").GetUInt64() - 1,
                "the follower's commit index reaches the leader's");
            Assert.Equal(10, after.Distinct().Count());
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }
}
