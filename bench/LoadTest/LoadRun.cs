using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FastDb.LoadTest;

/// <summary>Result of one measured run.</summary>
public sealed record LoadResult(string Name, int Requests, double Seconds, double P50Ms, double P99Ms, double MaxMs)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>octopus-style clients: each sends one CTF update at a time over a shared keep-alive pool.</summary>
public static class LoadRun
{
    public const string BootScript =
        "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\nfavoriteWord CHAR(15) DEFAULT \"\");\n"
        + "INSERT INTO ctf3 (name) VALUES (\"siddarth\"); INSERT INTO ctf3 (name) VALUES (\"gdb\"); INSERT INTO ctf3 (name) VALUES (\"christian\"); INSERT INTO ctf3 (name) VALUES (\"andy\"); INSERT INTO ctf3 (name) VALUES (\"carl\");";

    private static readonly string[] Names = ["siddarth", "gdb", "christian", "andy", "carl"];

    public static HttpClient CreateClient(string socketPath, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://fastdb"), Timeout = TimeSpan.FromSeconds(60) };

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
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(script));
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await client.PostAsync("/sql", content);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || !body.StartsWith("SequenceNumber: ", StringComparison.Ordinal))
            throw new InvalidOperationException($"bad answer {(int)response.StatusCode}: {body}");
        return body;
    }

    public static string RandomUpdate(Random random)
    {
        var word = new StringBuilder(15);
        for (var i = 0; i < 15; i++) word.Append("abcdefghijkmnpq"[random.Next(15)]);
        return $"UPDATE ctf3 SET friendCount=friendCount+{random.Next(1, 101)}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{Names[random.Next(5)]}\"; SELECT * FROM ctf3;";
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
                await PostAsync(client, RandomUpdate(random));
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
