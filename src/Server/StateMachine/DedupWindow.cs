namespace FastDb.Server.StateMachine;

/// <summary>
/// The recently applied requests and their answers, so a re-sent request gets its original answer instead of running
/// again. Bounded by count and by log time (the proposers' timestamps carried in the log): every node holds exactly
/// the same window because it is built from log data only.
/// </summary>
public sealed class DedupWindow
{
    public sealed record Record(RequestId Id, string? IdempotencyKey, BodyDigest Digest, long TimestampMs, Answer Answer);

    private readonly Queue<Record> _order = new();
    private readonly Dictionary<RequestId, Record> _byId = new();
    private readonly Dictionary<string, Record> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<BodyDigest, Record> _byDigest = new();

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

    /// <summary>The newest log timestamp seen: the window's clock.</summary>
    public long NewestTimestampMs { get; private set; } = long.MinValue;

    public IEnumerable<Record> Records => _order;

    /// <summary>
    /// The earlier answer to this request, if any: same request id, same Idempotency-Key, or (only for requests without
    /// a key) the same body digest no older than the window's age, measured between the two log timestamps.
    /// </summary>
    public bool TryFind(ClientRequest request, out Answer answer)
    {
        if (_byId.TryGetValue(request.Id, out var hit)
            || (request.IdempotencyKey is { } key ? _byKey.TryGetValue(key, out hit)
                : _byDigest.TryGetValue(request.Digest, out hit) && hit.IdempotencyKey is null
                  && request.TimestampMs - hit.TimestampMs <= MaxAgeMs))
        {
            answer = hit!.Answer;
            return true;
        }
        answer = default;
        return false;
    }

    public bool TryFindById(RequestId id, out Answer answer)
    {
        var found = _byId.TryGetValue(id, out var hit);
        answer = found ? hit!.Answer : default;
        return found;
    }

    public void Add(Record record)
    {
        if (MaxCount == 0) return;
        _order.Enqueue(record);
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
        NewestTimestampMs = long.MinValue;
    }

    private void Evict()
    {
        while (_order.Count > 0
               && (_order.Count > MaxCount || NewestTimestampMs - _order.Peek().TimestampMs > MaxAgeMs))
        {
            var old = _order.Dequeue();
            // A later record may have replaced the index entry (same key re-used): only drop our own.
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
