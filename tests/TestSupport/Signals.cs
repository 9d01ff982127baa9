using System.Runtime.InteropServices;

namespace FastDb.TestSupport;

/// <summary>
/// POSIX signals the way octopus sends them (agent.go): SIGTERM to murder, SIGTSTP to freeze, SIGCONT to thaw. The one
/// copy for the harness, the benchmarks and the tests (kill(2) directly: no `kill` process per signal).
/// </summary>
public static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;
    public const int SigTstp = 20;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which the project forbids; kill(2) takes two ints.
    private static extern int SysKill(int pid, int signal);
#pragma warning restore SYSLIB1054

    /// <summary>Sends <paramref name="signal"/>; false if the process is gone.</summary>
    public static bool Send(int pid, int signal) => SysKill(pid, signal) == 0;

    /// <summary>
    /// Freezes a process the way octopus does, with SIGTSTP. The kernel discards SIGTSTP sent to a process whose
    /// process group is orphaned (for example a harness started in the background by a shell that has exited), so if
    /// the process has not stopped shortly after, SIGSTOP (which cannot be ignored) makes the freeze happen anyway.
    /// </summary>
    public static bool Freeze(int pid)
    {
        if (!Send(pid, SigTstp)) return false;
        for (var i = 0; i < 20; i++)
        {
            if (IsStopped(pid)) return true;
            Thread.Sleep(5);
        }
        if (!Send(pid, SigStop)) return false;
        // Signals are delivered asynchronously: on a loaded machine the process may still run for a moment (and answer
        // a request sent right after this returns), so wait, bounded, until /proc shows it stopped.
        for (var i = 0; i < 200 && !IsStopped(pid); i++) Thread.Sleep(5);
        return true;
    }

    /// <summary>SIGSTOP, then waits (bounded, 1 s) until /proc shows the process stopped: the signal is delivered
    /// asynchronously, and on a loaded machine the process may otherwise answer one more request (a restart test
    /// once saw the "stopped" node still answer /healthcheck). False if it is gone or never stopped.</summary>
    public static bool Stop(int pid)
    {
        if (!Send(pid, SigStop)) return false;
        for (var i = 0; i < 200 && !IsStopped(pid); i++) Thread.Sleep(5);
        return IsStopped(pid);
    }

    /// <summary>True when /proc says the process is stopped (state T).</summary>
    public static bool IsStopped(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] is 'T' or 't';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
