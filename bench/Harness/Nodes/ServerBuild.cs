using System.Diagnostics;

namespace FastDb.Harness.Nodes;

/// <summary>
/// Without --sqlcluster the harness runs FastDb's own server: it finds the repository (the directory holding
/// FastDb.sln, searched upward from the current directory, from the harness binary, and from where the harness and
/// the program running it were built, recorded as FastDbRepositoryRoot assembly metadata) and publishes src/Server
/// into ROOT/bin, so the nodes run a Release build no other build can overwrite mid-run.
/// </summary>
public static class ServerBuild
{
    public static string? FindRepositoryRoot()
    {
        var starts = new List<string> { Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (System.Reflection.Assembly? assembly in new[] { typeof(ServerBuild).Assembly, System.Reflection.Assembly.GetEntryAssembly() })
        {
            starts.AddRange(assembly?.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>()
                .Where(a => a.Key == "FastDbRepositoryRoot" && a.Value is not null)
                .Select(a => a.Value!) ?? []);
        }
        foreach (string start in starts.Where(Directory.Exists))
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "FastDb.sln"))) return dir.FullName;
        }
        return null;
    }

    /// <summary>Publishes the server and returns the path of its sqlcluster executable: the native AOT binary users
    /// get from the README's <c>dotnet publish src/Server</c> (the server project's own publish setting). The
    /// artifacts path stays under ROOT, so a second run reuses the first one's native compile.</summary>
    public static Task<string> PublishAsync(string root, TextWriter log, CancellationToken token) =>
        PublishProjectAsync(Path.Combine("src", "Server", "FastDb.Server.csproj"), "sqlcluster", "FastDb's server",
            Path.Combine(root, "bin"), Path.Combine(root, "build"), log, token);

    /// <summary>
    /// Publishes a project of this repository (path relative to its root) into <paramref name="output"/> and returns
    /// the path of its executable <paramref name="executableName"/>.
    /// </summary>
    public static async Task<string> PublishProjectAsync(string relativeProject, string executableName, string what,
        string output, string artifacts, TextWriter log, CancellationToken token)
    {
        string repo = FindRepositoryRoot()
            ?? throw new InvalidOperationException($"cannot find FastDb.sln above the current directory to build {what}; pass --sqlcluster PATH");
        string project = Path.Combine(repo, relativeProject);
        if (!File.Exists(project)) throw new InvalidOperationException($"the project of {what} is missing: {project}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "publish", project, "-c", "Release", "-o", output, "--artifacts-path", artifacts, "--nologo" })
            psi.ArgumentList.Add(a);
        log.WriteLine($"[harness] Building {what}: dotnet {string.Join(' ', psi.ArgumentList)}");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(token);
        try { await process.WaitForExitAsync(token).ConfigureAwait(false); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        string text = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        log.WriteLine(text);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish of {what} failed (exit {process.ExitCode}):\n{Tail(text, 40)}");
        string executable = Path.Combine(output, executableName);
        if (!File.Exists(executable)) throw new InvalidOperationException($"dotnet publish did not produce {executable}");
        return executable;
    }

    private static string Tail(string text, int lines)
    {
        string[] all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
