using FastDb.Harness.Randomness;
using FastDb.Harness.Workload;
using FastDb.TestSupport;

namespace FastDb.ClusterBench;

/// <summary>One answered request.</summary>
public readonly record struct Sample(int Node, double StartMs, double EndMs, long Sequence)
{
    public double LatencyMs => EndMs - StartMs;
}

/// <summary>
/// Closed-loop clients, as octopus's: each sends the CTF update to one node, waits for the answer, sends the next.
/// Which node a client talks to is asked before every request, so a run can steer load away from a frozen node.
/// </summary>
public sealed class LoadDriver(BenchCluster cluster, int clients, Func<int, int> nodeForClient)
{
    private readonly List<Sample> _samples = new();
    private long _errors;

    public long Errors => Interlocked.Read(ref _errors);

    public Sample[] Samples
    {
        get { lock (_samples) return _samples.ToArray(); }
    }

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, stop), CancellationToken.None)));

    private async Task ClientAsync(int client, CancellationToken stop)
    {
        var random = SeedStreams.Create(client + 1, "bench-client");
        while (!stop.IsCancellationRequested)
        {
            var node = nodeForClient(client);
            var start = BenchCluster.NowMs();
            try
            {
                var (status, body) = await cluster.PostAsync(node, Queries.UpdateQuery(random), null, stop).ConfigureAwait(false);
                if (status != 200 || !TryParseSequence(body, out var sequence))
                {
                    Interlocked.Increment(ref _errors);
                    await Task.Delay(10, stop).ConfigureAwait(false);
                    continue;
                }
                var sample = new Sample(node, start, BenchCluster.NowMs(), sequence);
                lock (_samples) _samples.Add(sample);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _errors);
                try { await Task.Delay(10, stop).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    public static bool TryParseSequence(string body, out long sequence) => SequenceAnswer.TryParse(body, out sequence, out _);

    /// <summary>Sequence numbers must be unique across answers (the same number twice is two requests merged).</summary>
    public static int DuplicateSequences(IEnumerable<Sample> samples) =>
        samples.GroupBy(s => s.Sequence).Count(g => g.Count() > 1);
}

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Describe(IEnumerable<double> values, int linkMs)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return "no samples";
        double p50 = Percentile(sorted, 50), p99 = Percentile(sorted, 99);
        var multiple = linkMs > 0 ? $" = {p50 / linkMs:F2}x / {p99 / linkMs:F2}x the link delay" : "";
        return $"{sorted.Length,6} answers, p50 {p50,7:F2} ms, p99 {p99,7:F2} ms{multiple}";
    }
}
