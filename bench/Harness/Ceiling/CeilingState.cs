using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using FastDb.Harness.Checking;

namespace FastDb.Harness.Ceiling;

/// <summary>
/// The shared state behind the ceiling stand-in's nodes (bench/CeilingStandIn), run inside the harness process so
/// that freezing or killing a stand-in node never blocks the others: a Unix socket taking length-prefixed SQL bodies
/// and answering "SequenceNumber: N\n" + the output of one in-process SQLite database, one query at a time.
/// A body seen before gets its first answer again: octopus's bodies are unique (random amount, name and word), so
/// a repeat is a client's retry after a killed node lost its answer, and a new number for it would leave a gap that
/// stalls the checker, which is exactly what the yardstick must not suffer from.
/// </summary>
public sealed class CeilingState : IAsyncDisposable
{
    /// <summary>Answered bodies remembered for retries; a 30 s run answers well under this many.</summary>
    private const int RememberedBodies = 200_000;

    private readonly Socket _listener;
    private readonly InProcOracle _database = new();
    private readonly object _order = new();
    private readonly Dictionary<string, byte[]> _answered = new(StringComparer.Ordinal);
    private readonly Queue<string> _answeredOrder = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private long _nextSequence;

    public CeilingState(string socketPath)
    {
        SocketPath = socketPath;
        if (File.Exists(socketPath)) File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(512);
        _acceptLoop = Task.Run(AcceptLoop);
    }

    public string SocketPath { get; }

    /// <summary>Queries numbered so far.</summary>
    public long Answered => Interlocked.Read(ref _nextSequence);

    /// <summary>Numbers and answers one body (or repeats the answer of a body seen before).</summary>
    public byte[] Answer(string body)
    {
        lock (_order)
        {
            if (_answered.TryGetValue(body, out var earlier)) return earlier;
            byte[] output = _database.Execute(body);
            byte[] answer = [.. Encoding.ASCII.GetBytes($"SequenceNumber: {_nextSequence}\n"), .. output];
            Interlocked.Increment(ref _nextSequence);
            _answered[body] = answer;
            _answeredOrder.Enqueue(body);
            if (_answeredOrder.Count > RememberedBodies) _answered.Remove(_answeredOrder.Dequeue());
            return answer;
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    /// <summary>One stand-in HTTP connection's relay: many requests, one at a time.</summary>
    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var header = new byte[4];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await ReceiveExactlyAsync(client, header).ConfigureAwait(false);
                    var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
                    await ReceiveExactlyAsync(client, body).ConfigureAwait(false);
                    byte[] answer = Answer(Encoding.UTF8.GetString(body));
                    var reply = new byte[4 + answer.Length];
                    BinaryPrimitives.WriteUInt32BigEndian(reply, (uint)answer.Length);
                    answer.CopyTo(reply, 4);
                    await client.SendAsync(reply, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException) { }
        }
    }

    private async Task ReceiveExactlyAsync(Socket socket, Memory<byte> into)
    {
        while (into.Length > 0)
        {
            int n = await socket.ReceiveAsync(into, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException();
            into = into[n..];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _database.Dispose();
        try { File.Delete(SocketPath); } catch (IOException) { }
    }
}
