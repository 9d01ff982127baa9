using System.Globalization;
using System.Runtime.InteropServices;

namespace FastDb.Server.Startup;

/// <summary>
/// Lowers the node's CPU priority (raises its nice value) for every thread it has and, by inheritance, every thread
/// it will create. FastDb's nodes need little CPU but wake often; where they share cores with other work, as in the
/// reference setup (five nodes and octopus's checker, one `sqlite3` process per answer, on two cores), that work then
/// runs first and the nodes take what is left. Measured with the harness, seed 1, the same build with and without
/// `nice -n 10`: 4,069 against 4,383 correct queries, the checker's step 6.34 against 5.86 ms. On an idle machine a
/// nice value changes nothing. Linux only (elsewhere a no-op); a priority already lower is kept.
/// </summary>
public static partial class CpuPriority
{
    private const int PrioProcess = 0; // setpriority's "which": one thread, by its id, on Linux

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, uint who, int prio);

    [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static extern int GetPriority(int which, uint who);

    private const int SchedIdle = 5; // sched.h: SCHED_IDLE, runs only when no normal thread wants the core

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static extern int SetScheduler(uint tid, int policy, ref int param);

    /// <summary>
    /// Gives every thread of this process at least <paramref name="nice"/> (0..19); returns an error text, or null.
    /// Threads are niced one by one (Linux keeps the value per thread), so a thread created meanwhile by one not yet
    /// reached could keep the old value: call this early, before the node starts its own threads.
    /// </summary>
    public static string? Lower(int nice)
    {
        if (nice <= 0 || !OperatingSystem.IsLinux()) return null;
        string? error = null;
        foreach (var tid in Threads())
        {
            Marshal.SetLastPInvokeError(0);
            var current = GetPriority(PrioProcess, tid);
            if (current == -1 && Marshal.GetLastPInvokeError() != 0) continue; // the thread has exited
            if (current >= nice) continue;
            if (SetPriority(PrioProcess, tid, nice) != 0)
                error ??= $"cannot lower the CPU priority to nice {nice} (errno {Marshal.GetLastPInvokeError()}); running at {current}";
        }
        return error;
    }

    /// <summary>
    /// Puts every thread of this process (and, by inheritance, every thread it will create) under SCHED_IDLE: a
    /// thread then runs only when no normally scheduled thread wants its core, and never preempts one on waking,
    /// which nice values alone still do. Returns an error text, or null. Same caveat as <see cref="Lower"/>.
    /// </summary>
    public static string? Idle()
    {
        if (!OperatingSystem.IsLinux()) return null;
        string? error = null;
        foreach (var tid in Threads())
        {
            var param = 0; // struct sched_param { int sched_priority; }: 0 for SCHED_IDLE
            if (SetScheduler(tid, SchedIdle, ref param) != 0 && Marshal.GetLastPInvokeError() != 3 /* ESRCH: exited */)
                error ??= $"cannot set SCHED_IDLE (errno {Marshal.GetLastPInvokeError()})";
        }
        return error;
    }

    private static IEnumerable<uint> Threads()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            if (uint.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) yield return tid;
    }
}
