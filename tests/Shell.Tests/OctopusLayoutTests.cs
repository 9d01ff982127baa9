using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>The shell against five nodes laid out as octopus lays them out, each behind a proxy socket in every
/// other node's directory.</summary>
[Collection(ProcessCollection.Name)]
public sealed class OctopusLayoutTests
{
    [Fact]
    public async Task In_a_terminal_it_fails_over_through_the_proxies_to_the_leader_first_and_each_statement_runs_once()
    {
        await using var cluster = await TestCluster.StartOctopusAsync(5);
        var leader = await cluster.LeaderAsync();
        var follower = (leader + 2) % 5;
        Assert.Equal(0, FastDbShell.Run(cluster.Root, "", "-s", cluster.SocketPath(leader), "-c", "CREATE TABLE c(n INT); INSERT INTO c VALUES(0);").ExitCode);

        using var shell = FastDbShell.StartInTerminal(cluster.Root, "-s", cluster.SocketPath(follower), "--heartbeat-ms", "200", "--timeout-ms", "600");
        Assert.True(await shell.WaitForOutputAsync("fastdb>"), "no prompt:\n" + shell.Stdout);
        Assert.True(shell.Stdout.Contains($"Connected to FastDb at {cluster.SocketPath(follower)} (leader: node{leader}, term ", StringComparison.Ordinal)
            && shell.Stdout.Contains("Known nodes: node0", StringComparison.Ordinal), "banner:\n" + shell.Stdout);
        const string bump = "UPDATE c SET n = n + 1; SELECT n FROM c;\r";
        await shell.TypeAsync(bump);
        Assert.True(await shell.WaitForOutputAsync("\n1\n"), "first statement:\n" + shell.Stdout);

        // Its node dies: the shell moves to the leader, through the proxy in the dead node's directory (the endpoints
        // it learned), and the statement runs once.
        cluster.Kill(follower);
        await shell.TypeAsync(bump);
        Assert.True(await shell.WaitForOutputAsync("\n2\n", TimeSpan.FromSeconds(60)), "after the kill:\n" + shell.Stdout);
        var proxyToLeader = Path.Combine(cluster.Root, $"node{follower}", $"node{leader}.sock");
        // (The leader first: the one the dead node last named. Its own /status may say "no leader yet" for a moment.)
        Assert.True(shell.Stdout.Contains($"Reconnected to FastDb at {proxyToLeader} (", StringComparison.Ordinal),
            $"not to the leader through {proxyToLeader}:\n" + shell.Stdout + "\n" + await cluster.DescribeAsync());

        // Then the leader freezes: three of five remain, a majority; they elect a leader and the shell follows.
        cluster.Freeze(leader);
        await shell.TypeAsync(bump);
        Assert.True(await shell.WaitForOutputAsync("\n3\n", TimeSpan.FromSeconds(60)), "after freezing the leader:\n" + shell.Stdout);
        Assert.True(ShellProcessTests.Count(shell.Stdout, "Reconnected to FastDb at ") >= 2, "no second reconnect:\n" + shell.Stdout);
        cluster.Thaw(leader);

        var survivor = Enumerable.Range(0, 5).First(i => i != leader && i != follower);
        Assert.Equal("3\n", FastDbShell.Run(cluster.Root, "", "-s", cluster.SocketPath(survivor), "-c", "SELECT n FROM c;").Stdout);
        await shell.TypeAsync(".quit\r");
        Assert.Equal(0, shell.Finish());
    }
}
