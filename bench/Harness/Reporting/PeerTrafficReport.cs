using System.Globalization;
using System.Text;
using System.Text.Json;
using FastDb.TestSupport;

namespace FastDb.Harness.Reporting;

/// <summary>
/// Where the proxied bytes went: at the end of a run (before the nodes are stopped) each node's GET /status is asked
/// for its <c>peerTraffic</c> (what it sent, by kind), and the sums over the nodes are written as traffic.txt, in
/// bytes per correct query counted as octopus counts them (once read and once written by a proxy). A node that does
/// not answer within the timeout (frozen, dead, or not FastDb: the ceiling stand-in has no /status) is left out,
/// and a node restarted during the run counts only since its restart, so the sums are a lower bound.
/// </summary>
public static class PeerTrafficReport
{
    public static async Task<string> CollectAsync(IReadOnlyList<string> nodeSockets, long correctQueries, long proxyBytes, TimeSpan timeout)
    {
        var perNode = await Task.WhenAll(nodeSockets.Select(s => FetchAsync(s, timeout))).ConfigureAwait(false);
        var totals = new SortedDictionary<string, (long Frames, long Bytes)>(StringComparer.Ordinal);
        int answered = 0;
        foreach (var counts in perNode)
        {
            if (counts is null) continue;
            answered++;
            foreach (var (kind, frames, bytes) in counts)
            {
                totals.TryGetValue(kind, out var t);
                totals[kind] = (t.Frames + frames, t.Bytes + bytes);
            }
        }
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"# peer traffic sent, summed over the {answered} of {nodeSockets.Count} nodes that answered GET /status at the end\n");
        text.Append(inv, $"# per correct query: bytes x2 (a proxy counts each byte read and written); {correctQueries} correct, proxies counted {proxyBytes} bytes\n");
        text.Append("kind               frames        bytes  bytes/correct(x2)  frames/correct\n");
        long allBytes = 0, allFrames = 0;
        foreach (var (kind, (frames, bytes)) in totals.OrderByDescending(kv => kv.Value.Bytes))
        {
            allBytes += bytes;
            allFrames += frames;
            text.Append(inv, $"{kind,-16} {frames,8} {bytes,12} {PerQuery(2 * bytes, correctQueries),18} {PerQuery(frames, correctQueries),15}\n");
        }
        text.Append(inv, $"{"total",-16} {allFrames,8} {allBytes,12} {PerQuery(2 * allBytes, correctQueries),18} {PerQuery(allFrames, correctQueries),15}\n");
        return text.ToString();
    }

    private static string PerQuery(long amount, long correct) =>
        correct == 0 ? "-" : ((double)amount / correct).ToString("F1", CultureInfo.InvariantCulture);

    private static async Task<List<(string Kind, long Frames, long Bytes)>?> FetchAsync(string socket, TimeSpan timeout)
    {
        try
        {
            using var client = UnixHttp.CreateClient(socket, timeout, maxConnections: 1);
            using var cts = new CancellationTokenSource(timeout);
            var body = await client.GetStringAsync("http://node/status", cts.Token).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("peerTraffic", out var traffic) || traffic.ValueKind != JsonValueKind.Array) return null;
            var counts = new List<(string, long, long)>();
            foreach (var item in traffic.EnumerateArray())
                counts.Add((item.GetProperty("kind").GetString() ?? "?", item.GetProperty("frames").GetInt64(), item.GetProperty("bytes").GetInt64()));
            return counts;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException
                                      or InvalidOperationException or KeyNotFoundException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
