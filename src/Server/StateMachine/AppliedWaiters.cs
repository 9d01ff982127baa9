namespace FastDb.Server.StateMachine;

/// <summary>
/// Requests waiting for this node to apply a log index (a linearizable or weak read waits for the index its leader
/// confirmed). Released from the apply thread after each application; free when nobody waits (one count check).
/// </summary>
public sealed class AppliedWaiters
{
    private readonly object _gate = new();
    private readonly List<(ulong Index, TaskCompletionSource Done)> _waiting = new();
    private volatile int _count;

    public Task Add(ulong index, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add((index, done));
            _count = _waiting.Count;
        }
        if (cancellationToken.CanBeCanceled) cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
        return done.Task;
    }

    public void Release(ulong applied)
    {
        if (_count == 0) return;
        lock (_gate)
        {
            for (int i = _waiting.Count - 1; i >= 0; i--)
            {
                var (index, done) = _waiting[i];
                if (index > applied && !done.Task.IsCompleted) continue;
                done.TrySetResult();
                _waiting.RemoveAt(i);
            }
            _count = _waiting.Count;
        }
    }
}
