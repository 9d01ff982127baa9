using FastDb.QueryEngine;
using FastDb.Raft;
using FastDb.Server.Cluster;
using FastDb.Server.StateMachine;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// What must hold after every event of a simulated run:
/// - one leader per term;
/// - no committed entry is lost or changed: every node applies, at each index, the entry first seen applied there,
///   and a node elected leader holds every entry committed before its term (leader completeness);
/// - every executed request has one sequence number, the same on every node, and its answer equals what a
///   sequential replay of the executed requests through the engine prints at that number (what octopus checks);
/// - a client's request runs at most once however often it is re-sent (same id between nodes; the same body after
///   a lost answer), and the answer the client gets is that one execution's (unique sequence numbers);
/// - after the faults end, every client is answered, and the answered sequence numbers have no gaps: none lost
///   across crash and restart (a request whose client gave up on a dead node is the only excuse).
/// A damaged directory must make its node refuse to start.
/// </summary>
internal sealed partial class SimCluster
{
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = new();
    private readonly Dictionary<ulong, (ulong Term, ulong Hash)> _committed = new();
    private readonly Dictionary<ulong, ulong> _committedInTermAtMost = new(); // index → term of the node first applying it
    private ulong _maxCommitted;

    /// <summary>Executions in sequence-number order, as the first node to execute each number did it.</summary>
    private readonly List<(RequestId Id, string Answer)> _executions = new();
    private readonly Database _replay = new();

    public int Executions => _executions.Count;
    public int LeaderTerms => _leaderOfTerm.Count;

    private void OnStarted(SimNode node)
    {
        if (node.Damaged) throw Fail($"node {node.Index} started on a directory with a flipped bit");
        CheckLeaders();
    }

    private void OnCrashed(SimNode node) => ClientsOnCrash(node);

    private void OnWiped(SimNode node) => node.Damaged = false;

    /// <summary>Called by a node's apply queue for each committed entry, in order.</summary>
    public void Applied(SimNode node, in Entry entry, ApplyRules rules)
    {
        var stateMachine = node.StateMachine!;
        if (entry.Index <= stateMachine.AppliedIndex) { rules.Apply(entry); return; }
        if (entry.Index != stateMachine.AppliedIndex + 1)
            throw Fail($"node {node.Index} applies index {entry.Index} after {stateMachine.AppliedIndex}");
        var hash = Hash(entry);
        if (_committed.TryGetValue(entry.Index, out var committed))
        {
            if (committed.Term != entry.Term || committed.Hash != hash)
                throw Fail($"node {node.Index} applies ({entry.Index}, term {entry.Term}) where ({entry.Index}, term {committed.Term}) was applied: a committed entry changed");
        }
        else
        {
            _committed[entry.Index] = (entry.Term, hash);
            _committedInTermAtMost[entry.Index] = node.Host!.Raft.Term;
            _maxCommitted = Math.Max(_maxCommitted, entry.Index);
        }
        var sequenceBefore = stateMachine.NextSequenceNumber;
        var answer = rules.Apply(entry);
        if (answer is not { } a || stateMachine.NextSequenceNumber == sequenceBefore) return; // a re-send's original, or not a request
        if (a.SequenceNumber != sequenceBefore) throw Fail($"node {node.Index} executed with sequence number {a.SequenceNumber}, expected {sequenceBefore}");
        var request = ClientRequest.ReadFrom(entry.Data.Span);
        Note($"node {node.Index} executes {request.Id} at index {entry.Index} as number {a.SequenceNumber} (match after {request.MatchAfterIndex})");
        RecordExecution(node, (int)a.SequenceNumber, request, a.Body);
    }

    private void RecordExecution(SimNode node, int sequence, ClientRequest request, string answer)
    {
        if (sequence < _executions.Count)
        {
            var (id, expected) = _executions[sequence];
            if (id != request.Id) throw Fail($"node {node.Index} executed request {request.Id} as number {sequence}, which others gave {id}");
            if (expected != answer) throw Fail($"node {node.Index} answered number {sequence} differently from the others");
            return;
        }
        if (sequence != _executions.Count) throw Fail($"node {node.Index} executed number {sequence} before anyone executed {_executions.Count}");
        var replayed = _replay.Execute(SqlCommand.ReadFrom(request.Command.Span)).Body;
        if (replayed != answer) throw Fail($"number {sequence} answered {Show(answer)} but the sequential replay prints {Show(replayed)}");
        _executions.Add((request.Id, answer));
        OnExecuted(sequence, request);
    }

    private static string Show(string text) => "'" + (text.Length > 120 ? text[..120] + "..." : text).Replace("\n", "\\n") + "'";

    private void CheckAfterEvent() => CheckLeaders();

    /// <summary>One leader per term, and a new leader holds every entry committed before its term.</summary>
    private void CheckLeaders()
    {
        foreach (var node in Nodes)
        {
            if (!node.Up || node.Host!.Raft.Role != RaftRole.Leader) continue;
            var term = node.Host.Raft.Term;
            if (_leaderOfTerm.TryGetValue(term, out var other))
            {
                if (other != node.Id) throw Fail($"two leaders in term {term}: {other} and {node.Id}");
                continue;
            }
            _leaderOfTerm[term] = node.Id;
            var entries = node.Store.Entries;
            var snapshotIndex = node.Store.SnapshotIndex;
            for (var i = snapshotIndex + 1; i <= _maxCommitted; i++)
            {
                if (!_committed.TryGetValue(i, out var c) || _committedInTermAtMost[i] >= term) continue;
                var position = (long)(i - snapshotIndex - 1);
                if (position >= entries.Count) throw Fail($"leader {node.Index} of term {term} lacks committed entry {i}");
                var e = entries[(int)position];
                if (e.Index != i || e.Term != c.Term || Hash(e) != c.Hash) throw Fail($"leader {node.Index} of term {term} holds another entry at committed index {i}");
            }
        }
    }

    private static ulong Hash(in Entry e)
    {
        var h = 1469598103934665603UL ^ (ulong)e.Type;
        foreach (var b in e.Data.Span) h = (h ^ b) * 1099511628211UL;
        return h;
    }
}
