using FastDb.Harness.Randomness;

namespace FastDb.Harness.Network;

/// <summary>
/// The fully connected graph of links between N nodes (octopus network/network.go), in octopus's order:
/// for i in 0..N-1, for j in 0..i-1, link (j, i). Monkeys pick links by index into this list.
/// </summary>
public sealed class NetworkTopology
{
    private readonly Link[] _links;

    public NetworkTopology(int nodeCount, SeededRandom jitterRandom)
    {
        if (nodeCount < 2) throw new ArgumentOutOfRangeException(nameof(nodeCount), "You need at least two agents");
        NodeCount = nodeCount;
        var links = new List<Link>();
        for (int i = 0; i < nodeCount; i++)
            for (int j = 0; j < i; j++)
                links.Add(new Link(j, i, jitterRandom));
        _links = links.ToArray();
    }

    public int NodeCount { get; }
    public IReadOnlyList<Link> Links => _links;

    public Link Get(int a, int b)
    {
        if (a == b || a < 0 || b < 0 || a >= NodeCount || b >= NodeCount)
            throw new ArgumentException($"no link between {a} and {b}");
        int lo = Math.Min(a, b), hi = Math.Max(a, b);
        return _links[hi * (hi - 1) / 2 + lo];
    }

    /// <summary>The links with exactly one end in <paramref name="servers"/> (network.go FindPerimeter).</summary>
    public static IReadOnlyList<int> FindPerimeter(int nodeCount, IReadOnlyList<Link> links, IEnumerable<int> servers)
    {
        var set = new bool[nodeCount];
        foreach (int id in servers) set[id] = true;
        var perimeter = new List<int>();
        for (int i = 0; i < links.Count; i++)
            if (set[links[i].Agent1] != set[links[i].Agent2]) perimeter.Add(i);
        return perimeter;
    }

    public IReadOnlyList<int> FindPerimeter(IEnumerable<int> servers) => FindPerimeter(NodeCount, _links, servers);
}
