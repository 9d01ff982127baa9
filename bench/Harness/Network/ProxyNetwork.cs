using FastDb.Harness.Nodes;

namespace FastDb.Harness.Network;

/// <summary>All proxies of a run: for every ordered pair (i, j), ROOT/node{i}/node{j}.sock forwards to node j's own
/// socket ROOT/node{j}/node{j}.sock over link (i, j) (octopus network.go Start + link.go Listen).</summary>
public sealed class ProxyNetwork : IAsyncDisposable
{
    private readonly List<LinkListener> _listeners = new();

    public ProxyNetwork(NetworkTopology topology, NodeLayout layout, TrafficStats stats)
    {
        Topology = topology;
        Stats = stats;
        foreach (Link link in topology.Links)
        {
            _listeners.Add(new LinkListener(link, link.Agent1, link.Agent2,
                layout.SocketPath(link.Agent1, link.Agent2), layout.SocketPath(link.Agent2, link.Agent2), stats));
            _listeners.Add(new LinkListener(link, link.Agent2, link.Agent1,
                layout.SocketPath(link.Agent2, link.Agent1), layout.SocketPath(link.Agent1, link.Agent1), stats));
        }
    }

    public NetworkTopology Topology { get; }
    public TrafficStats Stats { get; }

    public void Start()
    {
        foreach (LinkListener l in _listeners) l.Start();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (LinkListener l in _listeners) await l.DisposeAsync().ConfigureAwait(false);
    }
}
