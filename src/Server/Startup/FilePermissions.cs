using System.Runtime.InteropServices;

namespace FastDb.Server.Startup;

/// <summary>
/// Keeps what the node creates private to its user. The process umask is set to 077 before anything is created, so
/// the data directory, its files and the Unix socket are born owner-only: there is no moment between creating the
/// socket and restricting it in which another user could connect. The socket is then given exactly the mode asked
/// for (--socket-mode, 600 by default, 660 to admit the group).
/// </summary>
public static partial class FilePermissions
{
    private const uint OwnerOnlyUmask = 0x3F; // 077: no group or other bits on anything created

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint SetUmask(uint mask);

    /// <summary>Makes every file and directory created from now on owner-only. Unix only; a no-op elsewhere.</summary>
    public static void CreateOwnerOnly()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) SetUmask(OwnerOnlyUmask);
    }

    /// <summary>Gives the listening socket its configured mode (Kestrel created it under the owner-only umask).</summary>
    public static void RestrictSocket(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(path, mode);
    }
}
