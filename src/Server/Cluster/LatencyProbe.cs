using FastDb.Forwarder;
using FastDb.Raft;

namespace FastDb.Server.Cluster;

/// <summary>
/// Measures the round trip to every member and, on the leader, moves leadership to the member under which requests
/// commit soonest (<see cref="LeaderPlacement"/>). Octopus's links differ by tens of milliseconds each way and a
/// request to a follower crosses three of them, so which member leads sets most of the latency; elections pick a
/// leader by chance.
///
/// Every <see cref="PingEveryTicks"/> each member falls due for a <see cref="PeerFrames.Ping"/> (a sequence number),
/// whose <see cref="PeerFrames.Pong"/> is timed. A due ping waits for a loop turn that writes to that member anyway
/// (an append, an ack), so that it costs no write or wake-up of its own, and goes alone only after
/// <see cref="MaxPingWaitTicks"/>; pongs to the leader carry the sender's own round trips, so the leader
/// knows every link. Every <see cref="EvaluateEveryTicks"/> the leader ranks the members; when the same member beats
/// it by <see cref="MinGain"/> three times running, and no hand-over happened for <see cref="MinTicksBetweenTransfers"/>, it
/// hands over (Raft's TransferLeadership: a pause of about two round trips).
///
/// The same ranking names a successor: the follower under which requests would commit soonest. The leader's pings
/// tell each follower whether it is the one, and followers pass that to Raft (<see cref="RaftNode.SetSuccessorRank"/>),
/// so when the leader goes away the successor's election timer fires first: a failover elects the member placement
/// would have moved to, instead of one that leads by chance until placement moves it (a pause of its own) a second or
/// more later. A follower forgets its rank once another leader is known, or when no leader's ping renewed it for
/// <see cref="StaleTicks"/> while that leader still leads. Loop thread only.
/// </summary>
/// <param name="queuedTo">Whether the coming flush already writes to an address (<see cref="TurnTracker.HasQueued"/>).</param>
public sealed class LatencyProbe(ulong self, RaftNode raft, Membership membership, IPeerTransport transport, TimeProvider time, bool placeLeader,
    Func<string, bool> queuedTo, int commitQuorum = 0)
{
    /// <summary>200 ms: 4 pings and 4 pongs a second per pair, about 6 proxy bytes per answered request at octopus's rate.</summary>
    public const int PingEveryTicks = 20;
    /// <summary>
    /// How long a due ping waits for a turn that writes to its member anyway. Under load the leader writes to every
    /// follower every few ticks; followers write to each other only with acks to an entry's origin, so between
    /// them many pings still go alone. Half the period keeps the samples at least one per 300 ms.
    /// </summary>
    public const int MaxPingWaitTicks = PingEveryTicks / 2;
    public const int EvaluateEveryTicks = 50;
    /// <summary>A hand-over costs about 100 ms of commits; at most one per 5 s keeps that under 2% of the time.</summary>
    public const int MinTicksBetweenTransfers = 500;
    /// <summary>A new leader first gathers every member's round trips (reports come with pings every 200 ms).</summary>
    public const int MinTicksLeadingBeforeTransfer = 100;
    /// <summary>A move must cut the mean commit latency by 15% and 4 ms: with equal links the estimates' noise alone
    /// (exponential jitter) makes one member look up to about 10% better (LeaderPlacementTests in the host simulator).</summary>
    public const double MinGain = 0.15, MinGainMs = 4;
    /// <summary>Weight of a new round-trip sample; jitter is exponential per chunk, so one sample says little.</summary>
    private const double Smoothing = 0.15;
    /// <summary>Round trips older than this (no pong since) are not trusted, and their member is not a candidate.</summary>
    private const int StaleTicks = 100;
    /// <summary>A report's round trips are carried in tenths of a millisecond, at most a minute.</summary>
    public const ulong MaxReportedRttTenths = 600_000;
    public const int MaxReportEntries = 64;

    private sealed class Peer
    {
        public double RttMs = double.NaN;
        public long SampledTick = long.MinValue;
        public ulong Sequence;
        public long SentAt;
        /// <summary>The tick a ping fell due (long.MinValue: none due).</summary>
        public long DueTick = long.MinValue;
    }

    private readonly Dictionary<ulong, Peer> _peers = new();
    private readonly Dictionary<ulong, (long Tick, (ulong Id, double RttMs)[] Rtts)> _reports = new();
    private readonly byte[] _buffer = new byte[FrameCodec.MaxVarintBytes * (2 * MaxReportEntries + 2)];
    private ulong _sequence;
    private long _ticks, _lastTransferTick = long.MinValue / 2, _leaderSinceTick = long.MinValue / 2;
    private ulong _candidate;
    private int _candidateStreak;
    private bool _wasLeader;
    private ulong _successor;                       // leader: the follower it names in its pings (0: none yet)
    private ulong _rankedBy;                        // follower: the leader whose word our rank is
    private long _rankedTick = long.MinValue / 2;

    /// <summary>This node's smoothed round trip to <paramref name="id"/> in ms (NaN: none yet), for /status and tests.</summary>
    public double RoundTripMs(ulong id) => _peers.TryGetValue(id, out var p) ? p.RttMs : double.NaN;

    /// <summary>Leader: the follower its pings name as successor (0: none yet).</summary>
    public ulong Successor => _successor;

    /// <summary>How many hand-overs this node started as leader.</summary>
    public int Transfers { get; private set; }

    public void OnTick(long ticks)
    {
        _ticks = ticks;
        var leading = raft.Role == RaftRole.Leader;
        if (leading && !_wasLeader) { _leaderSinceTick = ticks; _candidateStreak = 0; _reports.Clear(); _successor = 0; }
        _wasLeader = leading;
        // A rank is the word of the leader that gave it: dropped once we lead or another leader is known (during an
        // election, with no leader known, it is exactly what counts), or when that leader has not renewed it lately.
        if (_rankedBy != 0 && (leading || (raft.LeaderId != 0 && raft.LeaderId != _rankedBy)
                               || (raft.LeaderId == _rankedBy && ticks - _rankedTick > StaleTicks)))
        {
            _rankedBy = 0;
            raft.SetSuccessorRank(-1);
        }
        if (ticks % PingEveryTicks == 0)
        {
            foreach (var id in raft.Members.Keys)
            {
                if (id == self) continue;
                if (!_peers.TryGetValue(id, out var peer)) _peers[id] = peer = new Peer();
                if (peer.DueTick == long.MinValue) peer.DueTick = ticks;
            }
        }
        if (placeLeader && leading && ticks % EvaluateEveryTicks == 0) Evaluate();
    }

    /// <summary>Just before the loop turn's flush: sends the due pings that can ride with other frames, or waited enough.</summary>
    public void BeforeFlush()
    {
        foreach (var (id, peer) in _peers)
        {
            if (peer.DueTick == long.MinValue) continue;
            if (!raft.Members.ContainsKey(id) || !membership.TryGetAddress(id, out var address)) { peer.DueTick = long.MinValue; continue; }
            if (!queuedTo(address) && _ticks - peer.DueTick < MaxPingWaitTicks) continue;
            peer.DueTick = long.MinValue;
            peer.Sequence = ++_sequence;
            peer.SentAt = time.GetTimestamp();
            var n = FrameCodec.WriteVarint(_buffer, peer.Sequence);
            if (_successor != 0 && raft.Role == RaftRole.Leader) _buffer[n++] = id == _successor ? PeerFrames.PingSuccessor : PeerFrames.PingNotSuccessor;
            transport.Send(address, PeerFrames.Ping, _buffer.AsSpan(0, n));
        }
    }

    /// <summary>A member pinged us: answer at once, with our own round trips if it leads. <paramref name="rank"/>: its
    /// word on whether we are its successor (0), or not (1), or none (-1); only our leader's counts.</summary>
    public void Pinged(ulong from, ulong sequence, int rank = -1)
    {
        if (rank >= 0 && from == raft.LeaderId && raft.Role != RaftRole.Leader)
        {
            _rankedBy = from;
            _rankedTick = _ticks;
            raft.SetSuccessorRank(rank);
        }
        if (!membership.TryGetAddress(from, out var address)) return;
        var n = FrameCodec.WriteVarint(_buffer, sequence);
        if (from == raft.LeaderId)
        {
            var countAt = n++;
            var count = 0;
            foreach (var (id, peer) in _peers)
            {
                if (count == MaxReportEntries || double.IsNaN(peer.RttMs) || _ticks - peer.SampledTick > StaleTicks) continue;
                n += FrameCodec.WriteVarint(_buffer.AsSpan(n), id);
                n += FrameCodec.WriteVarint(_buffer.AsSpan(n), (ulong)Math.Min(MaxReportedRttTenths, Math.Round(peer.RttMs * 10)));
                count++;
            }
            _buffer[countAt] = (byte)count;
        }
        transport.Send(address, PeerFrames.Pong, _buffer.AsSpan(0, n));
    }

    /// <summary>A member answered our ping; <paramref name="report"/> is its own round trips (to us as leader), if any.</summary>
    public void Ponged(ulong from, ulong sequence, (ulong Id, double RttMs)[]? report)
    {
        if (_peers.TryGetValue(from, out var peer) && peer.Sequence == sequence)
        {
            var sample = time.GetElapsedTime(peer.SentAt).TotalMilliseconds;
            peer.RttMs = double.IsNaN(peer.RttMs) ? sample : (1 - Smoothing) * peer.RttMs + Smoothing * sample;
            peer.SampledTick = _ticks;
            peer.Sequence = 0; // one sample per ping, duplicates ignored
        }
        if (report is not null && raft.Role == RaftRole.Leader) _reports[from] = (_ticks, report);
    }

    private void Evaluate()
    {
        var members = raft.Members.Keys.Order().ToArray();
        if (members.Length < 3) return;
        var index = new Dictionary<ulong, int>();
        for (var i = 0; i < members.Length; i++) index[members[i]] = i;
        var rtt = new double[members.Length, members.Length];
        var samples = new int[members.Length, members.Length];
        void Add(ulong a, ulong b, double ms)
        {
            if (!index.TryGetValue(a, out var i) || !index.TryGetValue(b, out var j) || i == j) return;
            rtt[i, j] += ms; rtt[j, i] += ms;
            samples[i, j]++; samples[j, i]++;
        }
        foreach (var (id, peer) in _peers)
            if (!double.IsNaN(peer.RttMs) && _ticks - peer.SampledTick <= StaleTicks) Add(self, id, peer.RttMs);
        foreach (var (from, (tick, rtts)) in _reports)
            if (_ticks - tick <= StaleTicks)
                foreach (var (to, ms) in rtts) if (to != self) Add(from, to, ms);
        var delay = new double[members.Length, members.Length];
        for (var i = 0; i < members.Length; i++)
            for (var j = 0; j < members.Length; j++)
                delay[i, j] = i == j ? 0 : samples[i, j] == 0 ? double.NaN : rtt[i, j] / samples[i, j] / 2;
        // Only members whose round trip we measured lately (alive, reachable) may lead.
        bool Eligible(int c) => _peers.TryGetValue(members[c], out var p) && _ticks - p.SampledTick <= StaleTicks;
        var successor = LeaderPlacement.Best(delay, index[self], Eligible, commitQuorum);
        _successor = successor < 0 ? 0 : members[successor];
        var choice = LeaderPlacement.Choose(delay, index[self], Eligible, MinGain, MinGainMs, commitQuorum);
        if (choice < 0) { _candidateStreak = 0; return; }
        var candidate = members[choice];
        _candidateStreak = candidate == _candidate ? _candidateStreak + 1 : 1;
        _candidate = candidate;
        if (_candidateStreak < 3 || _ticks - _lastTransferTick < MinTicksBetweenTransfers || _ticks - _leaderSinceTick < MinTicksLeadingBeforeTransfer)
            return;
        _lastTransferTick = _ticks;
        _candidateStreak = 0;
        Transfers++;
        raft.TransferLeadership(candidate);
    }
}
