using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using FastDb.Harness.Checking;

namespace FastDb.Harness.Tests.StandIn;

/// <summary>
/// The shared state behind the stand-in nodes (test-only): a Unix socket taking length-prefixed SQL bodies and
/// answering "SequenceNumber: N\n" + the output of one in-process SQLite database, one query at a time. It lives
/// in the test process, so freezing or killing a stand-in node never blocks the others.
/// </summary>
public sealed class StandInStateServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly InProcOracle _database = new();
    private readonly SemaphoreSlim _order = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private long _nextSequence;

    public StandInStateServer(string socketPath)
    {
        SocketPath = socketPath;
        if (File.Exists(socketPath)) File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(256);
        _acceptLoop = Task.Run(AcceptLoop);
    }

    public string SocketPath { get; }
    public long Answered => Interlocked.Read(ref _nextSequence);

    /// <summary>The Python interpreter for the stand-in nodes: the system one if present (a pyenv shim costs more
    /// than a second per start), otherwise the first python3 on PATH; null if there is none.</summary>
    public static string? FindPython()
    {
        if (File.Exists("/usr/bin/python3")) return "/usr/bin/python3";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "python3")).FirstOrDefault(File.Exists);
    }

    /// <summary>Writes the stand-in node script, with <paramref name="python"/> in its #! line, and returns its path.</summary>
    public static string WriteNodeScript(string directory, string python)
    {
        string path = Path.Combine(directory, "standin_node.py");
        using Stream resource = typeof(StandInStateServer).Assembly.GetManifestResourceStream("standin_node.py")
            ?? throw new InvalidOperationException("standin_node.py is not embedded");
        string text = new StreamReader(resource).ReadToEnd();
        text = "#!" + python + text[text.IndexOf('\n')..];
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        {
            try
            {
                byte[] header = await ReadExactly(client, 4);
                byte[] body = await ReadExactly(client, (int)BinaryPrimitives.ReadUInt32BigEndian(header));
                byte[] answer;
                await _order.WaitAsync(_stop.Token);
                try
                {
                    byte[] output = _database.Execute(Encoding.UTF8.GetString(body));
                    answer = [.. Encoding.ASCII.GetBytes($"SequenceNumber: {_nextSequence}\n"), .. output];
                    Interlocked.Increment(ref _nextSequence);
                }
                finally { _order.Release(); }
                var reply = new byte[4 + answer.Length];
                BinaryPrimitives.WriteUInt32BigEndian(reply, (uint)answer.Length);
                answer.CopyTo(reply, 4);
                await client.SendAsync(reply, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException) { }
        }
    }

    private async Task<byte[]> ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, _stop.Token);
            if (n == 0) throw new EndOfStreamException();
            read += n;
        }
        return buffer;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { await _acceptLoop; } catch (OperationCanceledException) { }
        _database.Dispose();
        try { File.Delete(SocketPath); } catch (IOException) { }
    }
}
