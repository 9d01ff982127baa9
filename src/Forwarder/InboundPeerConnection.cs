using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace FastDb.Forwarder;

/// <summary>
/// The receiving side of one peer connection, shared by the Kestrel middleware and PeerListener: sniff, preamble,
/// then frames parsed straight from the pipe and handed to the IFrameHandler. Never throws: every failure ends the
/// connection with a logged reason.
/// </summary>
internal static class InboundPeerConnection
{
    /// <summary>
    /// Looks at the first bytes without consuming them: on return the reader is positioned so that the next ReadAsync
    /// returns the same bytes at once (consumed = examined = start). A connection that closes before showing enough
    /// bytes is NotPeer.
    /// </summary>
    public static async ValueTask<SniffResult> SniffAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var sniff = Preamble.Sniff(buffer);
            if (sniff == SniffResult.NeedMoreData && !result.IsCompleted && !result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End); // examined all: wait for more bytes
                continue;
            }
            input.AdvanceTo(buffer.Start);
            return sniff == SniffResult.Peer ? SniffResult.Peer : SniffResult.NotPeer;
        }
    }

    /// <summary>
    /// Serves a connection that sniffed as a peer: a TLS one (<see cref="Preamble.TlsMarker"/>) is authenticated with
    /// options.Tls and its preamble must name the node its certificate names; a plain one is refused when the node
    /// requires TLS, and when it comes from a non-loopback address while options.PlainPeersFromLoopbackOnly is set.
    /// Nothing of a refused connection reaches the handler. Never throws.
    /// </summary>
    public static async Task ServeAsync(IDuplexPipe transport, EndPoint? remoteEndPoint, IFrameHandler handler,
        PeerProtocolOptions options, ILogger log, string remote, CancellationToken cancellationToken)
    {
        try
        {
            var tls = await IsTlsAsync(transport.Input, cancellationToken).ConfigureAwait(false);
            if (tls is null) return; // closed before 8 bytes
            if (tls == false)
            {
                if (options.Tls is not null)
                {
                    LogClose(log, options.Limits, remote, "plain peer connection refused: this node requires peer TLS");
                    return;
                }
                if (options.PlainPeersFromLoopbackOnly && !IsLoopbackOrLocal(remoteEndPoint))
                {
                    LogClose(log, options.Limits, remote, "plain peer connection from a non-loopback address refused (no peer TLS configured; --insecure accepts it)");
                    return;
                }
                await RunAsync(transport.Input, handler, options, log, remote, certifiedName: null, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (options.Tls is not { } peerTls)
            {
                LogClose(log, options.Limits, remote, "TLS peer connection refused: this node has no peer certificate configured");
                return;
            }
            await using var stream = new DuplexPipeStream(transport);
            await using var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
            string identity;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(peerTls.HandshakeTimeout);
                try
                {
                    identity = await peerTls.AuthenticateAsServerAsync(ssl, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogClose(log, options.Limits, remote, $"peer TLS handshake failed: {(e is OperationCanceledException ? "timed out" : e.Message)}");
                    return;
                }
            }
            var input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
            try
            {
                await RunAsync(input, handler, options, log, $"{remote} ({identity})", identity, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await input.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            log.LogDebug("Connection from {Remote} ended: {Reason}", remote, e.Message);
        }
    }

    /// <summary>Peeks at the first 8 bytes: true for the TLS marker, false for anything else, null if the connection ended first.</summary>
    private static async Task<bool?> IsTlsAsync(PipeReader input, CancellationToken cancellationToken)
    {
        var marker = Preamble.TlsMarker.Length;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= marker)
            {
                Span<byte> head = stackalloc byte[marker];
                buffer.Slice(0, marker).CopyTo(head);
                var tls = head.SequenceEqual(Preamble.TlsMarker);
                input.AdvanceTo(tls ? buffer.GetPosition(marker) : buffer.Start);
                return tls;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                return buffer.Length == 0 ? null : false; // a short plain preamble fails in RunAsync, with its reason
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Unix sockets (null or a Unix endpoint) and 127.0.0.0/8, ::1 (also IPv4-mapped).</summary>
    internal static bool IsLoopbackOrLocal(EndPoint? endPoint) => endPoint switch
    {
        null or UnixDomainSocketEndPoint => true,
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address),
        _ => false,
    };

    /// <summary>
    /// Reads the preamble and then frames until the connection ends. <paramref name="remote"/> names the connection
    /// in logs until the preamble tells the peer's name. Enforces the caps of <paramref name="options"/>: connections
    /// open at once, frame length, bytes buffered for large frames, and a stalled partial frame.
    /// </summary>
    /// <param name="certifiedName">The identity in the peer's TLS certificate (null: a plain connection): the preamble must name it.</param>
    public static async Task RunAsync(PipeReader input, IFrameHandler handler, PeerProtocolOptions options, ILogger log,
        string remote, string? certifiedName, CancellationToken cancellationToken)
    {
        var limits = options.Limits;
        if (!limits.TryOpenConnection(options.MaxConnections))
        {
            LogClose(log, limits, remote, $"already {options.MaxConnections} peer connections open (the cap)");
            return;
        }
        string? peerName = null;
        byte[]? scratch = null; // for payloads split across pipe segments; rented once, grown rarely
        var state = new FrameState();
        PipeReader? inflated = null;
        try
        {
            bool compressed;
            (peerName, compressed) = await ReadPreambleAsync(input, options, log, remote, certifiedName, cancellationToken).ConfigureAwait(false);
            if (peerName is null)
                return;
            if (compressed)
                input = inflated = LinkInflater.Open(input); // frames are read from the inflated stream from here on
            log.LogInformation("Peer {Peer} connected ({Remote}{Compressed})", peerName, remote, compressed ? ", compressed" : "");
            handler.OnPeerConnected(peerName);

            // Armed only while a frame is partly received: a peer that stops mid-frame is cut off.
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var insideFrame = false;
            while (true)
            {
                stall.CancelAfter(insideFrame ? options.StalledFrameTimeout : Timeout.InfiniteTimeSpan);
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    LogClose(log, limits, peerName, $"no byte for {options.StalledFrameTimeout} inside a frame");
                    return;
                }
                var buffer = result.Buffer;
                var (consumed, error) = DispatchFrames(buffer, handler, peerName, options, state, ref scratch);
                if (error is not null)
                {
                    input.AdvanceTo(consumed);
                    LogClose(log, limits, peerName, error);
                    return;
                }
                input.AdvanceTo(consumed, buffer.End);
                long leftover = buffer.Slice(consumed).Length + state.Filled;
                insideFrame = leftover > 0 || state.Active;
                if (result.IsCompleted || result.IsCanceled)
                {
                    if (leftover > 0)
                        log.LogInformation("Connection from peer {Peer} ended inside a frame ({Bytes} bytes of it lost)", peerName, leftover);
                    else
                        log.LogInformation("Peer {Peer} disconnected", peerName);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down or connection aborted
        }
        catch (InvalidDataException e) when (inflated is not null)
        {
            LogClose(log, limits, peerName ?? remote, $"bad compressed stream: {e.Message}");
        }
        catch (Exception e)
        {
            // socket reset, aborted connection: the sender reconnects by itself
            log.LogInformation("Connection from {Peer} ended: {Reason}", peerName ?? remote, e.Message);
        }
        finally
        {
            if (inflated is not null)
                await inflated.CompleteAsync().ConfigureAwait(false);
            state.Drop(limits); // a partial large frame becomes garbage now, and its bytes leave the shared budget
            limits.CloseConnection();
            if (scratch is not null)
                ArrayPool<byte>.Shared.Return(scratch);
            if (peerName is not null)
            {
                try { handler.OnPeerDisconnected(peerName); }
                catch (Exception e) { log.LogWarning(e, "Frame handler failed on disconnect of {Peer}", peerName); }
            }
        }
    }

    /// <summary>One warning per closed connection, rate-limited across connections.</summary>
    private static void LogClose(ILogger log, InboundLimits limits, string who, string? reason)
    {
        if (!limits.CloseLog.TryEnter(out int suppressed))
            return;
        if (suppressed > 0)
            log.LogWarning("Closing connection from {Peer}: {Reason} ({Suppressed} more closed peer connections not logged)", who, reason, suppressed);
        else
            log.LogWarning("Closing connection from {Peer}: {Reason}", who, reason);
    }

    private static async Task<(string? Name, bool Compressed)> ReadPreambleAsync(PipeReader input, PeerProtocolOptions options, ILogger log,
        string remote, string? certifiedName, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PreambleTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogClose(log, options.Limits, remote, $"no complete peer preamble within {options.PreambleTimeout}");
                return (null, false);
            }
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var status = Preamble.TryRead(ref reader, out string name, out bool compressed, out byte rules, out string? error);
            if (status == ParseStatus.Complete && rules != options.ClusterRules)
            {
                status = ParseStatus.Invalid;
                string Describe(byte r) => options.DescribeClusterRules?.Invoke(r) ?? r.ToString(System.Globalization.CultureInfo.InvariantCulture);
                error = $"peer '{name}' runs with other cluster rules ({Describe(rules)}; this node: {Describe(options.ClusterRules)}): every member must be started with the same ones";
            }
            if (status == ParseStatus.Complete && options.ValidatePeerName?.Invoke(name) is { } refused)
            {
                status = ParseStatus.Invalid;
                error = $"peer name refused: {refused}";
            }
            if (status == ParseStatus.Complete && certifiedName is not null && !string.Equals(name, certifiedName, StringComparison.Ordinal))
            {
                // A valid certificate of node A does not let its holder speak as node B.
                status = ParseStatus.Invalid;
                error = $"peer name refused: the certificate is for '{certifiedName}', the preamble claims another name";
            }
            if (status == ParseStatus.Complete)
            {
                input.AdvanceTo(reader.Position);
                return (name, compressed);
            }
            if (status == ParseStatus.Invalid)
            {
                input.AdvanceTo(buffer.Start);
                LogClose(log, options.Limits, remote, error);
                return (null, false);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                log.LogInformation("Connection from {Remote} closed inside its preamble", remote);
                return (null, false);
            }
        }
    }

    /// <summary>
    /// A frame longer than InlineFrameBytes that has not fully arrived: its payload is copied out of the pipe into a
    /// FrameBuffer of its own as it arrives, so the pipe's pooled blocks go back at once. What it holds resident
    /// counts against the shared budget, and is given back when the frame is delivered or the connection ends.
    /// </summary>
    private sealed class FrameState
    {
        public byte Type;
        public int Length;
        public int Filled;
        private FrameBuffer? _buffer; // null: no large frame in progress
        private long _reserved;

        public bool Active => _buffer is not null;

        public Span<byte> Payload => _buffer!.Span[..Length];

        public void Start(byte type, int length)
        {
            Type = type;
            Length = length;
            Filled = 0;
            _buffer = FrameBuffer.Create(length);
        }

        /// <summary>Copies <paramref name="take"/> bytes in; false (nothing copied) if the shared budget is spent.</summary>
        public bool TryAppend(ref SequenceReader<byte> reader, int take, PeerProtocolOptions options)
        {
            var resident = _buffer!.ResidentFor(Filled + take, options.InlineFrameBytes);
            if (resident > _reserved)
            {
                if (!options.Limits.TryReserve(resident - _reserved, options.MaxBufferedFrameBytes)) return false;
                _reserved = resident;
            }
            _buffer.EnsureCapacity(Filled + take, Filled, options.InlineFrameBytes);
            reader.TryCopyTo(_buffer.Span.Slice(Filled, take));
            reader.Advance(take);
            Filled += take;
            return true;
        }

        public void Drop(InboundLimits limits)
        {
            limits.Release(_reserved);
            _reserved = 0;
            _buffer?.Dispose();
            _buffer = null;
            Filled = 0;
            Length = 0;
        }
    }

    /// <summary>
    /// Hands every complete frame of <paramref name="buffer"/> to the handler, and copies a large partial frame into
    /// <paramref name="state"/>. Returns where parsing stopped and, for a bad frame, a handler failure or a spent
    /// buffer budget, the reason to close the connection. Synchronous because SequenceReader is a ref struct.
    /// </summary>
    private static (SequencePosition Consumed, string? Error) DispatchFrames(in ReadOnlySequence<byte> buffer,
        IFrameHandler handler, string peerName, PeerProtocolOptions options, FrameState state, ref byte[]? scratch)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            if (state.Active)
            {
                int take = (int)Math.Min(state.Length - state.Filled, reader.Remaining);
                if (!state.TryAppend(ref reader, take, options))
                    return (reader.Position, $"peer frame buffers are full ({options.Limits.BufferedBytes} bytes held for " +
                        $"large frames across connections, the cap is {options.MaxBufferedFrameBytes})");
                if (state.Filled < state.Length)
                    return (reader.Position, null);
                var error = Deliver(handler, peerName, state.Type, state.Payload);
                state.Drop(options.Limits);
                if (error is not null)
                    return (reader.Position, error);
                continue;
            }

            var frameStart = reader.Consumed;
            var status = FrameCodec.TryReadHeader(ref reader, options.MaxFramePayloadBytes, out byte type,
                out int length, out string? headerError);
            if (status == ParseStatus.NeedMoreData)
                return (reader.Position, null);
            if (status == ParseStatus.Invalid)
                return (reader.Position, headerError);
            if (reader.Remaining < length)
            {
                if (length <= options.InlineFrameBytes)
                {
                    reader.Rewind(reader.Consumed - frameStart); // a short frame waits in the pipe
                    return (reader.Position, null);
                }
                state.Start(type, length);
                continue;
            }

            var payload = reader.UnreadSequence.Slice(0, length);
            reader.Advance(length);
            ReadOnlySpan<byte> span;
            if (payload.IsSingleSegment)
            {
                span = payload.FirstSpan;
            }
            else
            {
                if (scratch is null || scratch.Length < length)
                {
                    if (scratch is not null)
                        ArrayPool<byte>.Shared.Return(scratch);
                    scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
                }
                payload.CopyTo(scratch);
                span = scratch.AsSpan(0, length);
            }
            var failed = Deliver(handler, peerName, type, span);
            if (failed is not null)
                return (reader.Position, failed);
        }
    }

    private static string? Deliver(IFrameHandler handler, string peerName, byte type, ReadOnlySpan<byte> payload)
    {
        try
        {
            handler.OnFrame(peerName, type, payload);
            return null;
        }
        catch (Exception e)
        {
            return $"frame handler rejected frame type {type}: {e.GetType().Name}: {e.Message}";
        }
    }
}
