using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// The one thread that owns a <see cref="RaftHost"/> in production: it takes inputs from any thread through a
/// <see cref="LoopInbox{T}"/>, runs the clock (ticks of <see cref="ClusterOptions.TickMs"/> from
/// <paramref name="time"/>), hands the host's output over once per iteration (proposals that arrive together become
/// one append, messages to a peer one write), and sleeps until the next input or due tick. The host simulator
/// replaces exactly this class with its event queue.
/// </summary>
public sealed class NodeLoop(RaftHost host, int tickMs, TimeProvider time, ILogger log)
{
    private readonly LoopInbox<(HostInput Input, bool Stop)> _inbox = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;

    /// <summary>Completes when the loop has stopped.</summary>
    public Task Exited => _exited.Task;

    /// <summary>Started and not yet stopped.</summary>
    public bool Running => _thread is not null && !_exited.Task.IsCompleted;

    public void Start()
    {
        if (_thread is not null) return;
        _thread = new Thread(Run) { IsBackground = true, Name = "FastDb Raft loop" };
        _thread.Start();
    }

    /// <summary>Queues an input. False once the loop has stopped (it would never be handled). Any thread.</summary>
    public bool Post(in HostInput input)
    {
        if (_exited.Task.IsCompleted) return false;
        _inbox.Post((input, false));
        return true;
    }

    /// <summary>Stops after what was posted before; completes at once if the loop never started.</summary>
    public Task StopAsync()
    {
        if (_thread is null) return Task.CompletedTask;
        _inbox.Post((default, true));
        return _exited.Task;
    }

    private void Run()
    {
        var started = time.GetTimestamp();
        long ElapsedMs() => (long)time.GetElapsedTime(started).TotalMilliseconds;
        long lastTickMs = 0;
        var plannedTicks = 1;
        try
        {
            while (true)
            {
                // The clock first: ticks that passed while we slept came before what woke us. The host says how many
                // ticks can pass quietly, so we sleep that long rather than waking every tick. After a longer gap
                // than planned (the process was frozen or starved) only the planned ticks run, as a periodic timer
                // would not fire a burst either: a thawed follower must read what its peers sent before it decides
                // its leader is gone.
                var elapsed = (ElapsedMs() - lastTickMs) / tickMs;
                if (elapsed > 0)
                {
                    // (+2: a wake-up a little late is timer granularity, not a freeze.)
                    for (var i = 0; i < Math.Min(elapsed, plannedTicks + 2); i++) host.Tick();
                    lastTickMs += elapsed * tickMs;
                }
                for (var n = 0; n < 4096 && _inbox.TryTake(out var item); n++)
                {
                    if (item.Stop) return;
                    host.Handle(item.Input);
                }
                host.ProcessOutput();
                plannedTicks = host.TicksUntilNextEvent();
                var untilTick = Math.Max(0, lastTickMs + plannedTicks * tickMs - ElapsedMs());
                _inbox.Wait((int)Math.Min(untilTick, host.MsUntilBatchDue()));
            }
        }
        catch (Exception e)
        {
            // A bug here would silently stop the node from making progress; fail loudly instead.
            log.LogCritical(e, "the Raft loop failed; the node cannot continue");
            Environment.FailFast("FastDb Raft loop failed: " + e);
        }
        finally
        {
            _exited.TrySetResult();
        }
    }
}
