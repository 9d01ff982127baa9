namespace FastDb.Server.StateMachine;

/// <summary>
/// The recently applied requests and their answers, so a re-sent request gets its original answer instead of running
/// again. Bounded by count, by log time (the proposers' timestamps carried in the log) and by the bytes of the answers
/// it holds: every node holds exactly the same window because it is built from log data only.
///
/// Three ways a request is recognized again (<see cref="TryFind"/>):
/// - the same request id: a proposal the log holds twice (re-sent across a leader change);
/// - the same Idempotency-Key: the client said so;
/// - the same body from the same origin node, applied after the point the proposer named
///   (<see cref="ClientRequest.MatchAfterIndex"/>): octopus's retry of a request whose answer was lost. The proposer
///   names that point (see <see cref="ReplicatedStateMachine.Admit"/>) so that a user who repeats a script after
///   reading its answer gets a fresh one, while a retry of an answer that never arrived gets the original.
///
/// Each record also carries one local, non-replicated fact: whether this node delivered its answer to a client
/// (<see cref="Record.Delivered"/>). Only the admission on the origin node reads it; applying never does.
/// </summary>
public sealed class DedupWindow
{
    /// <summary>
    /// Answers held in all, in UTF-16 chars (a deterministic measure: every node holds the same strings). 32 Mi chars
    /// = 64 MiB per node at most, a bound five nodes on one machine can afford; octopus's answers are ~150 chars, so
    /// its window is bound by count long before this.
    /// </summary>
    public const long MaxAnswerChars = 32L << 20;

    /// <summary>
    /// An answer longer than this is not kept (1 Mi chars): its record still recognizes the request, so it never runs
    /// twice, but a lost answer of that size cannot be repeated (see <see cref="Answer.NotHeld"/>).
    /// </summary>
    public const int MaxKeptAnswerChars = 1 << 20;

    /// <summary>Records kept at most: octopus's 20 clients retry within seconds, so 10,000 is minutes of its traffic.</summary>
    public const int DefaultMaxCount = 10_000;

    /// <summary>How long (in log time) a body re-send is recognized: 120 s covers a node's restart and the client's retry.</summary>
    public const long DefaultMaxAgeMs = 120_000;

    public sealed record Record(RequestId Id, string? IdempotencyKey, BodyDigest Digest, long TimestampMs, ulong AppliedIndex, Answer Answer)
    {
        /// <summary>Local only: this node wrote the answer to a client that was still connected.</summary>
        public bool Delivered { get; set; }
    }

    private readonly Queue<Record> _order = new();
    private readonly Dictionary<RequestId, Record> _byId = new();
    private readonly Dictionary<string, Record> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<BodyDigest, Record> _byDigest = new(); // the newest record with that body
    private long _answerChars;

    public DedupWindow(int maxCount, long maxAgeMs)
    {
        if (maxCount < 0) throw new ArgumentOutOfRangeException(nameof(maxCount), "must be zero (off) or more");
        if (maxAgeMs < 0) throw new ArgumentOutOfRangeException(nameof(maxAgeMs), "must be zero (off) or more");
        MaxCount = maxCount;
        MaxAgeMs = maxAgeMs;
    }

    public int MaxCount { get; }
    public long MaxAgeMs { get; }
    public int Count => _order.Count;

    /// <summary>Chars of answer text held (bounded by <see cref="MaxAnswerChars"/>).</summary>
    public long AnswerChars => _answerChars;

    /// <summary>The newest log timestamp seen: the window's clock.</summary>
    public long NewestTimestampMs { get; private set; } = long.MinValue;

    public IEnumerable<Record> Records => _order;

    /// <summary>
    /// The record of an earlier application of this request, if any, by the log-only rules above (deterministic: this
    /// is what applying consults). Keyed requests match by key only; unkeyed ones by body from the same origin, applied
    /// after the request's <see cref="ClientRequest.MatchAfterIndex"/> and no older than the window's age.
    /// </summary>
    public bool TryFind(ClientRequest request, out Record record)
    {
        if (_byId.TryGetValue(request.Id, out var hit)
            || (request.IdempotencyKey is { } key ? _byKey.TryGetValue(key, out hit)
                : _byDigest.TryGetValue(request.Digest, out hit) && hit.IdempotencyKey is null
                  && hit.Id.Origin == request.Id.Origin && hit.AppliedIndex > request.MatchAfterIndex
                  && request.TimestampMs - hit.TimestampMs <= MaxAgeMs))
        {
            record = hit!;
            return true;
        }
        record = null!;
        return false;
    }

    /// <summary>
    /// What the origin node's admission asks of a freshly received unkeyed body: the newest record with it, proposed
    /// by this node, whose answer was never delivered (the client went away, or this node restarted since), no older
    /// than the window's age by the caller's clock. Local knowledge: never used while applying.
    /// </summary>
    public bool TryFindUndelivered(BodyDigest digest, ulong origin, long nowMs, out Record record)
    {
        if (_byDigest.TryGetValue(digest, out var hit) && hit.IdempotencyKey is null && hit.Id.Origin == origin
            && !hit.Delivered && nowMs - hit.TimestampMs <= MaxAgeMs)
        {
            record = hit;
            return true;
        }
        record = null!;
        return false;
    }

    /// <summary>Marks the newest record with this body delivered, if it is the one with this sequence number.</summary>
    public void MarkDelivered(BodyDigest digest, ulong sequenceNumber)
    {
        if (_byDigest.TryGetValue(digest, out var hit) && hit.Answer.SequenceNumber == sequenceNumber) hit.Delivered = true;
    }

    public bool TryFindByKey(string key, out Record record) => _byKey.TryGetValue(key, out record!);

    public bool TryFindById(RequestId id, out Record record) => _byId.TryGetValue(id, out record!);

    /// <summary>Adds a record, dropping an answer too long to keep (deterministically: by its length).</summary>
    public void Add(Record record)
    {
        if (MaxCount == 0) return;
        if (record.Answer.Body.Length > MaxKeptAnswerChars) record = record with { Answer = Answer.NotHeld(record.Answer.SequenceNumber) };
        _order.Enqueue(record);
        _answerChars += record.Answer.Body.Length;
        _byId[record.Id] = record;
        if (record.IdempotencyKey is { } key) _byKey[key] = record;
        else _byDigest[record.Digest] = record;
        if (record.TimestampMs > NewestTimestampMs) NewestTimestampMs = record.TimestampMs;
        Evict();
    }

    public void Clear()
    {
        _order.Clear();
        _byId.Clear();
        _byKey.Clear();
        _byDigest.Clear();
        _answerChars = 0;
        NewestTimestampMs = long.MinValue;
    }

    private void Evict()
    {
        while (_order.Count > 0
               && (_order.Count > MaxCount || _answerChars > MaxAnswerChars
                   || NewestTimestampMs - _order.Peek().TimestampMs > MaxAgeMs))
        {
            var old = _order.Dequeue();
            _answerChars -= old.Answer.Body.Length;
            // A later record may have replaced the index entry (same key or body again): only drop our own.
            if (_byId.TryGetValue(old.Id, out var r) && ReferenceEquals(r, old)) _byId.Remove(old.Id);
            if (old.IdempotencyKey is { } key)
            {
                if (_byKey.TryGetValue(key, out r) && ReferenceEquals(r, old)) _byKey.Remove(key);
            }
            else if (_byDigest.TryGetValue(old.Digest, out r) && ReferenceEquals(r, old))
            {
                _byDigest.Remove(old.Digest);
            }
        }
    }
}
