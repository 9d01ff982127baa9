namespace FastDb.Forwarder;

/// <summary>Receives the frames of inbound peer connections.</summary>
public interface IFrameHandler
{
    /// <summary>
    /// Called on the connection's read loop, one frame at a time, in the order the sender sent them. The payload is
    /// valid only during the call (it points into the receive buffer; nothing is allocated per frame): copy what you
    /// keep. Keep it short, the connection reads nothing else meanwhile. Throwing (for example on an unknown frame
    /// type) closes that connection with the exception logged as the reason; the node carries on.
    /// </summary>
    void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload);

    /// <summary>An inbound peer connection finished its preamble (optional).</summary>
    void OnPeerConnected(string peerName) { }

    /// <summary>An inbound peer connection ended, cleanly or not (optional).</summary>
    void OnPeerDisconnected(string peerName) { }
}
