namespace FastDb.Harness.Monkeys;

public enum FaultKind
{
    /// <summary>Re-draws one link's base latency (Value ms).</summary>
    SetLatency,
    /// <summary>Re-draws one link's jitter (Value ms).</summary>
    SetJitter,
    /// <summary>Adds a spike of Value ms to Links for Duration.</summary>
    Lag,
    /// <summary>Kills Links for Duration.</summary>
    KillLinks,
    /// <summary>SIGTSTP to Node, SIGCONT after Duration.</summary>
    Freeze,
    /// <summary>SIGTERM to Node, restart after Duration.</summary>
    Murder,
}

/// <summary>One monkey action, fixed in advance from the seed. At is measured from the director's start.</summary>
public sealed record PlannedFault(
    TimeSpan At, string Monkey, FaultKind Kind, IReadOnlyList<int> Links, int Node, uint Value, TimeSpan Duration, double Intensity)
{
    public string Describe(Func<int, string> linkName)
    {
        string links = "[" + string.Join(" ", Links.Select(linkName)) + "]";
        return Kind switch
        {
            FaultKind.SetLatency => $"Setting latency for {linkName(Links[0])} to {Value}",
            FaultKind.SetJitter => $"Setting jitter for {linkName(Links[0])} to {Value}",
            FaultKind.Lag => $"Creating {Value}ms lag split on partition {links} for {GoDuration(Duration)}",
            FaultKind.KillLinks when Monkey == "link" => $"Killing {linkName(Links[0])} for {GoDuration(Duration)}",
            FaultKind.KillLinks when Monkey == "unneighborly" => $"Killing neighbors {links} for {GoDuration(Duration)}",
            FaultKind.KillLinks => $"Killing links in partition {links} for {GoDuration(Duration)}",
            FaultKind.Freeze => $"Freezing Agent<node{Node}> for {GoDuration(Duration)}",
            FaultKind.Murder => $"Murdering Agent<node{Node}> for {GoDuration(Duration)}",
            _ => Kind.ToString(),
        };
    }

    /// <summary>Durations as Go prints them (whole milliseconds here): 0s, 350ms, 1s.</summary>
    public static string GoDuration(TimeSpan d)
    {
        long ms = (long)d.TotalMilliseconds;
        if (ms == 0) return "0s";
        if (ms < 1000) return $"{ms}ms";
        return (ms / 1000.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "s";
    }
}
