using System.Globalization;

namespace FastDb.ClusterBench;

/// <summary>
/// rqlite's read consistency levels (issue 20) against a write, on one fault-free cluster: for each in turn, closed-loop
/// clients spread over the nodes send it for the measured window, and the leader-hit and follower-hit latencies are
/// reported as multiples of the link delay. A write (/db/execute) and a strong read go through the log; linearizable
/// needs one heartbeat round from the leader (plus the forward from a follower); weak is the leader's own copy
/// (forwarded from a follower); none is the answering node's own copy.
/// </summary>
public static class ReadLevelsMeasurement
{
    private const string Write = "[\"UPDATE ctf3 SET requestCount=requestCount+1 WHERE name='gdb'\"]";
    private const string Read = "[\"SELECT * FROM ctf3\"]";

    private static readonly (string Name, string Path, string Body)[] Kinds =
    [
        ("write (/db/execute)", "/db/execute", Write),
        ("read, level=strong", "/db/query?level=strong", Read),
        ("read, level=linearizable", "/db/query?level=linearizable", Read),
        ("read, level=weak", "/db/query?level=weak", Read),
        ("read, level=none", "/db/query?level=none", Read),
    ];

    public static async Task<int> RunAsync(BenchOptions o, TimeSpan perKind, CancellationToken token)
    {
        await using var cluster = await BenchCluster.StartAsync(o, token).ConfigureAwait(false);
        var leader = await cluster.WaitForLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"read levels: {o.Nodes} nodes, {o.Clients} clients, link delay {o.LinkMs} ms, {perKind.TotalSeconds:F0} s each (after 2 s warm-up); leader node{leader}"));
        int failed = 0;
        foreach (var (name, path, body) in Kinds)
        {
            var samples = new List<(int Node, double Ms)>();
            long errors = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            double measureFrom = BenchCluster.NowMs() + 2000, measureTo = measureFrom + perKind.TotalMilliseconds;
            var clients = Enumerable.Range(0, o.Clients).Select(c => Task.Run(async () =>
            {
                int node = c % cluster.NodeCount;
                while (!stop.IsCancellationRequested)
                {
                    var start = BenchCluster.NowMs();
                    try
                    {
                        var (status, answer) = await cluster.PostJsonAsync(node, path, body, stop.Token).ConfigureAwait(false);
                        var end = BenchCluster.NowMs();
                        if (status != 200 || answer.Contains("\"error\"", StringComparison.Ordinal)) Interlocked.Increment(ref errors);
                        else if (start >= measureFrom && end <= measureTo) lock (samples) samples.Add((node, end - start));
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
                    catch (HttpRequestException) { Interlocked.Increment(ref errors); }
                }
            }, CancellationToken.None)).ToArray();
            await Task.Delay(TimeSpan.FromMilliseconds(measureTo - BenchCluster.NowMs() + 50), token).ConfigureAwait(false);
            stop.Cancel();
            await Task.WhenAll(clients).ConfigureAwait(false);
            Console.WriteLine($"  {name}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {samples.Count / perKind.TotalSeconds,8:F0} per second, {errors} errors"));
            Console.WriteLine("    leader-hit   " + Stats.Describe(samples.Where(s => s.Node == leader).Select(s => s.Ms), o.LinkMs));
            Console.WriteLine("    follower-hit " + Stats.Describe(samples.Where(s => s.Node != leader).Select(s => s.Ms), o.LinkMs));
            if (errors > 0 || samples.Count == 0) failed++;
        }
        return failed == 0 ? 0 : 1;
    }
}
