namespace FastDb.Harness.Workload;

/// <summary>
/// A 200 response and what produced it (octopus harness.go result). Generation is the request's place in the
/// generator's order (-1 for the boot query); times are seconds on the run timeline.
/// </summary>
public sealed record Answer(int Node, string Query, long Generation, double StartSeconds, double EndSeconds, byte[] Response)
{
    public string NodeName => $"Agent<node{Node}>";
    public double LatencyMs => (EndSeconds - StartSeconds) * 1000;
}
