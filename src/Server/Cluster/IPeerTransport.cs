namespace FastDb.Server.Cluster;

/// <summary>
/// How the Raft host sends frames to its peers: the host's seam at the network (after hashicorp/raft's Transport).
/// <see cref="PeerLinks"/> sends over the Forwarder's persistent connections; the host simulator
/// (tests/HostSimulation.Tests) delivers them through a simulated network. Receiving is the other direction: whatever
/// reads frames hands them to <see cref="PeerFrames.TryRead"/> and then to the host's loop.
///
/// Contract: called from the host's loop only. Sends are best effort (Raft and the request router re-send what is
/// lost) and may be held until <see cref="Flush"/>, which the loop calls once per iteration, so everything one
/// iteration sends to a peer leaves together.
/// </summary>
public interface IPeerTransport : IAsyncDisposable
{
    /// <summary>Queues one frame to the peer at <paramref name="address"/> (a valid <see cref="NodeAddress"/>).</summary>
    void Send(string address, byte frameType, ReadOnlySpan<byte> payload);

    /// <summary>Sends everything queued since the last flush.</summary>
    void Flush();

    /// <summary>
    /// How many times a connection to <paramref name="address"/> has closed since this node started: the link was
    /// killed or the peer died (octopus closes every connection of a link it kills). A failure detector's evidence
    /// (see RaftHost.SuspectLeaderTicks); 0 where the transport cannot tell. Loop thread.
    /// </summary>
    long ClosesOf(string address) => 0;
}
