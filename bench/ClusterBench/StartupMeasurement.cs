using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using FastDb.Harness.Randomness;
using FastDb.Harness.Workload;
using FastDb.TestSupport;

namespace FastDb.ClusterBench;

/// <summary>
/// Cold starts of one node, for comparing builds (native AOT against JIT) and runtime settings side by side: each
/// run starts the binary in a fresh directory and times exec to the first answered <c>POST /sql</c>, then reads the
/// node's RSS idle, sends the CTF workload (boot query, then UPDATE + SELECT) one request at a time on one
/// keep-alive connection, and reads its RSS and CPU after. Binaries are measured in turn (A, B, A, B, ...), so a
/// machine whose load drifts affects them alike. The client is a raw socket, warmed before the first run, so the
/// bench's own JIT never lands inside a measured start.
/// </summary>
public static class StartupMeasurement
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(2);

    public sealed record Run(double StartMs, double BootCpuMs, double IdleRssMiB, double LoadedRssMiB, double LoadedHeapMiB, double CpuMsPer1000, double WallMsPerRequest);

    public static async Task<int> RunAsync(IReadOnlyList<string> binaries, int runs, int requests, string root,
        IReadOnlyList<string> env, IReadOnlyList<string> nodeArgs, CancellationToken token)
    {
        foreach (var binary in binaries)
            if (!File.Exists(binary)) { Console.Error.WriteLine($"no such file: {binary}"); return 2; }
        await WarmUpClientAsync(root, token).ConfigureAwait(false);
        var results = binaries.Select(_ => new List<Run>()).ToArray();
        for (var r = 0; r < runs; r++)
        {
            for (var b = 0; b < binaries.Count; b++)
            {
                var run = await MeasureOnceAsync(binaries[b], Path.Combine(root, $"run{r}-{b}"), requests, env, nodeArgs, token).ConfigureAwait(false);
                results[b].Add(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  run {r + 1} {binaries[b]}: start {run.StartMs:F0} ms (CPU {run.BootCpuMs:F0} ms), RSS idle {run.IdleRssMiB:F1} MiB, after {requests} requests {run.LoadedRssMiB:F1} MiB (managed heap {run.LoadedHeapMiB:F1} MiB), CPU {run.CpuMsPer1000:F0} ms per 1,000, {run.WallMsPerRequest:F2} ms per request"));
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"startup: {runs} cold starts each, {requests} CTF requests after each; medians (min-max){(env.Count > 0 ? "; node env " + string.Join(' ', env) : "")}"));
        for (var b = 0; b < binaries.Count; b++)
        {
            var rs = results[b];
            Console.WriteLine($"  {binaries[b]}");
            Console.WriteLine("    exec to first answer  " + Describe(rs.Select(x => x.StartMs), "ms"));
            Console.WriteLine("    CPU until then        " + Describe(rs.Select(x => x.BootCpuMs), "ms"));
            Console.WriteLine("    RSS idle              " + Describe(rs.Select(x => x.IdleRssMiB), "MiB"));
            Console.WriteLine($"    RSS after {requests,-6}      " + Describe(rs.Select(x => x.LoadedRssMiB), "MiB"));
            Console.WriteLine("    managed heap then     " + Describe(rs.Select(x => x.LoadedHeapMiB), "MiB"));
            Console.WriteLine("    CPU per 1,000 requests " + Describe(rs.Select(x => x.CpuMsPer1000), "ms"));
            Console.WriteLine("    wall per request      " + Describe(rs.Select(x => x.WallMsPerRequest), "ms", "F2"));
        }
        return 0;
    }

    private static string Describe(IEnumerable<double> values, string unit, string format = "F1")
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return "-";
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture,
            $"{median.ToString(format, CultureInfo.InvariantCulture)} {unit} ({sorted[0].ToString(format, CultureInfo.InvariantCulture)}-{sorted[^1].ToString(format, CultureInfo.InvariantCulture)})");
    }

    private static async Task<Run> MeasureOnceAsync(string binary, string directory, int requests, IReadOnlyList<string> env,
        IReadOnlyList<string> nodeArgs, CancellationToken token)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        var socketPath = Path.Combine(directory, "fastdb.sock");
        var variables = env.Select(pair => pair.IndexOf('=', StringComparison.Ordinal)).Zip(env)
            .Where(p => p.First > 0).Select(p => KeyValuePair.Create(p.Second[..p.First], p.Second[(p.First + 1)..]));
        var psi = NodeLauncher.CreateStartInfo(binary, directory, new[] { "-l", "./fastdb.sock", "-d", "./data" }.Concat(nodeArgs), variables);
        var stderr = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = NodeLauncher.Start(psi, NodeLauncher.AppendTo(stderr));
        try
        {
            RawHttpConnection? connection = null;
            while (connection is null)
            {
                if (process.HasExited) throw new InvalidOperationException($"{binary} exited with {process.ExitCode}:\n{stderr}");
                if (clock.Elapsed > StartTimeout) throw new TimeoutException($"{binary} did not answer within {StartTimeout}:\n{stderr}");
                connection = await RawHttpConnection.TryAnswerAsync(socketPath, "SELECT 1;", token).ConfigureAwait(false);
                if (connection is null) await Task.Delay(2, token).ConfigureAwait(false);
            }
            var startMs = clock.Elapsed.TotalMilliseconds;
            var bootCpu = CpuMs(process.Id);
            using (connection)
            {
                await Task.Delay(IdleSettle, token).ConfigureAwait(false);
                var idleRss = RssMiB(process.Id);
                var rng = SeedStreams.Create(1, "startup");
                await connection.PostAsync(Queries.BootQuery(), token).ConfigureAwait(false);
                var cpu0 = CpuMs(process.Id);
                var wall = Stopwatch.StartNew();
                for (var i = 0; i < requests; i++)
                {
                    var answer = await connection.PostAsync(Queries.UpdateQuery(rng), token).ConfigureAwait(false);
                    if (!SequenceAnswer.TryParse(answer, out _, out _))
                        throw new InvalidOperationException($"unexpected answer: {answer}");
                }
                var wallMs = wall.Elapsed.TotalMilliseconds;
                var cpu = CpuMs(process.Id) - cpu0;
                var loadedRss = RssMiB(process.Id);
                var heap = await RawHttpConnection.HeapBytesAsync(socketPath, token).ConfigureAwait(false) / (1024.0 * 1024);
                return new Run(startMs, bootCpu, idleRss, loadedRss, heap, requests > 0 ? cpu * 1000 / requests : 0, requests > 0 ? wallMs / requests : 0);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            try { Directory.Delete(directory, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Runs the client's code paths once (connect refused, then a fake answer) so their JIT is not timed.</summary>
    private static async Task WarmUpClientAsync(string root, CancellationToken token)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, "warm-up.sock");
        File.Delete(path);
        await RawHttpConnection.TryAnswerAsync(path, "SELECT 1;", token).ConfigureAwait(false);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var serve = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync(token).ConfigureAwait(false);
            var buffer = new byte[4096];
            await peer.ReceiveAsync(buffer, token).ConfigureAwait(false);
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), token).ConfigureAwait(false);
        }, token);
        using (await RawHttpConnection.TryAnswerAsync(path, "SELECT 1;", token).ConfigureAwait(false)) { }
        await serve.ConfigureAwait(false);
        File.Delete(path);
        CpuMs(Environment.ProcessId);
        RssMiB(Environment.ProcessId);
    }

    private static double CpuMs(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime (fields 14 and 15; 0-based 11 and 12 after "pid (comm) "), in USER_HZ = 100 ticks per second.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    private static double RssMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>HTTP/1.1 on one Unix-socket connection, as small as a client can be: no pooling, no JIT-heavy stack.</summary>
    private sealed class RawHttpConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[64 * 1024];

        private RawHttpConnection(Socket socket) => _socket = socket;

        /// <summary>Connects and sends one script; the open connection if it was answered 200, else null.</summary>
        public static async Task<RawHttpConnection?> TryAnswerAsync(string socketPath, string script, CancellationToken token)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            var connection = new RawHttpConnection(socket);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token).ConfigureAwait(false);
                var (status, _) = await connection.SendAsync(script, token).ConfigureAwait(false);
                if (status == 200) return connection;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
            }
            connection.Dispose();
            return null;
        }

        public async Task<string> PostAsync(string script, CancellationToken token)
        {
            var (status, body) = await SendAsync(script, token).ConfigureAwait(false);
            if (status != 200) throw new InvalidOperationException($"HTTP {status}: {body}");
            return body;
        }

        /// <summary>The node's managed heap (gcHeapBytes of GET /status: the heap after the last GC). HTTP/1.0 on a
        /// connection of its own, so the answer is not chunked and ends with the connection.</summary>
        public static async Task<long> HeapBytesAsync(string socketPath, CancellationToken token)
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token).ConfigureAwait(false);
            await socket.SendAsync("GET /status HTTP/1.0\r\nHost: fastdb\r\n\r\n"u8.ToArray(), token).ConfigureAwait(false);
            using var answer = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, token).ConfigureAwait(false)) > 0) answer.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(answer.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) throw new IOException("GET /status: no complete answer");
            using var json = System.Text.Json.JsonDocument.Parse(text[(end + 4)..]);
            return json.RootElement.GetProperty("gcHeapBytes").GetInt64();
        }

        private async Task<(int Status, string Body)> SendAsync(string script, CancellationToken token)
        {
            var body = Encoding.UTF8.GetBytes(script);
            var head = Encoding.ASCII.GetBytes($"POST /sql HTTP/1.1\r\nHost: fastdb\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\n\r\n");
            await _socket.SendAsync(head.Concat(body).ToArray(), token).ConfigureAwait(false);
            var filled = 0;
            while (true)
            {
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(filled), token).ConfigureAwait(false);
                if (read == 0) throw new IOException("connection closed mid-answer");
                filled += read;
                var text = Encoding.UTF8.GetString(_buffer, 0, filled);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0) continue;
                var status = int.Parse(text.AsSpan(9, 3), CultureInfo.InvariantCulture);
                var lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
                if (lengthAt < 0 || lengthAt > end) throw new IOException("answer without Content-Length");
                var lengthEnd = text.IndexOf("\r\n", lengthAt, StringComparison.Ordinal);
                var length = int.Parse(text.AsSpan(lengthAt + 16, lengthEnd - lengthAt - 16), CultureInfo.InvariantCulture);
                if (Encoding.UTF8.GetByteCount(text.AsSpan(end + 4)) < length) continue;
                return (status, text[(end + 4)..]);
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
