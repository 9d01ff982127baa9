namespace FastDb.Harness.Monkeys;

/// <summary>
/// What the SPOF monkey waits on: the generation number (order in which the workload generated requests) of the
/// newest request whose answer reached the checker well-formed and with an admissible sequence number (where
/// octopus's harness.go notifies the SPOF monkey, before the in-order check, so a gap held by the frozen node cannot
/// deadlock the test). Octopus approximates "a request made after the cut was answered" by waiting for two signals
/// on a channel of capacity 1 (monkeys.go SpofMonkey); this tracks the request's generation exactly.
/// </summary>
public sealed class ProgressWatch
{
    private readonly object _gate = new();
    private readonly List<(long After, TaskCompletionSource Done)> _waiters = new();
    private long _generated;
    private long _newestAnswered = -1;

    /// <summary>Hands out the next generation number; called by the request generator.</summary>
    public long NextGeneration() => Interlocked.Increment(ref _generated) - 1;

    /// <summary>How many requests have been generated so far.</summary>
    public long Generated => Interlocked.Read(ref _generated);

    public void ReportAnswered(long generation)
    {
        List<TaskCompletionSource> ready = new();
        lock (_gate)
        {
            if (generation > _newestAnswered) _newestAnswered = generation;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].After < generation)
                {
                    ready.Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (TaskCompletionSource t in ready) t.TrySetResult();
    }

    /// <summary>Completes once a request generated at or after <paramref name="firstGeneration"/> was validly answered.</summary>
    public Task WaitForAnswerFrom(long firstGeneration, CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_newestAnswered >= firstGeneration) return Task.CompletedTask;
            _waiters.Add((firstGeneration - 1, tcs));
        }
        return tcs.Task.WaitAsync(token);
    }
}
