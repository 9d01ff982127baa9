namespace FastDb.Server.Tests.Support;

/// <summary>
/// Proves a cluster still serves correctly: a counter that every node increments in turn, each answer checked, and
/// every process still running. Shared by the tests that attack a cluster and then look at it.
/// </summary>
public sealed class ServingCheck
{
    private readonly PeerCluster _cluster;
    private int _expected;

    private ServingCheck(PeerCluster cluster) => _cluster = cluster;

    /// <summary>Creates the counter table (through node 0).</summary>
    public static async Task<ServingCheck> StartAsync(PeerCluster cluster)
    {
        await cluster.SqlAsync(0, "CREATE TABLE c(n INT); INSERT INTO c VALUES(0);");
        return new ServingCheck(cluster);
    }

    /// <summary>Each node increments the counter once and must answer the new value.</summary>
    public async Task AssertServingAsync(string after)
    {
        for (var node = 0; node < _cluster.Count; node++)
        {
            // A distinct body each time (the dedup window answers a byte-identical body again).
            var (_, body) = await _cluster.SqlAsync(node, $"UPDATE c SET n = n + 1 WHERE n = {_expected}; SELECT n FROM c;");
            Assert.True($"{++_expected}\n" == body, $"after {after}: node {node} answered '{body}', expected {_expected}");
        }
        _cluster.AssertAllRunning("after " + after);
    }
}
