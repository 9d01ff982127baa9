using System.Threading.Channels;
using FastDb.Harness.Monkeys;
using FastDb.Harness.Reporting;
using FastDb.Harness.Scoring;
using FastDb.Harness.Workload;

namespace FastDb.Harness.Checking;

/// <summary>
/// Octopus's single checking loop (harness.go resultHandler + processPending): client threads hand answers over
/// through a queue of 5 and block while it is full; the loop parses each answer, applies the sequence rules, and
/// checks answers one at a time in sequence order against the oracle. The first failure disqualifies the run.
/// </summary>
public sealed class Checker
{
    public const int QueueCapacity = 5;

    /// <summary>A gap this long (the next sequence number missing while later answers are in hand) is logged.</summary>
    public const double LongGapMs = 100;

    private readonly Channel<Answer> _queue = Channel.CreateBounded<Answer>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private readonly SequenceTracker _tracker = new();
    private readonly IAnswerOracle _oracle;
    private readonly Scoreboard _score;
    private readonly ProgressWatch _progress;
    private readonly RunTimeline _timeline;
    private readonly Action<string> _log;
    private readonly Action<string, Answer?> _disqualify;

    /// <param name="disqualify">Called once with the reason and the answer that caused it (if any); ends the run.</param>
    public Checker(IAnswerOracle oracle, Scoreboard score, ProgressWatch progress, RunTimeline timeline, Action<string> log,
        Action<string, Answer?> disqualify)
    {
        _oracle = oracle;
        _score = score;
        _progress = progress;
        _timeline = timeline;
        _log = log;
        _disqualify = disqualify;
    }

    public long NextSequenceNumber => _tracker.NextSequenceNumber;
    public int Pending => _tracker.PendingCount;
    public int Queued => _queue.Reader.Count;

    /// <summary>Where the loop's time went; read it once the run is over.</summary>
    public CheckerTime Time { get; } = new();

    /// <summary>Hands an answer to the checker, waiting while its queue is full (octopus: h.result &lt;- result).</summary>
    public ValueTask DeliverAsync(Answer answer, CancellationToken token) => _queue.Writer.WriteAsync(answer, token);

    public async Task RunAsync(CancellationToken token)
    {
        try
        {
            Time.WaitStarts(answersInHand: false);
            await foreach (Answer answer in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                Time.WaitEnds();
                if (!await HandleAsync(answer, token).ConfigureAwait(false)) return;
                Time.WaitStarts(answersInHand: _tracker.PendingCount > 0);
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Handles one answer; false once the run is disqualified.</summary>
    public async Task<bool> HandleAsync(Answer answer, CancellationToken token)
    {
        (ResponseParser.Parsed? parsed, string? parseError) = ResponseParser.Parse(answer.Response);
        if (parsed is null)
        {
            _disqualify(parseError!, answer);
            return false;
        }
        long seq = parsed.Value.SequenceNumber;
        string? error = _tracker.Admit(answer, seq, parsed.Value.Body);
        if (error is not null)
        {
            _disqualify(error, answer);
            return false;
        }
        if (seq > _tracker.NextSequenceNumber)
            _log($"[{seq}] Result from {answer.NodeName} waiting on sequence number {_tracker.NextSequenceNumber}");
        // Octopus notifies the SPOF monkey here (harness.go resultHandler, "Notify SPOF monkey that we got a valid
        // request"): on receipt of a well-formed answer with an admissible sequence number, before it is checked in
        // order. Waiting for the in-order check instead would deadlock a run whose missing sequence number is held by
        // the very node the SPOF monkey froze.
        if (answer.Generation >= 0) _progress.ReportAnswered(answer.Generation);

        while (_tracker.TryTakeNext(out long next, out Answer ready, out byte[] body))
        {
            if (Time.GapClosed() is var gapMs and >= LongGapMs)
                _log(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"[{next}] Gap of {gapMs:F0} ms ended by {ready.NodeName}'s answer ({ready.LatencyMs:F0} ms after its request was sent)"));
            byte[] expected;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                expected = await _oracle.ExpectedAsync(ready.Query, token).ConfigureAwait(false);
            }
            catch (OracleException e)
            {
                _disqualify($"[{next}] Could not execute statement that {ready.NodeName} claimed was fine: {e.Message}", ready);
                return false;
            }
            Time.Checked(started);
            if (!body.AsSpan().SequenceEqual(expected))
            {
                _disqualify(SequenceTracker.IncorrectOutput(next, ready, body, expected), ready);
                return false;
            }
            _score.RecordCorrectQuery();
            _timeline.AddAnswer(ready.LatencyMs);
        }
        if (_tracker.PendingCount > 0) Time.GapOpen();
        return true;
    }
}
