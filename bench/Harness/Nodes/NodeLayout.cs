namespace FastDb.Harness.Nodes;

/// <summary>
/// Where everything lives under the run root (octopus agent/agent.go SocketPath, WorkingDir, SocketName):
/// node i runs in ROOT/node{i} and listens on ./node{i}.sock there; ROOT/node{i}/node{j}.sock is the proxy to node j.
/// </summary>
public sealed class NodeLayout
{
    public NodeLayout(string root, int nodeCount)
    {
        Root = Path.GetFullPath(root);
        NodeCount = nodeCount;
    }

    public string Root { get; }
    public int NodeCount { get; }

    public static string NodeName(int i) => $"node{i}";
    public static string SocketName(int i) => $"./node{i}.sock";
    public string WorkingDir(int i) => Path.Combine(Root, NodeName(i));
    /// <summary>The socket named node{target}.sock inside node{owner}'s directory.</summary>
    public string SocketPath(int owner, int target) => Path.Combine(WorkingDir(owner), $"node{target}.sock");
    public string OwnSocketPath(int i) => SocketPath(i, i);
    public string StoragePath => Path.Combine(Root, "storage.sql");

    /// <summary>The command line of node i: sqlcluster -l ./node{i}.sock -d ROOT/node{i} [--join=./node0.sock] [extra].</summary>
    public IReadOnlyList<string> Arguments(int i, IReadOnlyList<string> extraArgs)
    {
        var args = new List<string> { "-l", SocketName(i), "-d", WorkingDir(i) };
        if (i != 0) args.Add("--join=" + SocketName(0));
        args.AddRange(extraArgs);
        return args;
    }

    /// <summary>Clears and recreates every node directory (octopus createCleanDir).</summary>
    public void Prepare()
    {
        Directory.CreateDirectory(Root);
        for (int i = 0; i < NodeCount; i++)
        {
            string dir = WorkingDir(i);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
        }
    }
}
