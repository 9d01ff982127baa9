using System.Runtime.InteropServices;

namespace FastDb.Harness.Nodes;

/// <summary>POSIX signals the way octopus sends them (agent.go): SIGTERM to murder, SIGTSTP to freeze, SIGCONT to thaw.</summary>
public static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigTstp = 20;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which the project forbids; kill(2) takes two ints.
    private static extern int SysKill(int pid, int signal);
#pragma warning restore SYSLIB1054

    /// <summary>Sends <paramref name="signal"/>; false if the process is gone.</summary>
    public static bool Send(int pid, int signal) => SysKill(pid, signal) == 0;
}
