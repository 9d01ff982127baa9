using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastDb.Harness.Randomness;
using FastDb.Harness.Workload;
using FastDb.TestSupport;

namespace FastDb.ClusterBench;

/// <summary>
/// <c>clusterbench tcp</c>: the cost of peer TLS. The same cluster twice, nodes on TCP at 127.0.0.2, 127.0.0.3, ...
/// (no proxies, no added delay), first with plain peer links, then with mutual TLS (certificates from `sqlcluster
/// cert`), the same closed-loop CTF load on both: throughput, p50/p99 latency, node CPU per 1,000 requests.
/// Clients use plain HTTP in both runs, so the difference is the peer links' TLS alone.
/// </summary>
public static class TcpMeasurement
{
    public static async Task<int> RunAsync(BenchOptions o, TimeSpan duration, CancellationToken token)
    {
        var sqlcluster = o.Sqlcluster is { } given ? Path.GetFullPath(given)
            : await FastDb.Harness.Nodes.ServerBuild.PublishAsync(Path.GetFullPath(o.Root) + "-build", Console.Out, token).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tcp: {o.Nodes} nodes on 127.0.0.2.., {o.Clients} clients, {duration.TotalSeconds:F0} s measured after 3 s warm-up, each run"));
        var exit = 0;
        foreach (var tls in new[] { false, true })
            exit |= await RunOnceAsync(sqlcluster, o, tls, duration, token).ConfigureAwait(false);
        return exit;
    }

    private static async Task<int> RunOnceAsync(string sqlcluster, BenchOptions o, bool tls, TimeSpan duration, CancellationToken token)
    {
        var root = Path.GetFullPath(o.Root) + (tls ? "-tcp-tls" : "-tcp-plain");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root);
        var addresses = Enumerable.Range(0, o.Nodes).Select(i => $"127.0.0.{2 + i}:{FreePort($"127.0.0.{2 + i}")}").ToArray();
        if (tls)
        {
            Run(sqlcluster, "cert", "ca", "--out", Path.Combine(root, "ca"));
            for (var i = 0; i < o.Nodes; i++) Run(sqlcluster, "cert", "node", "--ca", Path.Combine(root, "ca"), "--name", addresses[i], "--out", Path.Combine(root, $"n{i}"));
        }
        var nodes = new List<Process>();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            for (var i = 0; i < o.Nodes; i++)
            {
                List<string> args = ["-l", addresses[i], "-d", $"./n{i}/data", .. o.NodeArgs];
                if (i > 0) args.Add("--join=" + addresses[0]);
                if (tls) args.AddRange(["--peer-cert-file", $"./n{i}/node.crt", "--peer-key-file", $"./n{i}/node.key", "--peer-trusted-ca-file", "./ca/ca.crt"]);
                nodes.Add(NodeLauncher.Start(NodeLauncher.CreateStartInfo(sqlcluster, root, args)));
                await WaitForMembersAsync(http, addresses[i], 1, token).ConfigureAwait(false);
            }
            foreach (var address in addresses) await WaitForMembersAsync(http, address, o.Nodes, token).ConfigureAwait(false);
            await PostAsync(http, addresses[0], Queries.BootQuery(), token).ConfigureAwait(false);

            var samples = new List<(double Start, double End)>();
            long errors = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var clients = Enumerable.Range(0, o.Clients).Select(c => Task.Run(async () =>
            {
                var random = SeedStreams.Create(c + 1, "bench-client");
                while (!stop.IsCancellationRequested)
                {
                    var start = BenchCluster.NowMs();
                    try
                    {
                        var (status, _) = await PostAsync(http, addresses[c % addresses.Length], Queries.UpdateQuery(random), stop.Token).ConfigureAwait(false);
                        if (status == 200) lock (samples) samples.Add((start, BenchCluster.NowMs()));
                        else Interlocked.Increment(ref errors);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }, CancellationToken.None)).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(3), token).ConfigureAwait(false);
            var t0 = BenchCluster.NowMs();
            var cpu0 = CpuSeconds(nodes);
            await Task.Delay(duration, token).ConfigureAwait(false);
            var t1 = BenchCluster.NowMs();
            var cpu1 = CpuSeconds(nodes);
            stop.Cancel();
            await Task.WhenAll(clients).ConfigureAwait(false);
            double[] window;
            lock (samples) window = samples.Where(s => s.Start >= t0 && s.End <= t1).Select(s => s.End - s.Start).ToArray();
            var seconds = (t1 - t0) / 1000;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(tls ? "mutual TLS" : "plain TCP "),-10}  {window.Length / seconds,6:F0} requests/s, {Stats.Describe(window, 0)}, node CPU {(window.Length == 0 ? double.NaN : (cpu1 - cpu0) * 1e6 / window.Length),5:F0} ms per 1,000 requests, {errors} errors"));
            return window.Length > 0 ? 0 : 1;
        }
        finally
        {
            foreach (var node in nodes)
            {
                if (!node.HasExited) { node.Kill(); node.WaitForExit(10_000); }
                node.Dispose();
            }
        }
    }

    private static async Task<(int Status, string Body)> PostAsync(HttpClient http, string address, string script, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}/sql") { Content = new StringContent(script, Encoding.UTF8) };
        using var response = await http.SendAsync(request, token).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(token).ConfigureAwait(false));
    }

    private static async Task WaitForMembersAsync(HttpClient http, string address, int members, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"http://{address}/status", token).ConfigureAwait(false));
                if (status.RootElement.GetProperty("members").GetArrayLength() >= members && status.RootElement.GetProperty("leader").GetUInt64() != 0) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50, token).ConfigureAwait(false);
        }
        throw new TimeoutException($"{address} did not see {members} members and a leader within 60 s");
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {stderr}");
    }

    private static int FreePort(string host)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(host), 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static double CpuSeconds(IEnumerable<Process> nodes) => nodes.Sum(node => BenchCluster.ProcessCpuSeconds(node.Id));
}
