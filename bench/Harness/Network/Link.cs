using FastDb.Harness.Randomness;

namespace FastDb.Harness.Network;

/// <summary>
/// The network between two nodes (octopus network/link.go). Every connection over the link, in either direction,
/// shares its base latency, jitter and spike, and all of them fail together when the link is killed.
/// Kills and lags nest: a link is down while at least one kill holds it (killcount), and spikes add up.
/// </summary>
public sealed class Link
{
    private readonly object _gate = new();
    private readonly SeededRandom _jitterRandom;
    private uint _latencyMs, _spikeMs, _jitterMs;
    private int _killCount;
    // Octopus's `kill` channel: closed while the link is down, replaced by a fresh one when it comes back.
    // A connection keeps the token current at its creation, so it dies at the next kill even if the link returns.
    private CancellationTokenSource _kill = new();

    public Link(int agent1, int agent2, SeededRandom jitterRandom)
    {
        if (agent1 >= agent2) throw new ArgumentException("agent1 must be the smaller node number");
        Agent1 = agent1;
        Agent2 = agent2;
        _jitterRandom = jitterRandom;
    }

    public int Agent1 { get; }
    public int Agent2 { get; }

    public uint LatencyMs { get { lock (_gate) return _latencyMs; } set { lock (_gate) _latencyMs = value; } }
    public uint JitterMs { get { lock (_gate) return _jitterMs; } set { lock (_gate) _jitterMs = value; } }
    public uint SpikeMs { get { lock (_gate) return _spikeMs; } }

    public bool IsKilled { get { lock (_gate) return _killCount > 0; } }

    /// <summary>Token cancelled at the next kill of the link (octopus: conn.kill = link.kill).</summary>
    public CancellationToken KillToken { get { lock (_gate) return _kill.Token; } }

    /// <summary>latency + spike + Exp(mean = jitter), in whole milliseconds (link.go Delay).</summary>
    public TimeSpan Delay()
    {
        lock (_gate)
        {
            long jitter = (long)(_jitterRandom.ExpFloat64() * _jitterMs);
            return TimeSpan.FromMilliseconds(jitter + _spikeMs + _latencyMs);
        }
    }

    /// <summary>Takes the link down until a matching <see cref="WhyHelloThere"/> (link.go GoodbyeForever).</summary>
    public void GoodbyeForever()
    {
        CancellationTokenSource? toCancel = null;
        lock (_gate)
        {
            if (_killCount == 0) toCancel = _kill;
            _killCount++;
        }
        toCancel?.Cancel(); // outside the lock: registrations run synchronously
    }

    /// <summary>Releases one kill; the link is up again once no kill holds it (link.go WhyHelloThere).</summary>
    public void WhyHelloThere()
    {
        lock (_gate)
        {
            if (_killCount == 0) throw new InvalidOperationException($"{this} released more often than killed");
            _killCount--;
            if (_killCount == 0) _kill = new CancellationTokenSource();
        }
    }

    /// <summary>Kills the link for <paramref name="duration"/> (link.go Kill).</summary>
    public async Task KillFor(TimeSpan duration)
    {
        GoodbyeForever();
        try { await Task.Delay(duration).ConfigureAwait(false); }
        finally { WhyHelloThere(); }
    }

    /// <summary>Adds a latency spike for <paramref name="duration"/> (link.go Lag).</summary>
    public async Task LagFor(uint amountMs, TimeSpan duration)
    {
        lock (_gate) _spikeMs += amountMs;
        try { await Task.Delay(duration).ConfigureAwait(false); }
        finally { lock (_gate) _spikeMs -= amountMs; }
    }

    public override string ToString() => $"Link<{Agent1}, {Agent2}>";
}
