using System.Diagnostics;

namespace FastDb.Cluster.Tests.Rqlite;

/// <summary>
/// rqlite's JavaScript client, installed from npm once per test run into a temporary directory (bounded by
/// <see cref="InstallTimeout"/>): rqlite-js 2.5.7 and the @babel/runtime its build needs alongside it. The driver
/// script (rqlite-js-driver.js, copied next to the test assembly) is run from there, so require() finds them.
/// </summary>
public sealed class RqliteJsClient : IDisposable
{
    public const string Package = "rqlite-js@2.5.7";
    public static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(3);

    public string Directory { get; }

    public RqliteJsClient()
    {
        Directory = Path.Combine(Path.GetTempPath(), "fastdb-rqlite-js-2.5.7");
        System.IO.Directory.CreateDirectory(Directory);
        if (!File.Exists(Path.Combine(Directory, "node_modules", "rqlite-js", "package.json"))
            || !File.Exists(Path.Combine(Directory, "node_modules", "@babel", "runtime", "package.json")))
            Install();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Rqlite", "rqlite-js-driver.js"), Path.Combine(Directory, "rqlite-js-driver.js"), overwrite: true);
    }

    private void Install()
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "install", "--no-audit", "--no-fund", "--no-save", "--prefix", Directory, Package, "@babel/runtime" }) start.ArgumentList.Add(a);
        var log = new System.Text.StringBuilder();
        using var npm = NodeLauncher.Start(start, NodeLauncher.AppendTo(log), NodeLauncher.AppendTo(log));
        if (!npm.WaitForExit(InstallTimeout))
        {
            npm.Kill(entireProcessTree: true);
            throw new TimeoutException($"npm install {Package} took over {InstallTimeout.TotalMinutes} min:\n{log}");
        }
        npm.WaitForExit();
        if (npm.ExitCode != 0) throw new InvalidOperationException($"npm install {Package} failed ({npm.ExitCode}); node and npm come from Debian (.ci/run installs them):\n{log}");
    }

    public void Dispose() { }
}
