using System.Runtime.CompilerServices;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

[Collection(ServerProcessCollection.Name)]
public sealed class WorkloadTests
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(60);

    private static string NewWorkDirectory() =>
        Path.Combine(Path.GetTempPath(), "fastdb-server-test-" + Guid.NewGuid().ToString("N")[..12]);

    [RequiresSqlite3Fact]
    public async Task OctopusWorkload_From20KeepAliveClients_IsGaplessAndMatchesSqlite3()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));

        var answers = await Workload.RunAsync(client, clients: 20, updates: 1500, seed: 1, GiveUp);

        Assert.Equal(1501, answers.Count);
        Workload.AssertLikeOctopus(answers);
    }

    [RequiresSqlite3Fact]
    public async Task KillNine_AtRandomMomentsDuringLoad_LosesOrRenumbersNoAcknowledgedAnswer()
    {
        await using var server = new ServerProcess(NewWorkDirectory(), "--snapshot-every", "200");
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(10));

        // Each kill strikes after a random number of further answers, not after a random delay: on a fast machine the
        // whole load can finish inside the first delay (it did once in CI, in 484 ms), and the test proves nothing.
        var answered = new StrongBox<int>();
        var load = Workload.RunAsync(client, clients: 20, updates: 6000, seed: 2, GiveUp, answered);
        var random = new Random(2);
        var kills = 0;
        var deadline = DateTime.UtcNow + GiveUp;
        for (var strikeAt = random.Next(200, 1200); kills < 3 && !load.IsCompleted; kills++, strikeAt += random.Next(300, 1500))
        {
            while (Volatile.Read(ref answered.Value) < strikeAt && !load.IsCompleted && DateTime.UtcNow < deadline)
                await Task.Delay(1);
            if (load.IsCompleted) break;
            server.Kill9();
            await Task.Delay(random.Next(50, 300));
            await server.StartAsync(); // the socket file left by the killed process is stale: removed at start
        }
        var answers = await load;

        Assert.True(kills > 0, "the load finished before the first kill; the test proved nothing");
        Workload.AssertLikeOctopus(answers);

        // After one more kill, the node cannot know which of its answers reached their clients: a re-sent body
        // (octopus's retry after a lost answer) gets its original number and body.
        server.Kill9();
        await server.StartAsync();
        var resent = answers.OrderBy(_ => random.Next()).Take(40).ToList();
        foreach (var earlier in resent)
        {
            var again = await Workload.SendUntilAnsweredAsync(client, earlier.Script, GiveUp);
            Assert.Equal(earlier.Sequence, again.Sequence);
            Assert.Equal(earlier.Body, again.Body);
        }
        // That answer was delivered now: the same body once more is a new request.
        var fresh = await Workload.SendUntilAnsweredAsync(client, resent[0].Script, GiveUp);
        Assert.True(fresh.Sequence > answers.Max(a => a.Sequence), $"a delivered body sent again got number {fresh.Sequence}");
    }

    [RequiresSqlite3Fact]
    public async Task Restart_RecoversFromSnapshotAndLog_AndContinuesTheSequence()
    {
        await using var server = new ServerProcess(NewWorkDirectory(), "--snapshot-every", "50");
        await server.StartAsync();
        var random = new Random(3);
        var answers = new List<Acknowledged>();
        using (var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30)))
        {
            answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp));
            for (var i = 0; i < 320; i++)
                answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), GiveUp));
        }

        server.Signal(Signals.SigTerm);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)), "SIGTERM did not stop the node within 10 s");
        Assert.Equal(0, server.ExitCode);
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "snapshot.bin")), "no snapshot after 321 entries with --snapshot-every 50");
        var logBytes = new FileInfo(Path.Combine(server.DataDirectory, "log.bin")).Length;
        Assert.True(logBytes < 60 * 1024, $"log not truncated behind the snapshot: {logBytes} bytes");

        await server.StartAsync();
        using (var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30)))
        {
            for (var i = 0; i < 5; i++)
                answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), GiveUp));
            var status = await client.GetStringAsync("/status");
            Assert.Contains("\"lastSequenceNumber\": 325", status, StringComparison.Ordinal);
            Assert.Contains("\"role\": \"leader\"", status, StringComparison.Ordinal);
        }
        Workload.AssertLikeOctopus(answers);
    }

    [RequiresSqlite3Fact]
    public async Task TornLogTail_IsCutWithAWarning_AndEverythingBeforeItSurvives()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        var random = new Random(4);
        var answers = new List<Acknowledged>();
        using (var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30)))
        {
            answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp));
            for (var i = 0; i < 20; i++)
                answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), GiveUp));
        }
        server.Kill9();
        // A half-written record: the write was cut inside its 12-byte header.
        await using (var log = new FileStream(Path.Combine(server.DataDirectory, "log.bin"), FileMode.Append))
            log.Write([40, 0, 0, 0, 1, 2, 3, 4, 1, 7, 7]);

        await server.StartAsync();
        Assert.Contains("torn final record", server.Stderr, StringComparison.Ordinal);
        using (var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30)))
            answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), GiveUp));
        Assert.Equal(21, answers[^1].Sequence);
        Workload.AssertLikeOctopus(answers);
    }

    [RequiresSqlite3Fact]
    public async Task FrozenWithSigTstp_ThenSigCont_KeepsItsStateAndSocket()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        var answers = new List<Acknowledged> { await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp) };

        server.Freeze(); // SIGTSTP, what octopus's freeze monkey sends
        var random = new Random(5);
        var whileFrozen = Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), GiveUp);
        await Task.Delay(1000);
        Assert.False(whileFrozen.IsCompleted, "a frozen node answered");
        server.Signal(Signals.SigCont);
        answers.Add(await whileFrozen);
        answers.Add(await Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), GiveUp));

        Assert.False(server.HasExited);
        Workload.AssertLikeOctopus(answers);
    }

    [RequiresSqlite3Fact]
    public async Task ARestartWhileThePreviousProcessStillHoldsTheSocket_WaitsForIt_ThenTakesOver()
    {
        var directory = NewWorkDirectory();
        await using var first = new ServerProcess(directory);
        await first.StartAsync();
        Acknowledged boot;
        using (var client = UnixHttp.CreateClient(first.SocketPath, TimeSpan.FromSeconds(30)))
            boot = await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp);

        Assert.True(Signals.Stop(first.ProcessId), "the first process did not stop"); // still accepting on its socket, never answering
        await using var second = new ServerProcess(directory);
        var starting = second.StartAsync();
        // Start-up time varies with machine load: wait (bounded) until the second process reports that it is waiting.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!second.Stderr.Contains("still served by another process", StringComparison.Ordinal)
               && clock.Elapsed < TimeSpan.FromSeconds(30) && !starting.IsCompleted)
            await Task.Delay(50);
        Assert.Contains("still served by another process", second.Stderr, StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.False(starting.IsCompleted, "the second process came up while the first still held the socket");
        Assert.False(second.HasExited, $"the second process gave up too early:\n{second.Stderr}");
        first.Kill9();
        await starting;

        using var again = UnixHttp.CreateClient(second.SocketPath, TimeSpan.FromSeconds(30));
        var next = await Workload.SendUntilAnsweredAsync(again, CtfWorkload.RandomUpdate(new Random(7)), GiveUp);
        Assert.Equal(1, next.Sequence);
        Workload.AssertLikeOctopus([boot, next]);
    }
}
