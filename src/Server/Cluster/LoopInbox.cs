using System.Collections.Concurrent;

namespace FastDb.Server.Cluster;

/// <summary>
/// The Raft loop's input queue: many writers (connection threads, HTTP requests), one dedicated reader thread that
/// sleeps until an input arrives or its next clock tick is due. Replaces a Channel read by an async loop plus a
/// PeriodicTimer feeding ticks into it: that cost three thread wake-ups per 10 ms tick (timer thread, the timer's
/// continuation, the loop's continuation) and a thread-pool hop per input, and on this project's small virtual
/// machines context switches, not the work, were most of a node's CPU (measured with bench/ClusterBench: node
/// wakeups per request). A writer wakes the reader only when it is asleep.
/// </summary>
public sealed class LoopInbox<T>
{
    private readonly ConcurrentQueue<T> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0); // no spinning: the cores are shared
    private int _sleeping;

    /// <summary>Adds an input; wakes the reader if it sleeps. Any thread.</summary>
    public void Post(T item)
    {
        _queue.Enqueue(item);
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Set();
    }

    /// <summary>Takes the next input without waiting. Reader thread only.</summary>
    public bool TryTake(out T item) => _queue.TryDequeue(out item!);

    /// <summary>
    /// Sleeps until an input is posted or <paramref name="timeoutMs"/> passes (returns at once if one is queued;
    /// <see cref="Timeout.Infinite"/> waits for an input however long). Reader thread only.
    /// </summary>
    public void Wait(int timeoutMs)
    {
        if (timeoutMs == 0 || timeoutMs < Timeout.Infinite || !_queue.IsEmpty) return;
        _wake.Reset();
        // The exchange is a full fence: a writer that enqueued before it sees no sleeper and does not Set, so the
        // emptiness check after it must catch that item; one that enqueues after it sees the flag and Sets.
        Interlocked.Exchange(ref _sleeping, 1);
        if (_queue.IsEmpty) _wake.Wait(timeoutMs);
        Interlocked.Exchange(ref _sleeping, 0);
    }
}
