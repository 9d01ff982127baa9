using System.Globalization;
using System.Text;
using FastDb.TestSupport;
using Xunit.Abstractions;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// Peer bytes per answered request, by kind, as the production host sends them (its own <see cref="FastDb.Server.Cluster.CountingTransport"/>
/// around the simulated links): octopus's setting (5 nodes, 20 clients, octopus-like links), without and with faults
/// (no disk faults). Counted as frames enter a link that is up (frames into a cut link are lost before any proxy, as
/// a real link drops them while disconnected). Deterministic: a protocol change is compared on the same seeds, with
/// no machine noise. Bytes are counted once; octopus's proxies count each twice (read and written), and the "x2" column does too.
/// "deflated" is what the same frames cost on compressed links (the Forwarder's LinkDeflater, one window per link):
/// each frame its own chunk here, where the host batches a loop iteration's frames to a peer into one, and a window
/// never reset by a cut link, where a reconnect starts afresh (a few frames' worth).
/// FASTDB_MEASURE=1 dotnet test tests/HostSimulation.Tests -c Release --filter TrafficMeasurements --logger "console;verbosity=detailed"
/// </summary>
public sealed class TrafficMeasurements(ITestOutputHelper output)
{
    private const int Seeds = 24;

    [MeasurementFact]
    public void Peer_bytes_per_answered_request_by_kind()
    {
        // Heartbeats in every round against only when idle (an append stands in for one), side by side: the frames
        // that saves and what it does to answers and latency. (Relays, off by default, cost about 250 bytes per
        // answer here with no gain in answers: FASTDB_RELAY=1 puts them on.)
        // FASTDB_BATCH=3 (a leader's batch window in ms, see RequestRouter) adds a third run per fault mode with it.
        bool relay = Environment.GetEnvironmentVariable("FASTDB_RELAY") == "1";
        int batch = int.TryParse(Environment.GetEnvironmentVariable("FASTDB_BATCH"), out var b) ? b : 0;
        // FASTDB_QUORUM=2 measures flexible quorums (--commit-quorum 2).
        int quorum = int.TryParse(Environment.GetEnvironmentVariable("FASTDB_QUORUM"), out var q) ? q : 0;
        var runs = new List<(bool Faults, bool Crashes, bool IdleHeartbeats, int BatchMs)>();
        foreach (var (faults, crashes) in new[] { (false, false), (true, false), (true, true) })
        {
            runs.Add((faults, crashes, false, 0));
            runs.Add((faults, crashes, true, 0));
            if (batch > 0) runs.Add((faults, crashes, true, batch));
        }
        foreach (var (faults, crashes, idleHeartbeats, batchMs) in runs)
        {
            var totals = new Dictionary<string, (long Frames, long Bytes)>(StringComparer.Ordinal);
            long answered = 0, allCopies = 0, allDups = 0, allDupBytes = 0, allDeflated = 0, writes = 0, pings = 0, lonePings = 0;
            var latencies = new List<(double Ms, bool AtLeader)>();
            Parallel.For(1, Seeds + 1, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
            {
                var options = new SimOptions
                {
                    Nodes = 5, Clients = 20, WorkloadMs = 8_000, SnapshotEveryEntries = 10_000,
                    Faults = faults, CrashFaults = crashes, DiskFaults = false, DropRate = 0, DupRate = 0, Relay = relay, IdleHeartbeats = idleHeartbeats, BatchWindowMs = batchMs,
                    CommitQuorum = quorum,
                };
                using var cluster = new SimCluster(options, seed);
                // Entry copies on the wire, and those a follower already held (its highest index seen from that leader term).
                var seen = new Dictionary<(int, int, ulong), ulong>();
                long copies = 0, dups = 0, dupBytes = 0, deflated = 0;
                var deflaters = new Dictionary<(int, int), FastDb.Forwarder.LinkDeflater>();
                var chunks = new System.Buffers.ArrayBufferWriter<byte>();
                var frame = new byte[FastDb.Forwarder.FrameCodec.MaxHeaderBytes];
                cluster.WireTap = (from, to, type, payload) =>
                {
                    if (!deflaters.TryGetValue((from, to), out var deflater)) deflaters[(from, to)] = deflater = new FastDb.Forwarder.LinkDeflater();
                    int header = FastDb.Forwarder.FrameCodec.WriteHeader(frame, type, payload.Length);
                    chunks.ResetWrittenCount();
                    deflated += deflater.Write([.. frame.AsSpan(0, header), .. payload], chunks);
                    if (type != FastDb.Server.Cluster.PeerFrames.Raft) return;
                    var m = FastDb.Raft.MessageCodec.Read(payload, (ulong)from + 1, (ulong)to + 1);
                    if (m.Type != FastDb.Raft.MessageType.Append || m.Entries is null) return;
                    seen.TryGetValue((from, to, m.Term), out var high);
                    foreach (var e in m.Entries)
                    {
                        copies++;
                        if (e.Index <= high) { dups++; dupBytes += e.Data.Length; }
                        else high = e.Index;
                    }
                    seen[(from, to, m.Term)] = high;
                };
                cluster.ScheduleFaults();
                cluster.StartClients();
                cluster.RunFor(options.WorkloadMs);
                var counts = cluster.OnTheWire.Snapshot();
                foreach (var d in deflaters.Values) d.Dispose();
                lock (totals)
                {
                    allDeflated += deflated;
                    writes += cluster.Writes; pings += cluster.Pings; lonePings += cluster.LonePingWrites;
                    answered += cluster.Answered;
                    latencies.AddRange(cluster.Latencies);
                    allCopies += copies; allDups += dups; allDupBytes += dupBytes;
                    foreach (var c in counts)
                    {
                        totals.TryGetValue(c.Kind, out var t);
                        totals[c.Kind] = (t.Frames + c.Frames, t.Bytes + c.Bytes);
                    }
                }
            });
            var text = new StringBuilder();
            var inv = CultureInfo.InvariantCulture;
            text.Append(inv, $"{(!faults ? "no faults" : crashes ? "freezes, partitions, lag and crashes (murder on)" : "freezes, partitions and lag (octopus's default monkeys)")}, relays {(relay ? "on" : "off")}, heartbeats {(idleHeartbeats ? "only when idle" : "every round")}, batch window {batchMs} ms: {Seeds} seeds x 8 s simulated, {answered} answered\n");
            text.Append("kind                  frames/answer  bytes/answer  bytes/answer x2\n");
            long all = 0;
            foreach (var (kind, (frames, bytes)) in totals.OrderByDescending(kv => kv.Value.Bytes))
            {
                all += bytes;
                if (kind.StartsWith("relay", StringComparison.Ordinal) && 2.0 * bytes / answered < 1) continue; // the rare relayed kinds
                text.Append(inv, $"{kind,-20} {(double)frames / answered,14:F2} {(double)bytes / answered,13:F1} {2.0 * bytes / answered,16:F1}\n");
            }
            text.Append(inv, $"{"total",-20} {"",14} {(double)all / answered,13:F1} {2.0 * all / answered,16:F1}\n");
            text.Append(inv, $"{"total deflated",-20} {"",14} {(double)allDeflated / answered,13:F1} {2.0 * allDeflated / answered,16:F1}\n");
            text.Append(inv, $"peer writes (one per peer per loop flush) per answer {(double)writes / answered:F2}; pings per answer {(double)pings / answered:F2}, written alone {(double)lonePings / answered:F2}\n");
            text.Append(inv, $"entry copies in appends per answer {(double)allCopies / answered:F2}, of which sent before on that link in that term {(double)allDups / answered:F2} ({(double)allDupBytes / answered:F1} bytes of entry data)\n");
            foreach (var (label, set) in new[] { ("all", latencies), ("sent to the leader", latencies.Where(l => l.AtLeader).ToList()), ("sent to a follower", latencies.Where(l => !l.AtLeader).ToList()) })
            {
                var sorted = set.Select(l => l.Ms).Order().ToArray();
                if (sorted.Length == 0) continue;
                double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
                text.Append(inv, $"latency {label} ({sorted.Length}): mean {sorted.Average():F1} ms, p50 {At(0.5):F1}, p90 {At(0.9):F1}, p99 {At(0.99):F1}\n");
            }
            output.WriteLine(text.ToString());
            Assert.True(answered > 0);
        }
    }
}
