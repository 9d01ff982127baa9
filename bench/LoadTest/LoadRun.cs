using System.Diagnostics;
using FastDb.TestSupport;

namespace FastDb.LoadTest;

/// <summary>Result of one measured run.</summary>
public sealed record LoadResult(string Name, int Requests, double Seconds, double P50Ms, double P99Ms, double MaxMs)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>octopus-style clients: each sends one CTF update at a time over a shared keep-alive pool.</summary>
public static class LoadRun
{
    public static HttpClient CreateClient(string socketPath, int connections) =>
        UnixHttp.CreateClient(socketPath, TimeSpan.FromSeconds(60), connections);

    public static async Task WaitUntilUpAsync(HttpClient client, Process server, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (server.HasExited) throw new InvalidOperationException($"server exited with {server.ExitCode} during start-up");
            try
            {
                using var response = await client.GetAsync("/healthcheck");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(10);
        }
        throw new TimeoutException("server did not come up");
    }

    public static async Task<string> PostAsync(HttpClient client, string script)
    {
        var (status, body) = await UnixHttp.PostSqlAsync(client, script);
        if (status != 200 || !SequenceAnswer.TryParse(body, out _, out _))
            throw new InvalidOperationException($"bad answer {status}: {body}");
        return body;
    }

    /// <summary>Sends <paramref name="requests"/> updates from <paramref name="clients"/> concurrent clients; latencies per request.</summary>
    public static async Task<LoadResult> MeasureAsync(string name, HttpClient client, int clients, int requests, int seed)
    {
        var latencies = new double[requests];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(seed * 7919 + c);
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                await PostAsync(client, CtfWorkload.RandomUpdate(random));
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new LoadResult(name, requests, seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1]);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
