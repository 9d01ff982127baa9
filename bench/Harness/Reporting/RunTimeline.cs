using System.Diagnostics;

namespace FastDb.Harness.Reporting;

/// <summary>A monkey event on the timeline; times are seconds since the run started.</summary>
public sealed record TimelineEvent(string Monkey, string Target, string Description, double StartSeconds, double EndSeconds);

/// <summary>One correct answer: when it was checked and how long its request took.</summary>
public readonly record struct AnswerSample(double CheckedAtSeconds, double LatencyMs);

/// <summary>
/// Everything the progress line, the log and the plot need to know about the run, on one clock (seconds since the
/// run started). Thread-safe.
/// </summary>
public sealed class RunTimeline
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private readonly List<TimelineEvent> _events = new();
    private readonly List<AnswerSample> _answers = new();
    private readonly List<double> _latestLatencies = new();

    public double Now => _clock.Elapsed.TotalSeconds;
    public TimeSpan Elapsed => _clock.Elapsed;
    public double? WorkloadStartSeconds { get; set; }
    public double? WorkloadEndSeconds { get; set; }

    /// <summary>Records an event that started now and lasts <paramref name="duration"/> (zero for instant changes).</summary>
    public TimelineEvent AddEvent(string monkey, string target, string description, TimeSpan duration)
    {
        double start = Now;
        var e = new TimelineEvent(monkey, target, description, start, start + duration.TotalSeconds);
        lock (_gate) _events.Add(e);
        return e;
    }

    /// <summary>Records an event whose end is not known yet; call the returned action when it ends.</summary>
    public Action BeginEvent(string monkey, string target, string description)
    {
        double start = Now;
        var open = new TimelineEvent(monkey, target, description, start, double.NaN);
        lock (_gate) _events.Add(open);
        return () =>
        {
            lock (_gate)
            {
                int i = _events.IndexOf(open);
                if (i >= 0) _events[i] = open with { EndSeconds = Now };
            }
        };
    }

    public void AddAnswer(double latencyMs)
    {
        lock (_gate) _answers.Add(new AnswerSample(Now, latencyMs));
    }

    public IReadOnlyList<TimelineEvent> Events
    {
        get { lock (_gate) return _events.Select(e => double.IsNaN(e.EndSeconds) ? e with { EndSeconds = Now } : e).ToList(); }
    }

    public IReadOnlyList<AnswerSample> Answers
    {
        get { lock (_gate) return _answers.ToList(); }
    }

    public int EventCount
    {
        get { lock (_gate) return _events.Count; }
    }

    public string LatestEventDescription
    {
        get { lock (_gate) return _events.Count == 0 ? "" : _events[^1].Description; }
    }
}
