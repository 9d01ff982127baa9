using System.Text;
using FastDb.Server.Cluster;
using FastDb.Server.Http;
using FastDb.Server.StateMachine;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// Octopus's clients, each with one request outstanding at a time, sent to one node: the CTF boot script first, then
/// updates with a full read. A client whose connection fails (the node died) or that waited too long sends the same
/// body to the same node again, as the CTF's clients retry; a body is never sent twice on purpose, so any second
/// execution of it is the cluster's fault. A client stays with its node; if the node stays down (refusing to start)
/// too long it gives up on that request, which is then excused from the gap check.
/// </summary>
internal sealed partial class SimCluster
{
    private sealed class Client(int index)
    {
        public readonly int Index = index;
        public int Sent;
        public Logical? Current;
    }

    /// <summary>One request as the client means it, with every attempt that carried it.</summary>
    private sealed class Logical(int client, string body, int node)
    {
        public readonly int Client = client;
        public readonly string Body = body;
        public readonly int Node = node;
        public readonly HashSet<RequestId> Attempts = new();
        /// <summary>The connection the client is waiting on (null: none, it sends again when the node is up).</summary>
        public Attempt? Current;
        public bool Answered, GaveUp;
        public RequestId? ExecutedAs;
        public double FirstSentMs = -1;
        /// <summary>Whether the node it was sent to led when the first attempt was read.</summary>
        public bool AtLeader;
        public double DownSinceMs = -1;
    }

    /// <summary>One HTTP request carrying the body: admitted when the node's process reads it.</summary>
    private sealed class Attempt(int incarnation, double sentAtMs)
    {
        public readonly int Incarnation = incarnation;
        public readonly double SentAtMs = sentAtMs;
        public Admission? Admission;
        /// <summary>The client closed the connection (timed out): the node stops waiting for it once it reads that.</summary>
        public bool Abandoned;
    }

    private readonly List<Client> _clients = new();
    private readonly List<Logical> _logicals = new();
    private readonly Dictionary<RequestId, Logical> _byAttempt = new();
    private readonly Dictionary<int, Logical> _answeredAt = new();   // sequence number → the request it answered
    private bool _sending, _bootAnswered;
    private int _nextWord;

    public int Answered => _answeredAt.Count;

    /// <summary>Requests answered so far that clients sent to node <paramref name="node"/>.</summary>
    public int AnsweredAt(int node) => _logicals.Count(l => l.Node == node && l.Answered);

    /// <summary>Whether a request first sent after <paramref name="ms"/> to a node other than <paramref name="except"/> was answered (the SPOF monkey's release).</summary>
    public bool AnsweredSentAfter(double ms, int except) =>
        _logicals.Any(l => l.Node != except && l.Answered && l.FirstSentMs > ms);

    /// <summary>Requests clients sent to <paramref name="node"/> before <paramref name="ms"/> that are still unanswered.</summary>
    public int UnansweredAt(int node, double ms) =>
        _logicals.Count(l => l.Node == node && !l.Answered && !l.GaveUp && l.FirstSentMs >= 0 && l.FirstSentMs < ms);
    public int GaveUp => _logicals.Count(l => l.GaveUp);
    public int Resends;

    /// <summary>Milliseconds from a request's first send to its answer, with whether it was sent to the leader.</summary>
    public readonly List<(double Ms, bool AtLeader)> Latencies = new();

    private static readonly string[] People = ["siddarth", "gdb", "christian", "andy", "carl"];

    public void StartClients()
    {
        _sending = true;
        for (var i = 0; i < O.Clients; i++)
        {
            var client = new Client(i);
            _clients.Add(client);
            At(Rng.NextDouble() * 20, () => ClientStep(client));
        }
    }

    public void StopSending() => _sending = false;

    public bool AllAnswered => _logicals.All(l => l.Answered || l.GaveUp);

    private string NextBody(Client client)
    {
        if (client.Index == 0 && client.Sent == 0)
            return "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\n" +
                   "favoriteWord CHAR(15) DEFAULT \"\");\n" + string.Join(" ", People.Select(p => $"INSERT INTO ctf3 (name) VALUES (\"{p}\");"));
        // Unique words make every body unique (octopus's are random 15-letter words).
        var word = $"w{_nextWord++:D6}{(char)('a' + Rng.Next(26))}";
        return $"UPDATE ctf3 SET friendCount=friendCount+{Rng.Next(100) + 1}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{People[Rng.Next(People.Length)]}\"; SELECT * FROM ctf3;";
    }

    private void ClientStep(Client client)
    {
        At(5, () => ClientStep(client));
        var logical = client.Current;
        if (logical is null || logical.Answered || logical.GaveUp)
        {
            if (!_sending || (client.Index != 0 && !_bootAnswered) || Rng.NextDouble() < 0.3) return;
            logical = new Logical(client.Index, NextBody(client), Rng.Next(Nodes.Length));
            client.Sent++;
            client.Current = logical;
            _logicals.Add(logical);
            Send(logical);
            return;
        }
        var node = Nodes[logical.Node];
        if (logical.Current is { } attempt)
        {
            if (attempt.Admission is { } admission && admission.Answer.IsCompleted)
            {
                Deliver(logical, node, admission);
                return;
            }
            if (NowMs - attempt.SentAtMs < O.ClientTimeoutMs) return;
            // The client gives up on this connection and sends the same body again on a new one. The node reads the
            // close before the new request (its request stays in flight, and the new one joins it).
            attempt.Abandoned = true;
            if (attempt.Admission is { } waiting)
                AtNode(node, attempt.Incarnation, 0.5, () => node.Requests!.StopWaiting(waiting));
            Note($"client {logical.Client} stops waiting at node {node.Index}");
            logical.Current = null;
        }
        if (!node.Up)
        {
            if (logical.DownSinceMs < 0) logical.DownSinceMs = NowMs;
            if (node.RefusedToStart && NowMs - logical.DownSinceMs > 5_000) logical.GaveUp = true;
            return;
        }
        logical.DownSinceMs = -1;
        Resends++;
        Send(logical);
    }

