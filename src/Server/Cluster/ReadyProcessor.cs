using System.Buffers;
using FastDb.Raft;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// Carries out what each Raft Ready says, in the order that keeps acknowledgements honest: persist (snapshot,
/// entries, hard state) to the store, then send the messages, then hand committed entries to the apply queue
/// (step 4 of design.md's "one request, end to end"). Also persists the snapshots the apply thread takes, and tells
/// the request router of a new leader at once. Loop thread only.
/// </summary>
public sealed class ReadyProcessor(RaftNode raft, ILogStore store, IPeerTransport transport, IApplyQueue applyQueue,
    Membership membership, RequestRouter router, ulong lastSnapshotIndex, ILogger log)
{
    private readonly ArrayBufferWriter<byte> _encodeBuffer = new(1024);

    /// <summary>The index of the newest snapshot in the store.</summary>
    public ulong LastSnapshotIndex { get; private set; } = lastSnapshotIndex;

    /// <summary>The leader as of the last Ready handled (0: none known).</summary>
    public ulong LastLeader { get; private set; }

    /// <summary>Told when the leader changed (the status is rebuilt then).</summary>
    public event Action? LeaderChanged;

    /// <summary>Told of the reads Raft confirmed (ReadIndex), after the Ready's messages went out.</summary>
    public Action<IReadOnlyList<ReadState>>? ReadsConfirmed { get; set; }

    public void Process()
    {
        while (raft.HasReady)
        {
            var ready = raft.GetReady();
            if (ready.Snapshot is { } snapshot) InstallSnapshot(snapshot);
            if (ready.EntriesToPersist.Count > 0) store.Append(ready.EntriesToPersist);
            if (ready.HardState is { } hardState) store.SaveHardState(hardState);
            // Only now send: LogStore's one repair (cutting a torn final record) is safe because nothing unsent is acked.
            foreach (var message in ready.Messages) Send(message);
            if (ready.ReadStates.Count > 0) ReadsConfirmed?.Invoke(ready.ReadStates);
            foreach (var entry in ready.CommittedEntries)
            {
                // A configuration change also updates the addresses here, on the loop, which sends to them.
                if (entry.Type == EntryType.ConfigChange) membership.OnCommittedChange(entry);
                applyQueue.Post(entry);
            }
            raft.Advance(ready);
            if (ready.SoftState.LeaderId != LastLeader)
            {
                LastLeader = ready.SoftState.LeaderId;
                LeaderChanged?.Invoke();
                log.LogInformation("term {Term}: leader is now {Leader} ({Role})", ready.SoftState.Term,
                    membership.TryGetAddress(LastLeader, out var address) ? address : LastLeader == 0 ? "none" : LastLeader.ToString(), ready.SoftState.Role);
                // Re-send everything still waiting to the new leader at once rather than after RetryTicks.
                if (LastLeader != 0) router.SendWaiting();
            }
        }
    }

    /// <summary>The apply thread's snapshot image at <paramref name="index"/>: Raft's log is compacted and the snapshot stored.</summary>
    public void OnSnapshotTaken(ulong index, byte[] image)
    {
        // A leader's snapshot installed meanwhile may already cover this index.
        if (index <= LastSnapshotIndex) return;
        Persist(raft.Compact(index, image));
        log.LogInformation("snapshot at index {Index} ({Bytes} bytes); log compacted", index, image.Length);
    }

    /// <summary>A leader's snapshot: persisted here (the store is the loop's), applied in order by the apply queue.</summary>
    private void InstallSnapshot(Snapshot snapshot)
    {
        Persist(snapshot);
        applyQueue.PostSnapshot(snapshot);
        membership.RememberMembers(snapshot.Members);
        log.LogInformation("installing a snapshot at index {Index} from the leader", snapshot.Index);
    }

    /// <summary>
    /// Stores a snapshot as the log store keeps it: Raft's metadata (index, term, members) apart from the state
    /// machine image, which recovery joins back together on restart.
    /// </summary>
    private void Persist(Snapshot snapshot)
    {
        var metadata = SnapshotCodec.ToBytes(snapshot with { Data = ReadOnlyMemory<byte>.Empty });
        store.SaveSnapshot(snapshot.Index, snapshot.Term, metadata, snapshot.Data);
        LastSnapshotIndex = snapshot.Index;
    }

    private void Send(in Message message)
    {
        if (!membership.TryGetAddress(message.To, out var address)) return; // unknown peer: Raft retries
        _encodeBuffer.ResetWrittenCount();
        MessageCodec.Write(message, _encodeBuffer);
        transport.Send(address, PeerFrames.Raft, _encodeBuffer.WrittenSpan);
        if (message.Type == MessageType.VoteResponse && !message.Reject) router.OnVoteGranted(message.To);
    }
}
