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
