using System.Globalization;

namespace FastDb.ClusterBench;

/// <summary>
/// The cost of a cold cluster: load starts the moment the cluster has answered its boot query, and the nodes' CPU
/// over the first 10 s is compared with the 20 s that follow (issue 14's target: the first window at most 1.2x the
/// steady rate). A JIT build spends its first seconds compiling and re-compiling hot code; a native build should not.
/// Also the CPU the nodes used from exec until the boot query was answered.
/// </summary>
public static class WarmupMeasurement
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(BenchOptions o, CancellationToken token)
    {
        await using var cluster = await BenchCluster.StartAsync(o, token).ConfigureAwait(false);
        var bootCpu = cluster.NodeCpuSeconds();
        var driver = new LoadDriver(cluster, o.Clients, c => c % cluster.NodeCount);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var t0 = BenchCluster.NowMs();
        var load = driver.RunAsync(stop.Token);
        await Task.Delay(First, token).ConfigureAwait(false);
        var t1 = BenchCluster.NowMs();
        var cpu1 = cluster.NodeCpuSeconds();
        await Task.Delay(Steady, token).ConfigureAwait(false);
        var t2 = BenchCluster.NowMs();
        var cpu2 = cluster.NodeCpuSeconds();
        stop.Cancel();
        await load.ConfigureAwait(false);

        var samples = driver.Samples;
        var firstCount = samples.Count(s => s.EndMs >= t0 && s.EndMs < t1);
        var steadyCount = samples.Count(s => s.EndMs >= t1 && s.EndMs < t2);
        var firstRate = (cpu1 - bootCpu) / ((t1 - t0) / 1000);
        var steadyRate = (cpu2 - cpu1) / ((t2 - t1) / 1000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warmup: {o.Nodes} nodes, {o.Clients} clients, link delay {o.LinkMs} ms; node CPU from exec to the boot answer {bootCpu * 1000:F0} ms (all nodes)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  first {First.TotalSeconds:F0} s   {firstRate * 100,5:F0}% of one core, {firstCount / ((t1 - t0) / 1000),5:F0} requests/s, {(firstCount > 0 ? (cpu1 - bootCpu) * 1e6 / firstCount : 0),6:F0} ms CPU per 1,000 requests"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  next {Steady.TotalSeconds:F0} s    {steadyRate * 100,5:F0}% of one core, {steadyCount / ((t2 - t1) / 1000),5:F0} requests/s, {(steadyCount > 0 ? (cpu2 - cpu1) * 1e6 / steadyCount : 0),6:F0} ms CPU per 1,000 requests"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  first / steady CPU rate {(steadyRate > 0 ? firstRate / steadyRate : double.NaN):F2} (target: at most 1.2)"));
        var duplicates = LoadDriver.DuplicateSequences(samples);
        if (duplicates > 0) Console.WriteLine($"  FAILED: {duplicates} sequence numbers were answered twice");
        return duplicates == 0 && steadyCount > 0 ? 0 : 1;
    }
}
