using FastDb.Forwarder;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// A node's replicator as the rest of the server sees it (<see cref="IReplicator"/>): it wires the single-threaded
/// <see cref="RaftHost"/> to its production I/O (a <see cref="NodeLoop"/> thread and clock, <see cref="PeerLinks"/>,
/// the node's <see cref="ILogStore"/>, the <see cref="Applier"/> thread) and is the edge where the outside reaches
/// it: requests from HTTP handlers (admitted by <see cref="PendingRequests"/>, which also holds their waiters) and
/// frames from peers' connections (<see cref="IFrameHandler"/>, validated by <see cref="PeerFrames"/>).
/// The HTTP answer comes from this node's own state machine, so nothing has to travel back.
/// </summary>
public sealed class ClusterReplicator : IReplicator, IFrameHandler
{
    private readonly ClusterOptions _options;
    private readonly PendingRequests _requests;
    private readonly ILogStore _store;
    private readonly PeerLinks _links;
    private readonly CountingTransport _transport;
    private readonly RaftHost _host;
    private readonly NodeLoop _loop;
    private readonly Applier _applier;

    /// <exception cref="CorruptStorageException">The store is damaged: the node must not start.</exception>
    public ClusterReplicator(ClusterOptions options, ReplicatedStateMachine stateMachine, ILogStore store, ILoggerFactory logging)
    {
        _options = options;
        _requests = new PendingRequests(stateMachine);
        _store = store;
        var log = logging.CreateLogger<ClusterReplicator>();
        _links = new PeerLinks(options.SelfAddress, logging, options.PeerTls, options.CompressPeerLinks, options.PeerLanes, ClusterRules(options.Raft));
        _transport = new CountingTransport(_links);
        PeerProtocol = new PeerProtocolOptions
        {
            ValidatePeerName = PeerInput.ValidatePeerName,
            ClusterRules = ClusterRules(options.Raft),
            DescribeClusterRules = rules => rules == 0 ? "commit quorum: a majority" : $"commit quorum: {rules}",
            Tls = options.PeerTls,
            PlainPeersFromLoopbackOnly = options.PlainPeersFromLoopbackOnly,
        };
        Applier? applier = null;
        var id = NodeAddress.IdOf(options.SelfAddress);
        _host = new RaftHost(options, stateMachine, store, _transport,
            snapshotIndex => applier = new Applier(new ApplyRules(stateMachine, options.SnapshotEveryEntries, snapshotIndex,
                (index, image) => Post(new HostInput(HostInputKind.SnapshotTaken, Index: index, Image: image))), log),
            new Random(System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue)), log); // also draws the rejoin nonce: never the same twice
        _applier = applier ?? throw new InvalidOperationException("RaftHost did not create its apply queue");
        _loop = new NodeLoop(_host, options.TickMs, TimeProvider.System, log);
        _host.Removed += _removed.Cancel;
    }

    private readonly CancellationTokenSource _removed = new();

    /// <summary>
    /// The peer preamble's rules byte: the commit quorum (0: a majority). Members whose quorums differ could each
    /// count a commit the other's elections miss, so they refuse each other's connections instead.
    /// </summary>
    private static byte ClusterRules(FastDb.Raft.RaftOptions raft) => checked((byte)raft.CommitQuorum);

    public ulong LocalNodeId => _host.Id;

    public ReplicatorStatus Status => _host.Status;

    public int RequestsInFlight => _requests.Count;

    public IReadOnlyList<TrafficCount> PeerTraffic => _transport.Counter.Snapshot();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _applier.Start();
        _loop.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A removed node takes no more requests and lets go of those waiting (they would never commit through it):
    /// both get <see cref="NodeRemovedException"/>. A request already forwarded may still commit through the leader.
    /// </summary>
    public async ValueTask<Answer> SubmitAsync(ClientRequest request, CancellationToken cancellationToken)
    {
        if (_removed.IsCancellationRequested) throw new NodeRemovedException();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _removed.Token);
        try
        {
            return await _requests.SubmitAsync(request, (r, answer) =>
                Post(new HostInput(HostInputKind.Propose, Request: new PendingRequest(r, r.ToBytes(), answer))), wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_removed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new NodeRemovedException();
        }
    }

    public ValueTask<int> CountReplicasAsync(ulong index, CancellationToken cancellationToken)
    {
        // Raft's state belongs to the loop thread: ask it (rare: document commands only).
        var reply = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new HostInput(HostInputKind.CountReplicas, Index: index, Reply: reply)))
            reply.TrySetException(new ObjectDisposedException(nameof(ClusterReplicator)));
        return new ValueTask<int>(reply.Task.WaitAsync(cancellationToken));
    }

    public ValueTask<RemoveOutcome> RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<RemoveOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new HostInput(HostInputKind.Remove, Node: nodeId, RemoveReply: reply)))
            reply.TrySetException(new ObjectDisposedException(nameof(ClusterReplicator)));
        return new ValueTask<RemoveOutcome>(reply.Task.WaitAsync(cancellationToken));
    }

    public ValueTask<ulong> ReadIndexAsync(ReadConfirmation kind, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new HostInput(HostInputKind.ReadIndex, Read: kind, ReadReply: reply)))
            reply.TrySetException(new ObjectDisposedException(nameof(ClusterReplicator)));
        return new ValueTask<ulong>(reply.Task.WaitAsync(cancellationToken));
    }

    public long? LeaderContactAgeMs
    {
        get
        {
            var ticks = _host.TicksSinceLeaderContact;
            return ticks == long.MaxValue ? null : ticks * _options.TickMs;
        }
    }

    /// <summary>A frame from a peer's connection (its thread): validated, then queued for the loop; a bad one throws.</summary>
    public void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload)
    {
        if (_host.ReadFrame(peerName, frameType, payload) is { } input) Post(input);
    }

    /// <summary>
    /// The receiving side's settings (and its connection caps): peers must name themselves by a valid node address,
    /// with peer TLS the one their certificate names; without it on TCP, only from loopback unless --insecure.
    /// </summary>
    public PeerProtocolOptions PeerProtocol { get; }

    private bool Post(in HostInput input) => _loop.Post(input);

    public async ValueTask DisposeAsync()
    {
        await TransferLeadershipAsync().ConfigureAwait(false);
        await _loop.StopAsync().ConfigureAwait(false);
        await _applier.StopAsync().ConfigureAwait(false);
        await _links.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
    }

    /// <summary>
    /// On a clean shutdown the leader hands over to a peer first, so the cluster does not sit out an election timeout.
    /// Best effort, bounded: a few election timeouts at most.
    /// </summary>
    private async Task TransferLeadershipAsync()
    {
        var status = _host.Status;
        if (!_loop.Running || status.Role != "leader" || status.Members.Count < 2) return;
        var target = status.Members.FirstOrDefault(m => m != _host.Id);
        if (!Post(new HostInput(HostInputKind.Transfer, Node: target))) return;
        var deadline = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(deadline).TotalMilliseconds < _options.ElectionTimeoutMaxMs * 2 && _host.Status.Role == "leader")
            await Task.Delay(_options.TickMs).ConfigureAwait(false);
    }
}
