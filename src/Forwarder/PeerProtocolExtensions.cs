using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace FastDb.Forwarder;

/// <summary>Lets one Kestrel listening socket serve both HTTP and FastDb peer connections.</summary>
public static class PeerProtocolExtensions
{
    /// <summary>
    /// Adds a connection middleware that sniffs the first bytes of every accepted connection: a connection that starts
    /// with the peer magic is read as a peer connection (frames to <paramref name="handler"/>) and never reaches HTTP;
    /// anything else is rewound and handed to the next middleware (HTTP) untouched. Call it before any other Use.
    /// </summary>
    public static ListenOptions UsePeerProtocol(this ListenOptions listenOptions, IFrameHandler handler, ILogger log,
        PeerProtocolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(log);
        options ??= new PeerProtocolOptions();
        listenOptions.Use(next => async connection =>
        {
            var input = connection.Transport.Input;
            SniffResult sniff;
            try
            {
                sniff = await InboundPeerConnection.SniffAsync(input, connection.ConnectionClosed).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // reset or aborted before sending enough to tell: nothing to serve
                log.LogDebug("Connection {Id} ended before its first bytes: {Reason}", connection.ConnectionId, e.Message);
                return;
            }
            if (sniff != SniffResult.Peer)
            {
                await next(connection).ConfigureAwait(false);
                return;
            }
            string remote = connection.RemoteEndPoint?.ToString() ?? connection.ConnectionId;
            // Stop reading when the connection closes OR the server begins shutting down: Kestrel's graceful
            // shutdown waits for connection middleware, and a peer connection never ends by itself.
            var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
                ?? CancellationToken.None;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, closeRequested);
            await InboundPeerConnection.ServeAsync(connection.Transport, connection.RemoteEndPoint, handler, options, log, remote, stop.Token)
                .ConfigureAwait(false);
            // Inbound peer connections are read-only; completing the output closes the socket.
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        });
        return listenOptions;
    }
}
