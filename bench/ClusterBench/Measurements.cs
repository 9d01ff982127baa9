using System.Globalization;

namespace FastDb.ClusterBench;

/// <summary>The three measurements. Each boots its own cluster and prints a short report; a non-zero exit means a check failed.</summary>
public static class Measurements
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>
    /// No faults: throughput, latency of leader-hit and follower-hit requests (and as multiples of the link delay),
    /// proxy bytes and node CPU per request, all over the measured window only (start-up and warm-up excluded).
    /// </summary>
    public static async Task<int> LatencyAsync(BenchOptions o, TimeSpan duration, CancellationToken token)
    {
        await using var cluster = await BenchCluster.StartAsync(o, token).ConfigureAwait(false);
        var leader = await cluster.WaitForLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
        var driver = new LoadDriver(cluster, o.Clients, c => c % cluster.NodeCount);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var load = driver.RunAsync(stop.Token);
        await Task.Delay(WarmUp, token).ConfigureAwait(false);

        var t0 = BenchCluster.NowMs();
        var cpu0 = cluster.NodeCpuSeconds();
        var bytes0 = cluster.Traffic.BytesRead + cluster.Traffic.BytesWritten;
        var switches0 = cluster.NodeContextSwitches();
        await Task.Delay(duration, token).ConfigureAwait(false);
        var switches1 = cluster.NodeContextSwitches();
        var t1 = BenchCluster.NowMs();
        var cpu1 = cluster.NodeCpuSeconds();
        var bytes1 = cluster.Traffic.BytesRead + cluster.Traffic.BytesWritten;
        var leaderAfter = await cluster.FindLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
        stop.Cancel();
        await load.ConfigureAwait(false);

        var window = driver.Samples.Where(s => s.StartMs >= t0 && s.EndMs <= t1).ToArray();
        var seconds = (t1 - t0) / 1000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency: {o.Nodes} nodes, {o.Clients} clients, link delay {o.LinkMs} ms, {seconds:F1} s measured (after {WarmUp.TotalSeconds:F0} s warm-up); leader node{leader}{(leaderAfter == leader ? "" : $" (changed to node{leaderAfter} during the run!)")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  throughput   {window.Length / seconds,8:F0} requests/s, {driver.Errors} errors"));
        Console.WriteLine("  leader-hit   " + Stats.Describe(window.Where(s => s.Node == leader).Select(s => s.LatencyMs), o.LinkMs));
        Console.WriteLine("  follower-hit " + Stats.Describe(window.Where(s => s.Node != leader).Select(s => s.LatencyMs), o.LinkMs));
        if (window.Length > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  proxy bytes  {(bytes1 - bytes0) / (double)window.Length,8:F0} per request (both directions, every link)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  node CPU     {(cpu1 - cpu0) * 1000 * 1000 / window.Length,8:F0} ms per 1,000 requests, all {o.Nodes} nodes together ({(cpu1 - cpu0) / seconds * 100:F0}% of one core)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  node wakeups {(switches1 - switches0) / (double)window.Length,8:F1} context switches per request, all nodes together"));
        }
        var duplicates = LoadDriver.DuplicateSequences(driver.Samples);
        if (duplicates > 0) Console.WriteLine($"  FAILED: {duplicates} sequence numbers were answered twice");
        return duplicates == 0 && window.Length > 0 ? 0 : 1;
    }

    /// <summary>An idle cluster (booted, no requests): what the nodes cost while nothing happens.</summary>
    public static async Task<int> IdleAsync(BenchOptions o, TimeSpan duration, CancellationToken token)
    {
        await using var cluster = await BenchCluster.StartAsync(o, token).ConfigureAwait(false);
        await cluster.WaitForLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
        await Task.Delay(WarmUp, token).ConfigureAwait(false);
        var cpu0 = cluster.NodeCpuSeconds();
        var switches0 = cluster.NodeContextSwitches();
        var bytes0 = cluster.Traffic.BytesRead + cluster.Traffic.BytesWritten;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(duration, token).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = cluster.NodeCpuSeconds() - cpu0;
        var switches = cluster.NodeContextSwitches() - switches0;
        var bytes = cluster.Traffic.BytesRead + cluster.Traffic.BytesWritten - bytes0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle: {o.Nodes} nodes, link delay {o.LinkMs} ms, {seconds:F1} s: node CPU {cpu / seconds * 100:F2}% of one core (all nodes), {switches / seconds:F0} context switches/s, {bytes / seconds:F0} proxy bytes/s"));
        return 0;
    }

    /// <summary>
    /// Leader failover, repeated: with load running on the followers, freeze the leader (SIGSTOP) and at the same
    /// instant send a probe request to a follower; the probe's answer time is the failover time (detection,
    /// election, and the new leader committing a request that arrived through a follower). Then thaw and let the old
    /// leader catch up before the next trial.
    /// </summary>
    public static async Task<int> FailoverAsync(BenchOptions o, int trials, CancellationToken token)
    {
        await using var cluster = await BenchCluster.StartAsync(o, token).ConfigureAwait(false);
        var frozen = -1;
        var leader = await cluster.WaitForLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
        // Background load avoids the frozen node (its clients would just wait).
        var driver = new LoadDriver(cluster, o.Clients, c =>
        {
            var node = c % cluster.NodeCount;
            var f = Volatile.Read(ref frozen);
            return node == f ? (node + 1) % cluster.NodeCount : node;
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var load = driver.RunAsync(stop.Token);
        await Task.Delay(WarmUp, token).ConfigureAwait(false);

        var times = new List<double>();
        var random = new Random(7);
        var probeCount = 0;
        for (var trial = 0; trial < trials; trial++)
        {
            leader = await cluster.WaitForLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
            var probeNode = (leader + 1 + random.Next(cluster.NodeCount - 1)) % cluster.NodeCount;
            Volatile.Write(ref frozen, leader);
            var t0 = BenchCluster.NowMs();
            cluster.Freeze(leader);
            var probe = $"UPDATE ctf3 SET requestCount=requestCount+1 WHERE name=\"gdb\"; SELECT {++probeCount};";
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
            limit.CancelAfter(TimeSpan.FromSeconds(20));
            var frozeAt = DateTime.Now;
            var (status, body) = await cluster.PostAsync(probeNode, probe, $"probe-{trial}-{Guid.NewGuid():N}", limit.Token).ConfigureAwait(false);
            var elapsed = BenchCluster.NowMs() - t0;
            var newLeader = await cluster.WaitForLeaderAsync(new HashSet<int> { leader }, token).ConfigureAwait(false);
            times.Add(elapsed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  trial {trial + 1,2}: {frozeAt:HH:mm:ss.fff} froze leader node{leader}, probe via node{probeNode} answered {status} after {elapsed,7:F1} ms; new leader node{newLeader}"));
            if (status != 200 || !LoadDriver.TryParseSequence(body, out _)) Console.WriteLine("    unexpected answer: " + body);
            cluster.Thaw(leader);
            Volatile.Write(ref frozen, -1);
            await Task.Delay(TimeSpan.FromSeconds(1.5), token).ConfigureAwait(false);
        }
        stop.Cancel();
        await load.ConfigureAwait(false);
        var sorted = times.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failover: {o.Nodes} nodes, link delay {o.LinkMs} ms, {trials} trials: median {Stats.Percentile(sorted, 50):F0} ms, min {sorted[0]:F0} ms, max {sorted[^1]:F0} ms ({sorted.Count(t => t < 250)} of {trials} under 250 ms)"));
        var duplicates = LoadDriver.DuplicateSequences(driver.Samples);
        if (duplicates > 0) Console.WriteLine($"  FAILED: {duplicates} sequence numbers were answered twice");
        return duplicates == 0 ? 0 : 1;
    }

    /// <summary>
    /// A long run: load on every node, a leader freeze every 20 s and a follower killed and restarted every 60 s,
    /// sampling each node's memory and data directory every 10 s. Fails if either keeps growing (the last third of
    /// the run above 1.5x the middle third's peak) or a sequence number is answered twice.
    /// </summary>
    public static async Task<int> SoakAsync(BenchOptions o, TimeSpan duration, CancellationToken token)
    {
        await using var cluster = await BenchCluster.StartAsync(o, token).ConfigureAwait(false);
        var frozen = -1;
        var driver = new LoadDriver(cluster, o.Clients, c =>
        {
            var node = c % cluster.NodeCount;
            return node == Volatile.Read(ref frozen) ? (node + 1) % cluster.NodeCount : node;
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var load = driver.RunAsync(stop.Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var samples = new List<(double Seconds, double RssMiB, long DiskBytes, double HeapMiB)>();
        var random = new Random(11);
        var nextFreeze = TimeSpan.FromSeconds(20);
        var nextKill = TimeSpan.FromSeconds(60);
        var nextSample = TimeSpan.Zero;
        while (clock.Elapsed < duration && !token.IsCancellationRequested)
        {
            if (clock.Elapsed >= nextSample)
            {
                var rss = cluster.NodeRssMiB().Max();
                var heap = (await cluster.NodeGcHeapMiBAsync(token).ConfigureAwait(false)).Max();
                var disk = cluster.NodeDiskBytes().Max();
                var answers = driver.Samples.Length;
                samples.Add((clock.Elapsed.TotalSeconds, rss, disk, heap));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {clock.Elapsed.TotalSeconds,6:F0} s: {answers,8} answers, {driver.Errors} errors, largest node: managed heap {heap,6:F1} MiB, RSS {rss,6:F1} MiB, data dir {disk / 1024.0,8:F0} KiB"));
                nextSample += TimeSpan.FromSeconds(10);
            }
            if (clock.Elapsed >= nextFreeze)
            {
                var leader = await cluster.FindLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
                if (leader >= 0)
                {
                    Volatile.Write(ref frozen, leader);
                    cluster.Freeze(leader);
                    await Task.Delay(2000, token).ConfigureAwait(false);
                    cluster.Thaw(leader);
                    Volatile.Write(ref frozen, -1);
                }
                nextFreeze += TimeSpan.FromSeconds(20);
            }
            if (clock.Elapsed >= nextKill)
            {
                var leader = await cluster.FindLeaderAsync(new HashSet<int>(), token).ConfigureAwait(false);
                var victim = (Math.Max(leader, 0) + 1 + random.Next(cluster.NodeCount - 1)) % cluster.NodeCount;
                Volatile.Write(ref frozen, victim);
                await cluster.KillForAsync(victim, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                Volatile.Write(ref frozen, -1);
                nextKill += TimeSpan.FromSeconds(60);
            }
            await Task.Delay(200, token).ConfigureAwait(false);
        }
        stop.Cancel();
        await load.ConfigureAwait(false);

        var third = samples.Count / 3;
        var failed = false;
        if (third >= 1)
        {
            var middle = samples.Skip(third).Take(third).ToArray();
            var last = samples.Skip(2 * third).ToArray();
            bool Grows(Func<(double, double, long, double), double> of) => last.Max(of) > 1.5 * Math.Max(1, middle.Max(of));
            var heapGrows = Grows(s => s.Item4);
            var rssGrows = Grows(s => s.Item2);
            var diskGrows = Grows(s => s.Item3);
            Console.WriteLine($"soak: managed heap {(heapGrows ? "GROWING" : "bounded")}, RSS {(rssGrows ? "GROWING" : "bounded")}, data directories {(diskGrows ? "GROWING" : "bounded")} (peak of the last third vs 1.5x the middle third's)");
            failed = heapGrows || rssGrows || diskGrows;
        }
        var duplicates = LoadDriver.DuplicateSequences(driver.Samples);
        Console.WriteLine($"soak: {driver.Samples.Length} answers, {driver.Errors} errors, {duplicates} duplicate sequence numbers");
        return failed || duplicates > 0 ? 1 : 0;
    }
}
