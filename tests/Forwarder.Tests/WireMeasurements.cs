using System.Diagnostics;
using Xunit.Abstractions;

namespace FastDb.Forwarder.Tests;

/// <summary>
/// Measurements for the README: CPU, allocations, wire bytes and frames per flush for a leader-like node sending a
/// 40-byte frame to each of four peers every 2 ms, over real Unix sockets (sender and receiver in this process), and
/// CPU while idle. The marginal CPU subtracts a baseline phase that runs the same timer without sending.
/// Runs only with FASTDB_MEASURE=1 (skipped otherwise: [MeasurementFact]).
/// Run: FASTDB_MEASURE=1 dotnet test tests/Forwarder.Tests -c Release --filter WireMeasurements --logger "console;verbosity=detailed"
/// </summary>
public class WireMeasurements(ITestOutputHelper output)
{
    private const int Ticks = 1000, TickMs = 2;

    [MeasurementFact]
    public async Task Steady_rate_to_four_peers_and_idle()
    {
        using var dir = new SocketDir();
        var handler = new CountingHandler();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, new ListLogger());
        listener.Start();
        long expectedReceived = 0;
        foreach (bool autoFlush in new[] { true, false })
        {
            var links = Enumerable.Range(1, 4)
                .Select(i => new PeerLink($"./node{i}.sock", dir.Socket("node0.sock"), new ListLogger(), new PeerLinkOptions { AutoFlush = autoFlush }))
                .ToArray();
            try
            {
                foreach (var link in links)
                    link.Start();
                foreach (var link in links)
                    await Wait.UntilAsync(() => link.IsConnected, "connected");
                var payload = new byte[40]; // a forwarded CTF update with its request id is a few tens of bytes

                await RunAsync(links, payload, send: false); // warm-up (JIT tiers) and timer-only baseline
                var baseline = await RunAsync(links, payload, send: false);
                await RunAsync(links, payload, send: true);  // warm-up
                expectedReceived += 4 * Ticks;
                await Wait.UntilAsync(() => Interlocked.Read(ref handler.Count) == expectedReceived, "warm-up frames received");
                var (_, alloc0, bytes0, frames0, batches0) = Snapshot(links);
                var sending = await RunAsync(links, payload, send: true);
                expectedReceived += 4 * Ticks;
                await Wait.UntilAsync(() => Interlocked.Read(ref handler.Count) == expectedReceived, "all frames received");
                var (_, alloc1, bytes1, frames1, batches1) = Snapshot(links);
                double frames = frames1 - frames0;
                Assert.Equal(4 * Ticks, frames);
                output.WriteLine($"AutoFlush={autoFlush}: {frames} frames (40 B payload) to 4 peers, one per peer every {TickMs} ms");
                output.WriteLine($"  CPU, whole process (sender and receiver): {(sending - baseline).TotalMilliseconds / frames * 1000:F1} ms per 1,000 frames" +
                                 $" above the timer-only baseline ({sending.TotalMilliseconds:F0} ms vs {baseline.TotalMilliseconds:F0} ms)");
                output.WriteLine($"  allocated {(alloc1 - alloc0) / frames:F1} B per frame (process-wide, timer included)");
                output.WriteLine($"  wire {(double)(bytes1 - bytes0) / frames:F2} B per frame, {frames / (batches1 - batches0):F2} frames per flush");

                var idle0 = Process.GetCurrentProcess().TotalProcessorTime;
                await Task.Delay(3000);
                output.WriteLine($"  idle, 4 connected links, 3 s: {(Process.GetCurrentProcess().TotalProcessorTime - idle0).TotalMilliseconds:F1} ms CPU");
            }
            finally
            {
                foreach (var link in links)
                    await link.DisposeAsync();
            }
        }
    }

    private static async Task<TimeSpan> RunAsync(PeerLink[] links, byte[] payload, bool send)
    {
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(TickMs));
        for (int t = 0; t < Ticks && await timer.WaitForNextTickAsync(); t++)
        {
            if (!send)
                continue;
            foreach (var link in links)
                link.TrySend(2, payload);
            foreach (var link in links)
                link.Flush(); // no-op with AutoFlush on
        }
        return Process.GetCurrentProcess().TotalProcessorTime - before;
    }

    private static (TimeSpan Cpu, long Allocated, long Bytes, long Frames, long Batches) Snapshot(PeerLink[] links) =>
        (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true),
         links.Sum(l => l.BytesSent), links.Sum(l => l.FramesSent), links.Sum(l => l.BatchesWritten));

    private sealed class CountingHandler : IFrameHandler
    {
        public long Count;

        public void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload) =>
            Interlocked.Increment(ref Count);
    }
}
