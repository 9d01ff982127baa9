using System.Text;
using FastDb.QueryEngine;

namespace FastDb.Server.StateMachine;

/// <summary>
/// What <see cref="ReplicatedStateMachine.Admit"/> decided for a freshly received request. <see cref="Request"/> is
/// the request to propose (stamped with its body-matching point); <see cref="Joined"/> the in-flight one it joined.
/// </summary>
public readonly record struct Admission(AdmissionKind Kind, Task<Answer> Answer, ClientRequest Request, ReplicatedStateMachine.InFlight? Joined = null)
{
    /// <summary>True when the caller must propose the request (nobody else has it in the log or in flight).</summary>
    public bool MustPropose => Kind == AdmissionKind.New;
}

public enum AdmissionKind
{
    /// <summary>Applied earlier (same id, key, or body within the window): the original answer, already complete.</summary>
    AlreadyAnswered,
    /// <summary>The same key or body is in flight on this node: wait for that one's answer instead of proposing twice.</summary>
    JoinedInFlight,
    /// <summary>Registered; the caller proposes it and the task completes when the log entry is applied.</summary>
    New,
}

/// <summary>
/// The replicated state machine: applies log commands in log order to the in-memory database, deterministically.
/// Applying assigns the sequence number (0, 1, 2, ... over every applied SQL request, failed ones included) unless the
/// request is a re-send found in the dedup window, in which case the original answer is returned without executing.
/// It also keeps the registry of local waiters (not replicated, not snapshotted) that HTTP requests await, and
/// decides, on the node that received a request, whether it is a new request or a client's retry of one whose answer
/// it never got (see <see cref="Admit"/> and <see cref="DedupWindow"/>).
/// Thread-safe: Apply runs on the replicator's apply thread, Admit/SubmitAsync on request threads.
/// </summary>
public sealed class ReplicatedStateMachine
{
    private static ReadOnlySpan<byte> SnapshotMagicV1 => "FDSM1\n"u8;
    private static ReadOnlySpan<byte> SnapshotMagic => "FDSM2\n"u8;

    private readonly object _gate = new();
    private readonly DedupWindow _window;
    private Database _database = new();

    /// <summary>
    /// A request in flight on this node, with the keys other arrivals can join it by, and how many HTTP clients are
    /// still connected and waiting for it (zero: its client went away, so an identical body is that client's retry).
    /// </summary>
    public sealed class InFlight(TaskCompletionSource<Answer> waiter, string? idempotencyKey, BodyDigest? digest)
    {
        public TaskCompletionSource<Answer> Waiter { get; } = waiter;
        public string? IdempotencyKey { get; } = idempotencyKey;
        public BodyDigest? Digest { get; } = digest;
        internal int Connected;
    }

    private readonly Dictionary<RequestId, InFlight> _pendingById = new();
    private readonly Dictionary<BodyDigest, RequestId> _pendingByDigest = new();
    private readonly Dictionary<string, RequestId> _pendingByKey = new(StringComparer.Ordinal);

    public ReplicatedStateMachine(int dedupMaxCount, long dedupMaxAgeMs)
    {
        _window = new DedupWindow(dedupMaxCount, dedupMaxAgeMs);
    }

    /// <summary>Index of the last log entry applied (0 before any).</summary>
    public ulong AppliedIndex { get { lock (_gate) return _appliedIndex; } }
    private ulong _appliedIndex;

    /// <summary>The sequence number the next executed request will get.</summary>
    public ulong NextSequenceNumber { get { lock (_gate) return _nextSequenceNumber; } }
    private ulong _nextSequenceNumber;

    public int DedupCount { get { lock (_gate) return _window.Count; } }

    /// <summary>Chars of answer text the dedup window holds (bounded: <see cref="DedupWindow.MaxAnswerChars"/>).</summary>
    public long DedupAnswerChars { get { lock (_gate) return _window.AnswerChars; } }

    public int PendingCount { get { lock (_gate) return _pendingById.Count; } }

