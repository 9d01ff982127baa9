using System.Diagnostics;
using System.Text.Json;

namespace FastDb.Cluster.Tests.Rqlite;

/// <summary>
/// rqlite's own JavaScript client (rqlite-js 2.5.7 from npm) against a real 3-node FastDb cluster: DDL,
/// parameterized writes, every read level on every node, a transaction with a failing statement leaving nothing,
/// an unsupported statement's error, the SQL backup, and the leader killed mid-run with no acknowledged write lost.
/// The checks are the driver's (rqlite-js-driver.js) and, for the writes, this test's.
/// </summary>
public sealed class RqliteJsClientTests(RqliteJsClient client) : IClassFixture<RqliteJsClient>
{
    private const int Writes = 150;
    private const int AcksBeforeKill = 30;
    private static readonly TimeSpan DriverTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task RqliteJsDrivesTheClusterThroughALeaderKill()
    {
        await using var cluster = await RqliteTcpCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        // The leader first: rqlite-js sends to its first host, so killing it makes the client fail over.
        var order = new[] { leader }.Concat(Enumerable.Range(0, 3).Where(i => i != leader)).ToArray();
        var hosts = string.Join(',', order.Select(cluster.Url));

        var start = NodeLauncher.CreateStartInfo("node", client.Directory, ["rqlite-js-driver.js", hosts, Writes.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var acked = new List<long>();
        var steps = new List<string>();
        long[]? present = null;
        string? failure = null;
        bool killed = false;
        int ackedAtKill = 0;
        var output = new System.Text.StringBuilder();
        var errors = new System.Text.StringBuilder();
        var gate = new object();
        using var driver = NodeLauncher.Start(start, NodeLauncher.AppendTo(errors), line =>
        {
            lock (gate)
            {
                output.AppendLine(line);
                JsonDocument json;
                try { json = JsonDocument.Parse(line); }
                catch (JsonException) { return; } // not one of the driver's lines (kept in the output above)
                using var _ = json;
                var root = json.RootElement;
                if (root.TryGetProperty("step", out var step)) steps.Add(step.GetString()!);
                else if (root.TryGetProperty("acked", out var id)) acked.Add(id.GetInt64());
                else if (root.TryGetProperty("present", out var ids)) present = ids.EnumerateArray().Select(e => e.GetInt64()).ToArray();
                else if (root.TryGetProperty("fail", out var message)) failure = message.GetString();
                if (!killed && acked.Count >= AcksBeforeKill)
                {
                    cluster.Kill(leader);
                    killed = true;
                    ackedAtKill = acked.Count;
                }
            }
        });
        var exited = driver.WaitForExit(DriverTimeout);
        if (!exited) driver.Kill(entireProcessTree: true);
        driver.WaitForExit();
        lock (gate)
        {
            string context;
            lock (errors) context = $"driver output:\n{output}\ndriver stderr:\n{errors}\nnodes:\n{cluster.Log}";
            Assert.True(exited, "the driver did not finish in time\n" + context);
            Assert.True(failure is null, $"rqlite-js check failed: {failure}\n{context}");
            Assert.Equal(0, driver.ExitCode);
            Assert.Equal(new[] { "ddl", "parameterized-writes", "read-level", "read-level", "read-level", "read-level", "read-level",
                "transaction-rolled-back", "unsupported-statement", "every-node", "backup", "ready-to-kill" }, steps);
            Assert.True(killed, "the leader was never killed: too few writes acknowledged\n" + context);
            Assert.True(acked.Count > ackedAtKill, "no write was acknowledged after the leader was killed\n" + context);
            Assert.NotNull(present);
            var lost = acked.Except(present!).ToArray();
            Assert.True(lost.Length == 0, $"acknowledged writes lost: {string.Join(", ", lost)}\n{context}");
        }
    }
}
