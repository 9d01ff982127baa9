namespace FastDb.Server.StateMachine;

/// <summary>
/// What <see cref="PendingRequests.Admit"/> decided for a freshly received request. <see cref="Request"/> is the
/// request to propose (stamped with its body-matching point); <see cref="Joined"/> the in-flight one it joined.
/// </summary>
public readonly record struct Admission(AdmissionKind Kind, Task<Answer> Answer, ClientRequest Request, PendingRequests.InFlight? Joined = null)
{
    /// <summary>True when the caller must propose the request (nobody else has it in the log or in flight).</summary>
    public bool MustPropose => Kind == AdmissionKind.New;
}

public enum AdmissionKind
{
    /// <summary>Applied earlier (same id, key, or an undelivered body): the original answer, already complete.</summary>
    AlreadyAnswered,
    /// <summary>The same key, or the same body whose client left, is in flight on this node: wait for that one's answer.</summary>
    JoinedInFlight,
    /// <summary>Registered; the caller proposes it and the task completes when the log entry is applied.</summary>
    New,
}

/// <summary>
/// The requests this node received and waits on (local, never replicated or snapshotted): the HTTP handlers await
/// their answers here, and the state machine completes them as it applies. It also decides, on the node that
/// received a request, whether it is new or a client's retry of one whose answer it never got (see
/// <see cref="Admit"/>): a retry joins the original in flight, or gets its answer from the dedup window.
/// Thread-safe. Lock order: this registry's lock, then the state machine's (never the other way round: the state
/// machine tells <see cref="Applied"/> after releasing its own), so an admission and an application never miss
/// each other.
/// </summary>
public sealed class PendingRequests : IApplyObserver
{
    private readonly object _gate = new();
    private readonly ReplicatedStateMachine _stateMachine;
    private readonly Dictionary<RequestId, InFlight> _byId = new();
    private readonly Dictionary<BodyDigest, RequestId> _byDigest = new();
    private readonly Dictionary<string, RequestId> _byKey = new(StringComparer.Ordinal);

    /// <summary>
    /// A request in flight on this node, with the keys other arrivals can join it by, and how many HTTP clients are
    /// still connected and waiting for it (zero: its client went away, so an identical body is that client's retry).
    /// </summary>
    public sealed class InFlight(string? idempotencyKey, BodyDigest? digest)
    {
        public TaskCompletionSource<Answer> Waiter { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? IdempotencyKey { get; } = idempotencyKey;
        public BodyDigest? Digest { get; } = digest;
        internal int Connected;
    }

    public PendingRequests(ReplicatedStateMachine stateMachine)
    {
        _stateMachine = stateMachine;
        stateMachine.Observe(this);
    }

    public int Count { get { lock (_gate) return _byId.Count; } }

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
            var (earlier, appliedIndex) = _stateMachine.Lookup(request);
            if (earlier is not null) return Answered(earlier.Answer);
            if (request.IdempotencyKey is { } key)
            {
                if (_byKey.TryGetValue(key, out var keyedId) && _byId.TryGetValue(keyedId, out var keyed)) return Joined(keyed);
            }
            else if (_byDigest.TryGetValue(request.Digest, out var sameBodyId) && _byId.TryGetValue(sameBodyId, out var sameBody))
            {
                if (sameBody.Connected == 0) return Joined(sameBody);
                request = request with { MatchAfterIndex = ClientRequest.NeverMatchBody };
            }
            else
            {
                request = request with { MatchAfterIndex = appliedIndex };
            }
            if (_byId.TryGetValue(request.Id, out var existing)) return Joined(existing);
            var fresh = new InFlight(request.IdempotencyKey, request.IdempotencyKey is null ? request.Digest : null) { Connected = 1 };
            _byId[request.Id] = fresh;
            if (request.IdempotencyKey is { } k) _byKey[k] = request.Id;
            else _byDigest[request.Digest] = request.Id;
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
                throw new ObjectDisposedException(nameof(PendingRequests), "the node is shutting down");
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

    /// <summary>Waits for the request with this id to be applied (answers at once if it already was, within the window).</summary>
    public Task<Answer> WaitForAsync(RequestId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var pending))
            {
                if (_stateMachine.TryFindAnswer(id, out var answer)) return Task.FromResult(answer);
                pending = new InFlight(null, null);
                _byId[id] = pending;
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
            if (!_byId.Remove(id, out pending)) return;
            RemoveSecondaryIndexes(id, pending);
        }
        pending.Waiter.TrySetCanceled();
    }

    void IApplyObserver.Applied(RequestId id, Answer answer)
    {
        InFlight? pending;
        lock (_gate)
        {
            if (!_byId.Remove(id, out pending)) return;
            RemoveSecondaryIndexes(id, pending);
        }
        pending.Waiter.TrySetResult(answer);
    }

    void IApplyObserver.Restored()
    {
        List<(InFlight Pending, Answer Answer)> answered = new();
        lock (_gate)
        {
            foreach (var (id, pending) in _byId.ToList())
            {
                if (!_stateMachine.TryFindAnswer(id, out var answer)) continue;
                _byId.Remove(id);
                RemoveSecondaryIndexes(id, pending);
                answered.Add((pending, answer));
            }
        }
        foreach (var (pending, answer) in answered) pending.Waiter.TrySetResult(answer);
    }

    /// <summary>The client of <paramref name="admission"/> stopped waiting (it left): its request stays in flight, so a retry joins it.</summary>
    public void StopWaiting(in Admission admission)
    {
        lock (_gate)
        {
            var pending = admission.Joined;
            if (pending is null && admission.Kind == AdmissionKind.New) _byId.TryGetValue(admission.Request.Id, out pending);
            if (pending is not null && pending.Connected > 0) pending.Connected--;
        }
    }

    private void RemoveSecondaryIndexes(RequestId id, InFlight pending)
    {
        if (pending.IdempotencyKey is { } key && _byKey.TryGetValue(key, out var owner) && owner == id)
            _byKey.Remove(key);
        if (pending.Digest is { } digest && _byDigest.TryGetValue(digest, out owner) && owner == id)
            _byDigest.Remove(digest);
    }
}