    /// <summary>
    /// Decides what to do with a request that just arrived on this node, which is its origin:
    /// - a key (or id) applied earlier: the original answer;
    /// - an unkeyed body this node proposed and whose answer it never delivered (the client left, or the node
    ///   restarted since): the client's retry, so the original answer;
    /// - the same key in flight, or the same body in flight whose client left: join it;
    /// - otherwise new: the caller proposes <see cref="Admission.Request"/>, stamped with the body-matching point
    ///   applying must honour. That is this node's applied index (a re-send of a request still on its way to the log
    ///   is recognized when applied, even one proposed before a restart), or never when an identical body is in
    ///   flight with its client still waiting (two clients, two requests).
    /// </summary>
    public Admission Admit(ClientRequest request)
    {
        lock (_gate)
        {
            if (request.IdempotencyKey is { } key)
            {
                if (_window.TryFindByKey(key, out var keyed)) return Answered(keyed.Answer);
                if (_pendingByKey.TryGetValue(key, out var keyedId) && _pendingById.TryGetValue(keyedId, out var keyedPending))
                    return Joined(keyedPending);
            }
            else
            {
                if (_window.TryFindUndelivered(request.Digest, request.Id.Origin, request.TimestampMs, out var undelivered))
                    return Answered(undelivered.Answer);
                if (_pendingByDigest.TryGetValue(request.Digest, out var sameBodyId) && _pendingById.TryGetValue(sameBodyId, out var sameBody))
                {
                    if (sameBody.Connected == 0) return Joined(sameBody);
                    request = request with { MatchAfterIndex = ClientRequest.NeverMatchBody };
                }
                else
                {
                    request = request with { MatchAfterIndex = _appliedIndex };
                }
            }
            if (_window.TryFindById(request.Id, out var byId)) return Answered(byId.Answer);
            if (_pendingById.TryGetValue(request.Id, out var existing)) return Joined(existing);
            var fresh = new InFlight(NewWaiter(), request.IdempotencyKey, request.IdempotencyKey is null ? request.Digest : null) { Connected = 1 };
            _pendingById[request.Id] = fresh;
            if (request.IdempotencyKey is { } k) _pendingByKey[k] = request.Id;
            else _pendingByDigest[request.Digest] = request.Id;
            return new Admission(AdmissionKind.New, fresh.Waiter.Task, request);
        }

        Admission Answered(Answer answer) => new(AdmissionKind.AlreadyAnswered, Task.FromResult(answer), request);

        Admission Joined(InFlight pending)
        {
            pending.Connected++;
            return new Admission(AdmissionKind.JoinedInFlight, pending.Waiter.Task, request, pending);
        }
    }

