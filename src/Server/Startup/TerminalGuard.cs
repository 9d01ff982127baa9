using System.Runtime.InteropServices;

namespace FastDb.Server.Startup;

/// <summary>
/// Keeps the runtime from touching the terminal on SIGCONT. Any PosixSignalRegistration (the host's SIGTERM/SIGINT
/// handling makes some) or any use of System.Console initializes the runtime's terminal support: it reads stdin's
/// terminal settings, and on every SIGCONT writes them back with tcsetattr. A node started with '&amp;' from an
/// interactive shell is in a background process group, where tcsetattr raises SIGTTOU on the whole group; the runtime
/// catches it only around its own call, so a SIGTTOU arriving just after stops the node for good (seen after one to
/// six kill -STOP / kill -CONT cycles). Handling SIGCONT ourselves and cancelling the default skips that write-back;
/// the process continues as always (SIGCONT's continuing is the kernel's, not a handler's).
/// </summary>
public static class TerminalGuard
{
    private static PosixSignalRegistration? _sigcont;

    public static void Install()
    {
        if (OperatingSystem.IsWindows()) return; // no SIGCONT, no terminal settings to write back
        _sigcont ??= PosixSignalRegistration.Create(PosixSignal.SIGCONT, context => context.Cancel = true);
    }
}
