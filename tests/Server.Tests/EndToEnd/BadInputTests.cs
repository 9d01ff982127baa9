using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

[Collection(ServerProcessCollection.Name)]
public sealed class BadInputTests
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    private static string NewWorkDirectory() =>
        Path.Combine(Path.GetTempPath(), "fastdb-server-test-" + Guid.NewGuid().ToString("N")[..12]);

    [RequiresSqlite3Fact]
    public async Task BadRequests_GetClearStatuses_ConsumeNoSequenceNumber_AndTheNodeKeepsServing()
    {
        await using var server = new ServerProcess(NewWorkDirectory(), "--max-body-bytes", "1000");
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        var first = await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp);
        Assert.Equal(0, first.Sequence);

        async Task Expect(int status, string mustContain, HttpRequestMessage request)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{request.Method} {request.RequestUri}: expected {status}, got {(int)response.StatusCode} {body}");
            Assert.Contains(mustContain, body, StringComparison.Ordinal);
        }

        await Expect(404, "no such path", new HttpRequestMessage(HttpMethod.Post, "/nope") { Content = new StringContent("SELECT 1") });
        await Expect(405, "POST /sql only", new HttpRequestMessage(HttpMethod.Get, "/sql"));
        await Expect(405, "GET /status only", new HttpRequestMessage(HttpMethod.Post, "/status") { Content = new StringContent("x") });
        await Expect(400, "empty request body", new HttpRequestMessage(HttpMethod.Post, "/sql") { Content = new ByteArrayContent([]) });
        await Expect(400, "not valid UTF-8", new HttpRequestMessage(HttpMethod.Post, "/sql") { Content = new ByteArrayContent([0x53, 0xFF, 0xFE, 0x3B]) });
        await Expect(413, "exceeds the limit of 1000 bytes", new HttpRequestMessage(HttpMethod.Post, "/sql") { Content = new ByteArrayContent(new byte[1001]) });
        // Chunked: no Content-Length to check up front. Written in one send on a raw socket: the node answers once
        // 1000 bytes are in and closes, and an HttpClient still streaming the rest on a loaded machine then gets a
        // broken pipe instead of the answer already sent (a race of the client, not of the node).
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.SocketPath));
            var chunk = new string('x', 1000);
            var raw = "POST /sql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + string.Concat(Enumerable.Repeat($"3e8\r\n{chunk}\r\n", 5)) + "0\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(raw));
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            for (int i = 0; i < 100 && !answer.ToString().Contains("exceeds the limit", StringComparison.Ordinal); i++)
            {
                var read = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
                if (read == 0) break;
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            Assert.StartsWith("HTTP/1.1 413", answer.ToString(), StringComparison.Ordinal);
            Assert.Contains("exceeds the limit", answer.ToString(), StringComparison.Ordinal);
        }
        var keyed = new HttpRequestMessage(HttpMethod.Post, "/sql") { Content = new StringContent("SELECT 1") };
        keyed.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 300));
        await Expect(400, "Idempotency-Key", keyed);

        // A client that disconnects mid-body: nothing is applied.
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.SocketPath));
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /sql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nUPDATE ctf3 SET friendCount=1"));
        }
        // Garbage that is not HTTP at all.
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.SocketPath));
            await socket.SendAsync(new byte[] { 0, 1, 2, 3, 13, 10, 13, 10 });
            var buffer = new byte[256];
            var read = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        }

        var next = await Workload.SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(new Random(6)), GiveUp);
        Assert.Equal(1, next.Sequence);
        Workload.AssertLikeOctopus([first, next]);
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task IdempotencyKey_AlreadyApplied_GetsTheOriginalAnswer_AndOtherwiseIdenticalBodiesRunAgainWithADifferentKey()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp);

        async Task<string> Post(string key, string script)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/sql") { Content = new StringContent(script) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        const string update = "UPDATE ctf3 SET friendCount=friendCount+7, requestCount=requestCount+1, favoriteWord=\"abcdefghijkmnpq\" WHERE name=\"gdb\"; SELECT * FROM ctf3;";
        var first = await Post("k1", update);
        Assert.StartsWith("SequenceNumber: 1\n", first, StringComparison.Ordinal);
        Assert.Contains("gdb|7|1|abcdefghijkmnpq\n", first, StringComparison.Ordinal);
        Assert.Equal(first, await Post("k1", update));
        Assert.Equal(first, await Post("k1", "SELECT * FROM ctf3;"));
        var second = await Post("k2", update);
        Assert.StartsWith("SequenceNumber: 2\n", second, StringComparison.Ordinal);
        Assert.Contains("gdb|14|2|abcdefghijkmnpq\n", second, StringComparison.Ordinal);
    }

    [RequiresSqlite3Fact]
    public async Task ExecSubcommand_PrintsWhatTheSqlite3ShellPrints()
    {
        const string script = "CREATE TABLE t(a INT PRIMARY KEY);\nINSERT INTO t VALUES(1); INSERT INTO t VALUES(1);\nSELECT * FROM t;\n";
        var ours = await RunAsync(ServerProcess.ExecutablePath, ["exec"], script);
        Assert.Equal("1\n", ours.Stdout);
        Assert.Equal("Runtime error near line 2: UNIQUE constraint failed: t.a (19)\n", ours.Stderr);
        Assert.Equal(1, ours.ExitCode);
        var shell = await RunAsync(Sqlite3Shell.DefaultPath, [], script);
        Assert.Equal(shell, ours);
    }

    [Fact]
    public async Task NoFlags_UsesTheEmbeddedDefaults_AndSaysSoOnStderr()
    {
        var directory = Directory.CreateTempSubdirectory("fastdb-defaults-");
        try
        {
            var start = new ProcessStartInfo(ServerProcess.ExecutablePath)
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            var socket = Path.Combine(directory.FullName, "fastdb.sock");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(socket) && clock.Elapsed < GiveUp && !process.HasExited) await Task.Delay(20);
            using (var client = UnixHttp.CreateClient(socket, TimeSpan.FromSeconds(10)))
            {
                var answer = await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, GiveUp);
                Assert.Equal(0, answer.Sequence);
            }
            process.Kill();
            await process.WaitForExitAsync();
            Assert.True(Directory.Exists(Path.Combine(directory.FullName, "fastdb-data")));
            lock (stderr) Assert.Contains("no -l/-d given", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task BadFlags_ExitNonZeroWithAMessage()
    {
        var result = await RunAsync(ServerProcess.ExecutablePath, ["-l", "localhost:99999"], "");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("bad TCP port", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    private static Task<(string Stdout, string Stderr, int ExitCode)> RunAsync(string file, string[] args, string stdin) =>
        Task.Run(() => ChildProcess.Run(file, args, stdin));
}
