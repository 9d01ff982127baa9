using System.Diagnostics;
using System.Globalization;

namespace FastDb.Harness.Checking;

/// <summary>
/// Where the checking loop's time went: checking (the oracle running, one sqlite3 step per answer), waiting while
/// answers are in hand but the next sequence number has not arrived (a gap: some node holds it), or waiting with
/// nothing in hand (the cluster is the limit). The ceiling stand-in keeps the checker busy nearly all the time, so
/// the split says whether a shortfall is the cluster's cycle, its gaps, or CPU taken from the checker (a slower
/// mean check). Single-threaded: only the checking loop calls it.
/// </summary>
public sealed class CheckerTime
{
    private long _checkingTicks, _gapTicks, _emptyTicks, _checks;
    private long _since = Stopwatch.GetTimestamp();
    private bool _waitingOnGap;
    private long _gapOpenedAt = -1;
    private static readonly double[] GapBucketsMs = [20, 50, 100, 200, 500, double.PositiveInfinity];
    private readonly long[] _gapCount = new long[GapBucketsMs.Length];
    private readonly double[] _gapMs = new double[GapBucketsMs.Length];

    /// <summary>The loop starts waiting for the next answer; <paramref name="answersInHand"/> says whether it is a gap.</summary>
    public void WaitStarts(bool answersInHand)
    {
        _since = Stopwatch.GetTimestamp();
        _waitingOnGap = answersInHand;
    }

    /// <summary>An answer arrived: the wait since <see cref="WaitStarts"/> ends.</summary>
    public void WaitEnds()
    {
        long waited = Stopwatch.GetTimestamp() - _since;
        if (_waitingOnGap) _gapTicks += waited; else _emptyTicks += waited;
    }

    /// <summary>
    /// Answers are in hand but the next sequence number is missing (called after each answer while that holds; only
    /// the first call opens the gap). <see cref="GapClosed"/> ends it when the missing answer arrives.
    /// </summary>
    public void GapOpen()
    {
        if (_gapOpenedAt < 0) _gapOpenedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>The missing answer arrived: the gap's length (nothing can be checked meanwhile) goes into its bucket.</summary>
    /// <returns>The gap's length in ms, or 0 if none was open.</returns>
    public double GapClosed()
    {
        if (_gapOpenedAt < 0) return 0;
        double ms = Stopwatch.GetElapsedTime(_gapOpenedAt).TotalMilliseconds;
        _gapOpenedAt = -1;
        int i = 0;
        while (ms >= GapBucketsMs[i]) i++;
        _gapCount[i]++;
        _gapMs[i] += ms;
        return ms;
    }

    /// <summary>"gaps: under 20 ms 812 (5.1 s), 20-50 ms ...": how many gaps of each length, and their summed length.</summary>
    public string DescribeGaps()
    {
        var parts = new List<string>();
        for (int i = 0; i < GapBucketsMs.Length; i++)
        {
            string label = i == 0 ? $"under {GapBucketsMs[0]:F0} ms" : double.IsPositiveInfinity(GapBucketsMs[i])
                ? $"{GapBucketsMs[i - 1]:F0} ms or more" : $"{GapBucketsMs[i - 1]:F0}-{GapBucketsMs[i]:F0} ms";
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{label} {_gapCount[i]} ({_gapMs[i] / 1000:F2} s)"));
        }
        return "gaps (answers in hand, the next sequence number missing), by length: " + string.Join(", ", parts);
    }

    public void Checked(long startTimestamp)
    {
        _checkingTicks += Stopwatch.GetTimestamp() - startTimestamp;
        _checks++;
    }

    public TimeSpan Checking => Stopwatch.GetElapsedTime(0, _checkingTicks);
    public TimeSpan WaitingOnGap => Stopwatch.GetElapsedTime(0, _gapTicks);
    public TimeSpan WaitingEmpty => Stopwatch.GetElapsedTime(0, _emptyTicks);
    public long Checks => _checks;

    /// <summary>"checking 88% (4.1 ms per check), waiting on a gap 7%, waiting with nothing in hand 5%".</summary>
    public string Describe()
    {
        double total = (Checking + WaitingOnGap + WaitingEmpty).TotalMilliseconds;
        if (total <= 0) return "checker: nothing measured";
        string Pct(TimeSpan t) => (100 * t.TotalMilliseconds / total).ToString("F0", CultureInfo.InvariantCulture) + "%";
        string perCheck = _checks == 0 ? "-" : (Checking.TotalMilliseconds / _checks).ToString("F2", CultureInfo.InvariantCulture);
        return $"checker: checking {Pct(Checking)} ({perCheck} ms per check), waiting on a missing sequence number {Pct(WaitingOnGap)}, " +
            $"waiting with nothing in hand {Pct(WaitingEmpty)}";
    }
}
