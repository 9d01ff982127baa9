using System.Diagnostics;
using FastDb.Harness.Nodes;

namespace FastDb.Harness.Ceiling;

/// <summary>Publishes bench/CeilingStandIn (the yardstick's node) into ROOT/ceiling-bin and returns its executable.</summary>
public static class CeilingBuild
{
    public static async Task<string> PublishAsync(string root, TextWriter log, CancellationToken token)
    {
        string repo = ServerBuild.FindRepositoryRoot()
            ?? throw new InvalidOperationException("cannot find FastDb.sln above the current directory (the ceiling stand-in is built from bench/CeilingStandIn)");
        string project = Path.Combine(repo, "bench", "CeilingStandIn", "FastDb.CeilingStandIn.csproj");
        string output = Path.Combine(root, "ceiling-bin");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "publish", project, "-c", "Release", "-o", output, "--artifacts-path", Path.Combine(root, "ceiling-build"), "--nologo" })
            psi.ArgumentList.Add(a);
        log.WriteLine($"[harness] Building the ceiling stand-in: dotnet {string.Join(' ', psi.ArgumentList)}");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(token);
        try { await process.WaitForExitAsync(token).ConfigureAwait(false); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        string text = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish of the ceiling stand-in failed (exit {process.ExitCode}):\n{text}");
        string executable = Path.Combine(output, "sqlcluster-ceiling");
        if (!File.Exists(executable)) throw new InvalidOperationException($"dotnet publish did not produce {executable}");
        return executable;
    }
}
