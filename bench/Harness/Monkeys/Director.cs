using FastDb.Harness.Network;
using FastDb.Harness.Nodes;
using FastDb.Harness.Reporting;

namespace FastDb.Harness.Monkeys;

/// <summary>
/// Carries out a <see cref="FaultPlanner.Plan"/> against the live network and nodes (octopus director/monkeys.go),
/// logging each action with octopus's "[monkey] ..." wording, and runs the SPOF monkey, which depends on progress
/// and so cannot be planned in time.
/// </summary>
public sealed class Director
{
    private readonly FaultPlanner.Plan _plan;
    private readonly NetworkTopology _topology;
    private readonly IReadOnlyList<NodeProcess> _nodes;
    private readonly RunTimeline _timeline;
    private readonly ProgressWatch _progress;
    private readonly Action<string> _log;
    private double _originSeconds = double.NaN;

    public Director(FaultPlanner.Plan plan, NetworkTopology topology, IReadOnlyList<NodeProcess> nodes, RunTimeline timeline,
        ProgressWatch progress, Action<string> log)
    {
        _plan = plan;
        _topology = topology;
        _nodes = nodes;
        _timeline = timeline;
        _progress = progress;
        _log = log;
    }

    public string LinkName(int index) => _topology.Links[index].ToString();

    /// <summary>director.go Start: the initial latency and jitter of every link.</summary>
    public void ApplyInitialLinkState()
    {
        for (int i = 0; i < _topology.Links.Count; i++)
        {
            _topology.Links[i].LatencyMs = _plan.InitialLatency[i];
            _topology.Links[i].JitterMs = _plan.InitialJitter[i];
        }
    }

    /// <summary>
    /// Starts the monkeys' clock: planned times and the intensity curve count from now. The harness calls it once the
    /// boot query has succeeded (octopus: "the monkeys start only after the boot query has succeeded").
    /// </summary>
    public void StartClock() => _originSeconds = _timeline.Now;

    private TimeSpan SinceOrigin => TimeSpan.FromSeconds(_timeline.Now - _originSeconds);

    /// <summary>Runs every planned fault at its time (measured from <see cref="StartClock"/>) until cancelled.</summary>
    public async Task RunPlannedAsync(CancellationToken token)
    {
        if (double.IsNaN(_originSeconds)) throw new InvalidOperationException("StartClock first");
        try
        {
            foreach (PlannedFault fault in _plan.Faults)
            {
                TimeSpan wait = fault.At - SinceOrigin;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, token).ConfigureAwait(false);
                token.ThrowIfCancellationRequested();
                Apply(fault);
            }
        }
        catch (OperationCanceledException) { }
    }

    private void Apply(PlannedFault fault)
    {
        string description = fault.Describe(LinkName);
        _log("[monkey] " + description);
        string target = fault.Kind is FaultKind.Freeze or FaultKind.Murder
            ? NodeLayout.NodeName(fault.Node)
            : string.Join(" ", fault.Links.Select(i => $"{_topology.Links[i].Agent1}-{_topology.Links[i].Agent2}"));
        _timeline.AddEvent(fault.Monkey, target, description, fault.Duration);
        switch (fault.Kind)
        {
            case FaultKind.SetLatency:
                _topology.Links[fault.Links[0]].LatencyMs = fault.Value;
                break;
            case FaultKind.SetJitter:
                _topology.Links[fault.Links[0]].JitterMs = fault.Value;
                break;
            case FaultKind.Lag:
                foreach (int i in fault.Links) _ = _topology.Links[i].LagFor(fault.Value, fault.Duration);
                break;
            case FaultKind.KillLinks:
                foreach (int i in fault.Links) _ = _topology.Links[i].KillFor(fault.Duration);
                break;
            case FaultKind.Freeze:
                _ = _nodes[fault.Node].FreezeFor(fault.Duration);
                break;
            case FaultKind.Murder:
                _ = _nodes[fault.Node].KillFor(fault.Duration);
                break;
        }
    }

    /// <summary>
    /// The SPOF monkey (monkeys.go SpofMonkey): after its offset, for each node in a seeded random order, freeze the
    /// node and cut all its links, keep them so until some request generated after the cut has been validly
    /// answered by the rest of the cluster, then restore them and go on to the next node. Octopus itself only cuts
    /// the links; the freeze makes sure the node cannot answer through its client socket either.
    /// </summary>
    public async Task RunSpofAsync(CancellationToken token)
    {
        if (_plan.SpofOrder.Count == 0) return;
        if (double.IsNaN(_originSeconds)) throw new InvalidOperationException("StartClock first");
        try
        {
            TimeSpan wait = MonkeyConfig.Get("spof").Offset - SinceOrigin;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, token).ConfigureAwait(false);
            foreach (int node in _plan.SpofOrder)
            {
                NodeProcess agent = _nodes[node];
                _log($"[monkey] Testing if {agent} is a single point of failure");
                IReadOnlyList<int> perimeter = _topology.FindPerimeter([node]);
                Action endEvent = _timeline.BeginEvent("spof", NodeLayout.NodeName(node), $"SPOF test of {agent}: frozen and cut off");
                long cut = _progress.Generated;
                Action thaw = agent.Freeze();
                foreach (int i in perimeter) _topology.Links[i].GoodbyeForever();
                try
                {
                    await _progress.WaitForAnswerFrom(cut, token).ConfigureAwait(false);
                    _log($"[monkey] {agent} is (probably) not a single point of failure!");
                }
                finally
                {
                    foreach (int i in perimeter) _topology.Links[i].WhyHelloThere();
                    thaw();
                    endEvent();
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}
