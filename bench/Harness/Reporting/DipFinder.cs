using System.Globalization;
using System.Text;

namespace FastDb.Harness.Reporting;

/// <summary>
/// A stretch of the run in which the correct-answer rate fell below half the run's median, with the monkey events
/// around it. <see cref="PastFaultsSeconds"/> is how long it lasted beyond the end of the last fault window that
/// overlapped it (all of it when none did): a dip that outlasts its faults is the cluster's own doing.
/// </summary>
public sealed record Dip(double StartSeconds, double EndSeconds, double LowestRate, double MedianRate, double PastFaultsSeconds,
    IReadOnlyList<TimelineEvent> FaultsAround)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"dip {StartSeconds:F1}-{EndSeconds:F1} s: down to {LowestRate:F0}/s (median {MedianRate:F0}/s), {PastFaultsSeconds:F1} s past the faults");
        foreach (TimelineEvent e in FaultsAround)
            sb.Append(CultureInfo.InvariantCulture, $"\n    {e.StartSeconds:F1}-{e.EndSeconds:F1} s {e.Monkey} {e.Target}: {e.Description}");
        return sb.ToString();
    }
}

/// <summary>
/// Finds the dips of a run's timeline (the score issue's definition): the rate is the count of correct answers in
/// the trailing second, sampled every 100 ms over the workload; a dip is a maximal stretch below half the median of
/// those samples. Times are reported as the centres of the windows (0.5 s before each sample) so that a dip lines up
/// with the faults that caused it. Instant events (latency and jitter re-draws) are listed but explain nothing.
/// </summary>
public static class DipFinder
{
    private const double StepSeconds = 0.1;
    private const double WindowSeconds = 1.0;

    /// <summary>A dip is reported when it lasts this long beyond every fault window that overlaps it.</summary>
    public const double OutlastSeconds = 0.2;

    public static IReadOnlyList<Dip> Find(IReadOnlyList<AnswerSample> answers, IReadOnlyList<TimelineEvent> events, double workloadStart, double workloadEnd)
    {
        var times = answers.Select(a => a.CheckedAtSeconds).Where(t => t >= workloadStart && t <= workloadEnd).Order().ToArray();
        var samples = new List<(double T, double Rate)>();
        for (double t = workloadStart + WindowSeconds; t <= workloadEnd + 1e-9; t += StepSeconds)
            samples.Add((t, CountIn(times, t - WindowSeconds, t) / WindowSeconds));
        if (samples.Count == 0) return [];
        double median = Median(samples.Select(s => s.Rate));
        double threshold = median / 2;

        var dips = new List<Dip>();
        for (int i = 0; i < samples.Count;)
        {
            if (samples[i].Rate >= threshold) { i++; continue; }
            int j = i;
            while (j + 1 < samples.Count && samples[j + 1].Rate < threshold) j++;
            double start = samples[i].T - WindowSeconds / 2, end = samples[j].T - WindowSeconds / 2;
            double lowest = samples.Skip(i).Take(j - i + 1).Min(s => s.Rate);
            var around = events.Where(e => e.StartSeconds < end && e.EndSeconds > start - 1).OrderBy(e => e.StartSeconds).ToList();
            var windows = around.Where(e => e.EndSeconds > e.StartSeconds && e.StartSeconds < end && e.EndSeconds > start).ToList();
            double explainedUntil = windows.Count == 0 ? start : windows.Max(e => e.EndSeconds);
            dips.Add(new Dip(start, end, lowest, median, Math.Max(0, end - explainedUntil), around));
            i = j + 1;
        }
        return dips;
    }

    /// <summary>The dips the cluster itself is to blame for: lasting more than <see cref="OutlastSeconds"/> past their faults.</summary>
    public static IReadOnlyList<Dip> Unexplained(IReadOnlyList<Dip> dips) => dips.Where(d => d.PastFaultsSeconds > OutlastSeconds).ToList();

    private static int CountIn(double[] sorted, double from, double to)
    {
        int lo = LowerBound(sorted, from), hi = LowerBound(sorted, to);
        return hi - lo;
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
