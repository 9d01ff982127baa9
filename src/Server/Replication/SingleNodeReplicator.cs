using System.Threading.Channels;
using FastDb.Raft;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Replication;

/// <summary>
/// A one-node cluster: every request is appended to the durable log (concurrent requests batched into one write) and
/// applied at once, in log order. Snapshots the state machine every <c>snapshotEveryEntries</c> entries and compacts
/// the log behind it, so memory and disk stay bounded in a long run.
/// </summary>
public sealed class SingleNodeReplicator : IReplicator
{
    private const ulong Term = 1;
    private const int MaxBatch = 512;

    private readonly ReplicatedStateMachine _stateMachine;
    private readonly LogStore _store;
    private readonly ILogger _logger;
    private readonly ulong _nodeId;
    private readonly int _snapshotEveryEntries;
    private readonly Channel<ClientRequest> _queue =
        Channel.CreateUnbounded<ClientRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Entry> _batch = new(MaxBatch);
    private readonly List<ClientRequest> _batchRequests = new(MaxBatch);
    private Task? _loop;
    private ulong _lastSnapshotIndex;

    /// <summary>Recovers the state machine from the store (snapshot, then every entry after it) before returning.</summary>
    public SingleNodeReplicator(ReplicatedStateMachine stateMachine, LogStore store, ulong nodeId, int snapshotEveryEntries, ILogger logger)
    {
        if (snapshotEveryEntries < 1) throw new ArgumentOutOfRangeException(nameof(snapshotEveryEntries), "must be at least 1");
        _stateMachine = stateMachine;
        _store = store;
        _nodeId = nodeId;
        _snapshotEveryEntries = snapshotEveryEntries;
        _logger = logger;
        Recover();
    }

    public ulong LocalNodeId => _nodeId;

    public ReplicatorStatus Status
    {
        get
        {
            var applied = _stateMachine.AppliedIndex;
            return new ReplicatorStatus("leader", Term, _nodeId, [_nodeId], applied, applied, applied, _lastSnapshotIndex, []);
        }
    }

    /// <summary>The one node holds everything it applied.</summary>
    public ValueTask<int> CountReplicasAsync(ulong index, CancellationToken cancellationToken) =>
        ValueTask.FromResult(index != 0 && index <= _stateMachine.AppliedIndex ? 1 : 0);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop ??= Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public ValueTask<Answer> SubmitAsync(ClientRequest request, CancellationToken cancellationToken) =>
        _stateMachine.SubmitAsync(request, (r, _) => _queue.Writer.TryWrite(r), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _store.Dispose();
    }

    private void Recover()
    {
        var loaded = _store.Load();
        if (loaded.Snapshot is { } snapshot)
        {
            _stateMachine.ReadSnapshot(snapshot.Data);
            _lastSnapshotIndex = snapshot.Index;
        }
        foreach (var entry in loaded.Entries)
        {
            if (entry.Index <= _stateMachine.AppliedIndex) continue;
            if (entry.Type == EntryType.Normal) _stateMachine.Apply(entry.Index, entry.Data.Span);
            else _stateMachine.ApplyNoop(entry.Index);
        }
        if (loaded.HardState.Term != Term) _store.SaveHardState(new HardState(Term, _nodeId, _store.LastIndex));
        _logger.LogInformation("recovered: applied index {Applied}, next sequence number {Next}",
            _stateMachine.AppliedIndex, _stateMachine.NextSequenceNumber);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _batch.Clear();
            _batchRequests.Clear();
            var next = _store.LastIndex + 1;
            while (_batch.Count < MaxBatch && reader.TryRead(out var request))
            {
                _batch.Add(new Entry(Term, next++, EntryType.Normal, request.ToBytes()));
                _batchRequests.Add(request);
            }
            try
            {
                _store.Append(_batch);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(e, "could not append {Count} entries to the log; their requests are failed", _batch.Count);
                foreach (var request in _batchRequests) _stateMachine.Abandon(request.Id);
                continue;
            }
            foreach (var entry in _batch) _stateMachine.Apply(entry.Index, entry.Data.Span);
            MaybeSnapshot();
        }
    }

    private void MaybeSnapshot()
    {
        var applied = _stateMachine.AppliedIndex;
        if (applied - _lastSnapshotIndex < (ulong)_snapshotEveryEntries) return;
        try
        {
            using var stream = new MemoryStream();
            _stateMachine.WriteSnapshot(stream);
            _store.SaveSnapshot(applied, Term, ReadOnlyMemory<byte>.Empty, stream.GetBuffer().AsMemory(0, (int)stream.Length));
            _lastSnapshotIndex = applied;
            _logger.LogInformation("snapshot at index {Index} ({Bytes} bytes); log compacted", applied, stream.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The log still holds everything: a failed snapshot only delays compaction.
            _logger.LogError(e, "snapshot at index {Index} failed; will retry after more entries", applied);
            _lastSnapshotIndex = applied;
        }
    }
}