    /// <summary>
    /// An attempt: what SqlHandler and ScriptSubmitter do with a body (a fresh request id of this process, the body's
    /// digest, the clock), admitted by the node's PendingRequests and handed to its loop when new.
    /// </summary>
    private void Send(Logical logical)
    {
        var node = Nodes[logical.Node];
        if (!node.Up) return; // connection refused: retried by ClientStep
        var attempt = new Attempt(node.Incarnation, NowMs);
        logical.Current = attempt;
        if (logical.FirstSentMs < 0)
        {
            logical.FirstSentMs = NowMs;
            logical.AtLeader = node.Host?.Raft.Role == FastDb.Raft.RaftRole.Leader;
        }
        node.Counter = ClientRequest.NextCounter(node.Counter, (long)NowMs);
        var request = ClientRequest.Stamped(new RequestId(node.Id, node.Counter), null, ScriptSubmitter.EncodeCommand(logical.Body));
        // The HTTP handler runs in the node's process: stopped with it, gone with it.
        AtNode(node, attempt.Incarnation, 0.5, () =>
        {
            var admission = node.Requests!.Admit(request);
            Note($"client {logical.Client} sends {request.Id} to node {node.Index}: {admission.Kind} (applied {node.StateMachine!.AppliedIndex}, match after {admission.Request.MatchAfterIndex}; its leader {node.Host!.Raft.LeaderId})");
            logical.Attempts.Add(admission.Request.Id);
            _byAttempt[admission.Request.Id] = logical;
            if (attempt.Abandoned) node.Requests.StopWaiting(admission);
            else attempt.Admission = admission;
            if (admission.MustPropose)
                node.Host!.Handle(new HostInput(HostInputKind.Propose,
                    Request: new PendingRequest(admission.Request, admission.Request.ToBytes(), admission.Answer)));
        }, loop: true);
    }

    private void Deliver(Logical logical, SimNode node, Admission admission)
    {
        var answer = admission.Answer.Result;
        logical.Current = null;
        if (!answer.Held) throw Fail($"an answer of {answer.Body.Length} chars was not held"); // the workload's are small
        var sequence = (int)answer.SequenceNumber;
        if (sequence >= _executions.Count) throw Fail($"client {logical.Client} got number {sequence}, which nobody executed");
        var (executedId, executedAnswer) = _executions[sequence];
        if (!logical.Attempts.Contains(executedId))
            throw Fail($"client {logical.Client} got number {sequence}, the answer of request {executedId}, for another request (attempts {string.Join(", ", logical.Attempts)})");
        if (executedAnswer != answer.Body) throw Fail($"client {logical.Client} got another text for number {sequence} than was executed");
        if (_answeredAt.TryGetValue(sequence, out var other) && other != logical)
            throw Fail($"number {sequence} answered to two requests");
        _answeredAt[sequence] = logical;
        logical.Answered = true;
        Latencies.Add((NowMs - logical.FirstSentMs, logical.AtLeader));
        if (logical.Client == 0 && !_bootAnswered) _bootAnswered = true;
        // As SqlHandler does once the answer is written: a later identical body is a new request.
        node.StateMachine!.MarkDelivered(admission.Request.Digest, answer);
    }

    /// <summary>A request executed: a client's, run at most once.</summary>
    private void OnExecuted(int sequence, ClientRequest request)
    {
        if (!_byAttempt.TryGetValue(request.Id, out var logical)) throw Fail($"number {sequence} executed request {request.Id}, which no client sent");
        if (logical.ExecutedAs is { } earlier)
            throw Fail($"client {logical.Client}'s request executed twice: as {request.Id} (number {sequence}) after {earlier}");
        logical.ExecutedAs = request.Id;
    }

    private void ClientsOnCrash(SimNode node)
    {
        // The connections to a dead process fail; ClientStep re-sends when it is back.
        foreach (var logical in _logicals)
            if (logical.Node == node.Index && !logical.Answered) logical.Current = null;
    }

    private IEnumerable<string> DescribeClients() =>
        _logicals.Where(l => !l.Answered && !l.GaveUp).Select(l =>
            $"client {l.Client} waits at node {l.Node} (attempts {string.Join(", ", l.Attempts)}; {(l.Current is null ? "no connection" : l.Current.Admission is null ? "not read yet" : l.Current.Admission.Value.Kind.ToString())})");

    /// <summary>After the faults ended and every client was answered: no answered number is missing.</summary>
    public void CheckNoGaps()
    {
        for (var sequence = 0; sequence < _executions.Count; sequence++)
        {
            if (_answeredAt.ContainsKey(sequence)) continue;
            var logical = _byAttempt[_executions[sequence].Id];
            if (!logical.GaveUp) throw Fail($"number {sequence} was executed but its client never got it: a gap");
        }
    }
}