    /// <summary>
    /// What every replicator does with a request from a client: admit it, hand it to <paramref name="tryPropose"/> when
    /// nobody has it yet (false means the replicator is shutting down), and wait for its answer. A request joined to
    /// one that gets abandoned is admitted again, a few times at most. A client that stops waiting leaves its request
    /// in flight (it still commits), marked as having nobody waiting, so that its retry joins it.
    /// </summary>
    public async ValueTask<Answer> SubmitAsync(ClientRequest request, Func<ClientRequest, Task<Answer>, bool> tryPropose,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var admission = Admit(request);
            if (admission.MustPropose && !tryPropose(admission.Request, admission.Answer))
            {
                Abandon(admission.Request.Id);
                throw new ObjectDisposedException(nameof(ReplicatedStateMachine), "the node is shutting down");
            }
            try
            {
                return await admission.Answer.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < 3
                                                     && admission.Kind == AdmissionKind.JoinedInFlight)
            {
                // the request we joined was abandoned (its proposal failed): admit ours again
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                StopWaiting(admission);
                throw;
            }
        }
    }

    private void StopWaiting(in Admission admission)
    {
        lock (_gate)
        {
            var pending = admission.Joined;
            if (pending is null && admission.Kind == AdmissionKind.New) _pendingById.TryGetValue(admission.Request.Id, out pending);
            if (pending is not null && pending.Connected > 0) pending.Connected--;
        }
    }

    /// <summary>
    /// Records that this node wrote <paramref name="answer"/> to a client still connected, so the same unkeyed body sent
    /// again is a new request, not a retry (a user repeating a SELECT wants a fresh count). Local, never replicated.
    /// </summary>
    public void MarkDelivered(BodyDigest digest, Answer answer)
    {
        lock (_gate) _window.MarkDelivered(digest, answer.SequenceNumber);
    }

    /// <summary>Waits for the request with this id to be applied (answers at once if it already was, within the window).</summary>
    public Task<Answer> WaitForAsync(RequestId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_pendingById.TryGetValue(id, out var pending))
            {
                if (_window.TryFindById(id, out var record)) return Task.FromResult(record.Answer);
                pending = new InFlight(NewWaiter(), null, null);
                _pendingById[id] = pending;
            }
            return pending.Waiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Gives up on a request that will never be applied (its proposal was dropped): its waiters, joined ones included,
    /// see a cancellation and may admit the request again.
    /// </summary>
    public void Abandon(RequestId id)
    {
        InFlight? pending;
        lock (_gate)
        {
            if (!_pendingById.Remove(id, out pending)) return;
            RemoveSecondaryIndexes(id, pending);
        }
        pending.Waiter.TrySetCanceled();
    }

    /// <summary>
    /// Applies one committed log entry's payload (a <see cref="ClientRequest"/>). Deterministic: the same log gives the
    /// same answers, sequence numbers and window on every node. Returns the answer (null if the payload was unreadable,
    /// which every node decides the same way: it is skipped without a sequence number). Call from one thread only (the
    /// apply thread): the database is that thread's alone, so a long statement runs outside the lock and never holds up
    /// admissions or /status.
    /// </summary>
    public Answer? Apply(ulong logIndex, ReadOnlySpan<byte> payload)
    {
        ClientRequest request;
        try
        {
            request = ClientRequest.ReadFrom(payload);
        }
        catch (FormatException)
        {
            ApplyNoop(logIndex);
            return null;
        }

        bool seen;
        DedupWindow.Record? original;
        lock (_gate)
        {
            EnsureInOrder(logIndex);
            seen = _window.TryFind(request, out original);
        }
        var body = seen ? null : Execute(request.Command.Span);

        Answer answer;
        InFlight? pending;
        lock (_gate)
        {
            if (seen)
            {
                answer = original!.Answer;
            }
            else
            {
                answer = new Answer(_nextSequenceNumber++, body!);
                _window.Add(new DedupWindow.Record(request.Id, request.IdempotencyKey, request.Digest, request.TimestampMs, logIndex, answer));
            }
            _appliedIndex = logIndex;
            if (_pendingById.Remove(request.Id, out pending)) RemoveSecondaryIndexes(request.Id, pending);
        }
        pending?.Waiter.TrySetResult(answer);
        return answer;
    }

    /// <summary>Advances the applied index over an entry that carries no client request (Raft no-op, config change).</summary>
    public void ApplyNoop(ulong logIndex)
    {
        lock (_gate)
        {
            EnsureInOrder(logIndex);
            _appliedIndex = logIndex;
        }
    }

    /// <summary>
    /// Writes the applied index, next sequence number, the dedup window and the database. Call on the apply thread
    /// (the database is its own; only the window is read under the lock).
    /// </summary>
    public void WriteSnapshot(Stream output)
    {
        output.Write(SnapshotMagic);
        using (var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            lock (_gate)
            {
                writer.Write7BitEncodedInt64((long)_appliedIndex);
                writer.Write7BitEncodedInt64((long)_nextSequenceNumber);
                writer.Write7BitEncodedInt(_window.Count);
                foreach (var r in _window.Records)
                {
                    writer.Write7BitEncodedInt64((long)r.Id.Origin);
                    writer.Write7BitEncodedInt64((long)r.Id.Counter);
                    writer.Write(r.IdempotencyKey is not null);
                    if (r.IdempotencyKey is not null) writer.Write(r.IdempotencyKey);
                    writer.Write(r.Digest.Low);
                    writer.Write(r.Digest.High);
                    writer.Write(r.TimestampMs);
                    writer.Write7BitEncodedInt64((long)r.AppliedIndex);
                    writer.Write7BitEncodedInt64((long)r.Answer.SequenceNumber);
                    writer.Write(r.Answer.Held);
                    writer.Write(r.Answer.Body);
                }
            }
        }
        _database.WriteSnapshot(output);
    }

    /// <summary>Replaces the whole state with a snapshot image held in memory (a snapshot file or a leader's install).</summary>
    public void ReadSnapshot(ReadOnlyMemory<byte> image)
    {
        using var stream = new MemoryStream(image.ToArray(), writable: false);
        ReadSnapshot(stream);
    }

    /// <summary>
    /// Replaces the whole state with a snapshot; throws <see cref="FormatException"/> on bad bytes, leaving the state
    /// as it was. Reads this build's format and the one before it (FDSM1, whose window records lack their log index:
    /// they are taken as applied at the snapshot's index).
    /// </summary>
    public void ReadSnapshot(Stream input)
    {
        var (appliedIndex, nextSequence, records, database) = ParseSnapshot(input);
        List<(TaskCompletionSource<Answer> Waiter, Answer Answer)> answered = new();
        lock (_gate)
        {
            _appliedIndex = appliedIndex;
            _nextSequenceNumber = nextSequence;
            _window.Clear();
            foreach (var r in records) _window.Add(r);
            _database = database;
            // A follower that installs a leader's snapshot skips the entries it covers: requests of ours among
            // them are answered from the snapshot's window, or their clients would wait forever.
            foreach (var (id, pending) in _pendingById.ToList())
            {
                if (!_window.TryFindById(id, out var record)) continue;
                _pendingById.Remove(id);
                RemoveSecondaryIndexes(id, pending);
                answered.Add((pending.Waiter, record.Answer));
            }
        }
        foreach (var (waiter, answer) in answered) waiter.TrySetResult(answer);
    }

    /// <summary>
    /// Checks that an image would be accepted by <see cref="ReadSnapshot(Stream)"/>, by parsing it completely (the
    /// database into a fresh engine Database) without touching any state machine: a snapshot from a peer is checked
    /// this way before Raft sees it. Returns the log index the image was taken at; throws
    /// <see cref="FormatException"/> with the defect.
    /// </summary>
    public static ulong ValidateSnapshot(ReadOnlyMemory<byte> image)
    {
        using var stream = new MemoryStream(image.ToArray(), writable: false);
        return ParseSnapshot(stream).AppliedIndex;
    }

    private static (ulong AppliedIndex, ulong NextSequence, List<DedupWindow.Record> Records, Database Database) ParseSnapshot(Stream input)
    {
        Span<byte> magic = stackalloc byte[SnapshotMagic.Length];
        try
        {
            input.ReadExactly(magic);
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("state machine snapshot is truncated");
        }
        var version1 = magic.SequenceEqual(SnapshotMagicV1);
        if (!version1 && !magic.SequenceEqual(SnapshotMagic)) throw new FormatException("not a state machine snapshot");
        try
        {
            using var reader = new BinaryReader(input, Encoding.UTF8, leaveOpen: true);
            var appliedIndex = (ulong)reader.Read7BitEncodedInt64();
            var nextSequence = (ulong)reader.Read7BitEncodedInt64();
            var count = reader.Read7BitEncodedInt();
            if (count < 0) throw new FormatException("negative dedup window count");
            var records = new List<DedupWindow.Record>(Math.Min(count, 1 << 16));
            for (var i = 0; i < count; i++)
            {
                var id = new RequestId((ulong)reader.Read7BitEncodedInt64(), (ulong)reader.Read7BitEncodedInt64());
                var key = reader.ReadBoolean() ? reader.ReadString() : null;
                var digest = new BodyDigest(reader.ReadUInt64(), reader.ReadUInt64());
                var timestamp = reader.ReadInt64();
                var recordIndex = version1 ? appliedIndex : (ulong)reader.Read7BitEncodedInt64();
                var sequence = (ulong)reader.Read7BitEncodedInt64();
                var held = version1 || reader.ReadBoolean();
                var answer = new Answer(sequence, reader.ReadString(), held);
                records.Add(new DedupWindow.Record(id, key, digest, timestamp, recordIndex, answer));
            }
            return (appliedIndex, nextSequence, records, Database.ReadSnapshot(input));
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("state machine snapshot is truncated");
        }
        catch (IOException e)
        {
            throw new FormatException("corrupt state machine snapshot: " + e.Message, e); // e.g. a negative string length
        }
    }

    private string Execute(ReadOnlySpan<byte> command)
    {
        SqlCommand parsed;
        try
        {
            parsed = SqlCommand.ReadFrom(command);
        }
        catch (FormatException e)
        {
            // Every node reads the same bytes and fails the same way: answer with the reason, deterministically.
            return $"Error: unreadable command in the log: {e.Message}\n";
        }
        return _database.Execute(parsed).Body;
    }

    private void EnsureInOrder(ulong logIndex)
    {
        if (logIndex <= _appliedIndex)
            throw new InvalidOperationException($"log index {logIndex} applied out of order (applied index is {_appliedIndex})");
    }

    private static TaskCompletionSource<Answer> NewWaiter() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void RemoveSecondaryIndexes(RequestId id, InFlight pending)
    {
        if (pending.IdempotencyKey is { } key && _pendingByKey.TryGetValue(key, out var owner) && owner == id)
            _pendingByKey.Remove(key);
        if (pending.Digest is { } digest && _pendingByDigest.TryGetValue(digest, out owner) && owner == id)
            _pendingByDigest.Remove(digest);
    }
}
