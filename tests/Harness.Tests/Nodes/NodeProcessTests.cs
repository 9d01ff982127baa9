using FastDb.Harness.Nodes;

namespace FastDb.Harness.Tests.Nodes;

/// <summary>Freeze, murder and unexpected exits of node processes, with /bin/sleep standing in for sqlcluster.</summary>
public sealed class NodeProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>The state letter of /proc/PID/stat: R, S, T (stopped), Z...</summary>
    private static char State(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }

    private static NodeProcess Sleeper(List<string> disqualifications, string seconds = "30") =>
        new(0, "/bin/sleep", [seconds], Path.GetTempPath(), TextWriter.Null, r => { lock (disqualifications) disqualifications.Add(r); });

    [Fact]
    public async Task Freeze_StopsTheProcess_UntilTheLastReleaseThawsIt()
    {
        if (!File.Exists("/bin/sleep") || !Directory.Exists("/proc")) return;
        var dq = new List<string>();
        NodeProcess node = Sleeper(dq);
        node.Start();
        try
        {
            int pid = node.Pid!.Value;
            Action first = node.Freeze();
            Action second = node.Freeze();
            await WaitFor(() => State(pid) == 'T');
            first();
            await Task.Delay(200);
            Assert.Equal('T', State(pid));
            second();
            await WaitFor(() => State(pid) != 'T');
            Assert.Empty(dq);
        }
        finally { await node.ShutdownAsync(TimeSpan.FromSeconds(2)).WaitAsync(Bound); }
        Assert.Empty(dq);
    }

    [Fact]
    public async Task Murder_TerminatesAndRestartsWithANewProcess_WithoutDisqualifying()
    {
        if (!File.Exists("/bin/sleep")) return;
        var dq = new List<string>();
        NodeProcess node = Sleeper(dq);
        node.Start();
        try
        {
            int before = node.Pid!.Value;
            Task murder = node.KillFor(TimeSpan.FromMilliseconds(300));
            Assert.Null(node.Pid);
            await murder.WaitAsync(Bound);
            Assert.NotNull(node.Pid);
            Assert.NotEqual(before, node.Pid);
            await Task.Delay(200);
            Assert.Empty(dq);
        }
        finally { await node.ShutdownAsync(TimeSpan.FromSeconds(2)).WaitAsync(Bound); }
    }

    [Fact]
    public async Task ExitingOnItsOwn_Disqualifies_WithOctopusMessage()
    {
        if (!File.Exists("/bin/sleep")) return;
        var dq = new List<string>();
        NodeProcess node = Sleeper(dq, "0.1");
        node.Start();
        await WaitFor(() => { lock (dq) return dq.Count == 1; });
        Assert.Equal("Command exited unexpectedly (but cleanly!): /bin/sleep 0.1", dq[0]);
        await node.ShutdownAsync(TimeSpan.FromSeconds(2)).WaitAsync(Bound);
    }

    [Fact]
    public void Layout_GivesOctopusPathsAndFlags()
    {
        var layout = new NodeLayout("/tmp/r", 3);
        Assert.Equal("/tmp/r/node1/node2.sock", layout.SocketPath(1, 2));
        Assert.Equal(["-l", "./node0.sock", "-d", "/tmp/r/node0"], layout.Arguments(0, []));
        Assert.Equal(["-l", "./node2.sock", "-d", "/tmp/r/node2", "--join=./node0.sock", "-v"], layout.Arguments(2, ["-v"]));
    }
}
