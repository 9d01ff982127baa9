using System.Text;
using FastDb.QueryEngine;
using FastDb.QueryEngine.Statements;

namespace FastDb.Server.StateMachine;

/// <summary>Told of every application: the node's <see cref="PendingRequests"/> completes its waiters from it.</summary>
public interface IApplyObserver
{
    /// <summary>The request with this id was applied (or recognized as a re-send) with this answer.</summary>
    void Applied(RequestId id, Answer answer);

    /// <summary>The whole state was replaced by a snapshot.</summary>
    void Restored();
}

/// <summary>What the dedup window says about a request that just arrived, and the applied index it said it at.</summary>
public readonly record struct WindowLookup(DedupWindow.Record? Earlier, ulong AppliedIndex);

/// <summary>
/// The replicated state machine: applies log commands in log order to the in-memory database, deterministically, and
/// snapshots and restores that state. Applying assigns the sequence number (0, 1, 2, ... over every applied SQL
/// request, failed ones included) unless the request is a re-send found in the dedup window, in which case the
/// original answer is returned without executing. Everything here is replicated state, the same on every node, but
/// for one local fact per window record (whether this node delivered its answer, see <see cref="DedupWindow"/>).
/// The requests this node waits on live apart, in <see cref="PendingRequests"/>, told of each application.
/// Thread-safe: Apply and the snapshots run on the replicator's apply thread, the lookups on request threads.
/// </summary>
public sealed class ReplicatedStateMachine
{
    private static ReadOnlySpan<byte> SnapshotMagicV1 => "FDSM1\n"u8;
    private static ReadOnlySpan<byte> SnapshotMagic => "FDSM2\n"u8;

    private readonly object _gate = new();
    // Held while the database is used: by the apply thread when it executes or snapshots, by local reads (rqlite's
    // read levels other than strong) on request threads. Apart from _gate, so admissions and /status never wait on a
    // long statement.
    private readonly object _databaseGate = new();
    private readonly DedupWindow _window;
    private readonly AppliedWaiters _appliedWaiters = new();
    private Database _database = new();
    private IApplyObserver? _observer;

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

    /// <summary>Sets who is told of applications (once, before the first Apply).</summary>
    public void Observe(IApplyObserver observer)
    {
        if (_observer is not null) throw new InvalidOperationException("the state machine already has an observer");
        _observer = observer;
    }

    /// <summary>
    /// For the admission of a request that just arrived on this node, its origin: the earlier application that
    /// answers it (its key; or, unkeyed, the same body from here whose answer was never delivered), and the applied
    /// index, read together.
    /// </summary>
    public WindowLookup Lookup(ClientRequest request)
    {
        lock (_gate)
        {
            DedupWindow.Record? earlier = null;
            if (request.IdempotencyKey is { } key) { if (_window.TryFindByKey(key, out var keyed)) earlier = keyed; }
            else if (_window.TryFindUndelivered(request.Digest, request.Id.Origin, request.TimestampMs, out var undelivered)) earlier = undelivered;
            if (earlier is null && _window.TryFindById(request.Id, out var byId)) earlier = byId;
            return new WindowLookup(earlier, _appliedIndex);
        }
    }

    /// <summary>The answer of an applied request id still in the window.</summary>
    public bool TryFindAnswer(RequestId id, out Answer answer)
    {
        lock (_gate)
        {
            var found = _window.TryFindById(id, out var record);
            answer = found ? record.Answer : default;
            return found;
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
        var body = seen ? null : Execute(request.Command.Span, request.TimestampMs, request.Id.Origin * 0x9E3779B97F4A7C15UL ^ request.Id.Counter);

        Answer answer;
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
        }
        _appliedWaiters.Release(logIndex);
        _observer?.Applied(request.Id, answer);
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
        _appliedWaiters.Release(logIndex);
    }

    /// <summary>Completes once this node has applied <paramref name="index"/> (at once if it has).</summary>
    public Task WaitForAppliedAsync(ulong index, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_appliedIndex >= index) return Task.CompletedTask;
            return _appliedWaiters.Add(index, cancellationToken);
        }
    }

    /// <summary>
    /// Runs a read on this node's copy of the database, between two applications (any thread): rqlite's reads that
    /// take no log entry. <paramref name="read"/> must not change the database.
    /// </summary>
    public T ReadLocal<T>(Func<Database, T> read)
    {
        lock (_databaseGate) return read(_database);
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
        lock (_databaseGate) _database.WriteSnapshot(output);
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
        lock (_gate)
        {
            _appliedIndex = appliedIndex;
            _nextSequenceNumber = nextSequence;
            _window.Clear();
            foreach (var r in records) _window.Add(r);
            lock (_databaseGate) _database = database;
        }
        _appliedWaiters.Release(appliedIndex);
        // A follower that installs a leader's snapshot skips the entries it covers: requests of ours among them
        // are answered from the snapshot's window, or their clients would wait forever.
        _observer?.Restored();
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

    /// <summary>Runs a logged command; 'now' in its date and time functions is the entry's timestamp, and random()
    /// is seeded from the request's id, the same on every node.</summary>
    private string Execute(ReadOnlySpan<byte> command, long timestampMs, ulong randomSeed)
    {
        using var entry = Database.FixEntry(timestampMs, randomSeed);
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
        lock (_databaseGate)
        {
            if (parsed is StatementsCommand { Transaction: true } list) return ExecuteTransaction(list);
            return _database.Execute(parsed).Body;
        }
    }

    /// <summary>
    /// rqlite's ?transaction: all or nothing. The tables are saved (the snapshot codec, exact by construction: it is
    /// what every follower restores from) and put back when a statement fails, so the list leaves no trace but its
    /// answer. Costs a copy of the database per transactional list; the CTF path never comes here.
    /// </summary>
    private string ExecuteTransaction(StatementsCommand list)
    {
        using var saved = new MemoryStream();
        _database.WriteSnapshot(saved);
        var outcome = _database.RunStatements(list);
        if (outcome.Failed)
        {
            saved.Position = 0;
            _database = Database.ReadSnapshot(saved);
        }
        return outcome.ResultsJson;
    }

    private void EnsureInOrder(ulong logIndex)
    {
        if (logIndex <= _appliedIndex)
            throw new InvalidOperationException($"log index {logIndex} applied out of order (applied index is {_appliedIndex})");
    }
}
