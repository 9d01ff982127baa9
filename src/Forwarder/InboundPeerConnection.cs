using System.Buffers;
using System.IO.Pipelines;
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
    /// Reads the preamble and then frames until the connection ends. <paramref name="remote"/> names the connection
    /// in logs until the preamble tells the peer's name.
    /// </summary>
    public static async Task RunAsync(PipeReader input, IFrameHandler handler, PeerProtocolOptions options, ILogger log,
        string remote, CancellationToken cancellationToken)
    {
        string? peerName = null;
        byte[]? scratch = null; // for payloads split across pipe segments; rented once, grown rarely
        try
        {
            peerName = await ReadPreambleAsync(input, options, log, remote, cancellationToken).ConfigureAwait(false);
            if (peerName is null)
                return;
            log.LogInformation("Peer {Peer} connected ({Remote})", peerName, remote);
            handler.OnPeerConnected(peerName);

            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var (consumed, error) = DispatchFrames(buffer, handler, peerName, options.MaxFramePayloadBytes, ref scratch);
                if (error is not null)
                {
                    input.AdvanceTo(consumed);
                    log.LogWarning("Closing connection from peer {Peer}: {Reason}", peerName, error);
                    return;
                }
                input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    long leftover = buffer.Slice(consumed).Length;
                    if (leftover > 0)
                        log.LogWarning("Connection from peer {Peer} ended inside a frame ({Bytes} bytes of it lost)", peerName, leftover);
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
        catch (Exception e)
        {
            // socket reset, aborted connection: the sender reconnects by itself
            log.LogInformation("Connection from {Peer} ended: {Reason}", peerName ?? remote, e.Message);
        }
        finally
        {
            if (scratch is not null)
                ArrayPool<byte>.Shared.Return(scratch);
            if (peerName is not null)
            {
                try { handler.OnPeerDisconnected(peerName); }
                catch (Exception e) { log.LogWarning(e, "Frame handler failed on disconnect of {Peer}", peerName); }
            }
        }
    }

    private static async Task<string?> ReadPreambleAsync(PipeReader input, PeerProtocolOptions options, ILogger log,
        string remote, CancellationToken cancellationToken)
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
                log.LogWarning("Closing connection from {Remote}: no complete peer preamble within {Timeout}", remote, options.PreambleTimeout);
                return null;
            }
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var status = Preamble.TryRead(ref reader, out string name, out string? error);
            if (status == ParseStatus.Complete)
            {
                input.AdvanceTo(reader.Position);
                return name;
            }
            if (status == ParseStatus.Invalid)
            {
                input.AdvanceTo(buffer.Start);
                log.LogWarning("Closing connection from {Remote}: {Reason}", remote, error);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                log.LogInformation("Connection from {Remote} closed inside its preamble", remote);
                return null;
            }
        }
    }

    /// <summary>
    /// Hands every complete frame of <paramref name="buffer"/> to the handler. Returns where parsing stopped and, for
    /// a bad frame or a handler failure, the reason to close the connection. Synchronous because SequenceReader is a
    /// ref struct.
    /// </summary>
    private static (SequencePosition Consumed, string? Error) DispatchFrames(in ReadOnlySequence<byte> buffer,
        IFrameHandler handler, string peerName, int maxPayloadBytes, ref byte[]? scratch)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var status = FrameCodec.TryReadFrame(ref reader, maxPayloadBytes, out byte type, out ulong correlationId,
                out var payload, out string? error);
            if (status == ParseStatus.NeedMoreData)
                return (reader.Position, null);
            if (status == ParseStatus.Invalid)
                return (reader.Position, error);

            ReadOnlySpan<byte> span;
            if (payload.IsSingleSegment)
            {
                span = payload.FirstSpan;
            }
            else
            {
                int length = (int)payload.Length;
                if (scratch is null || scratch.Length < length)
                {
                    if (scratch is not null)
                        ArrayPool<byte>.Shared.Return(scratch);
                    scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
                }
                payload.CopyTo(scratch);
                span = scratch.AsSpan(0, length);
            }
            try
            {
                handler.OnFrame(peerName, type, correlationId, span);
            }
            catch (Exception e)
            {
                return (reader.Position, $"frame handler rejected frame type {type}: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
