using System.Net;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// Issue 17, membership as an admin API: DELETE /nodes/{id} removes a member with a single-server change through the
/// Raft log. The quorum shrinks with it: after removing two of three members the last one commits alone, which three
/// members could never do with two of them dead. A removed node stops voting and says so (stderr and /status).
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class MemberRemovalTests
{
    [Fact]
    public async Task Removing_members_shrinks_the_quorum_and_writes_go_on_with_the_remaining_majority()
    {
        await using var cluster = await PeerCluster.StartAsync(3);
        await cluster.SqlAsync(0, "CREATE TABLE c(n INT); INSERT INTO c VALUES(0);");
        var (leader, _, _) = await cluster.LeaderAsync();
        var keep = leader;
        var first = (leader + 1) % 3;
        var second = (leader + 2) % 3;
        var firstId = await cluster.NodeIdAsync(first);

        // Asked at a follower (it passes the request to the leader), by id.
        using (var http = cluster.Client(second, TimeSpan.FromSeconds(30)))
        using (var response = await http.DeleteAsync($"/nodes/{firstId}"))
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await cluster.WaitForAsync(keep, s => s.GetProperty("members").GetArrayLength() == 2, "two members at the leader");
        await cluster.WaitForAsync(first, s => s.GetProperty("role").GetString() == "removed", "the removed node says so in /status");
        Assert.Contains("was removed from the cluster", cluster.Stderr(first), StringComparison.Ordinal);
        using (var removed = cluster.Client(first, TimeSpan.FromSeconds(30)))
        using (var refused = await removed.PostAsync("/sql", new StringContent("SELECT 1;")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("removed from the cluster", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Two members left: writes go on through both, and through neither's help from the removed node.
        cluster.Kill(first);
        Assert.Equal("1\n", (await cluster.SqlAsync(keep, "UPDATE c SET n = n + 1; SELECT n FROM c;")).Body);
        Assert.Equal("2\n", (await cluster.SqlAsync(second, "UPDATE c SET n = n + 1; SELECT n FROM c;")).Body);

        // Removed by address, at the leader this time: one member left, quorum 1.
        var secondAddress = cluster.Address(second);
        using (var http = cluster.Client(keep, TimeSpan.FromSeconds(30)))
        using (var response = await http.DeleteAsync("/nodes/" + Uri.EscapeDataString(secondAddress)))
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await cluster.WaitForAsync(keep, s => s.GetProperty("members").GetArrayLength() == 1, "one member left");
        await cluster.WaitForAsync(second, s => s.GetProperty("role").GetString() == "removed", "the second removed node says so");
        cluster.Kill(second);
        // With two of the original three dead, only the shrunken quorum lets this commit.
        Assert.Equal("3\n", (await cluster.SqlAsync(keep, "UPDATE c SET n = n + 1; SELECT n FROM c;")).Body);

        using (var http = cluster.Client(keep, TimeSpan.FromSeconds(30)))
        {
            using var last = await http.DeleteAsync("/nodes/" + Uri.EscapeDataString(cluster.Address(keep)));
            Assert.Equal(HttpStatusCode.Conflict, last.StatusCode); // the only member stays
            using var none = await http.DeleteAsync("/nodes/no-such-node");
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }
    }
}
