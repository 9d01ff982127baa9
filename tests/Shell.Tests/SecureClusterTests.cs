using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>
/// Issue 17 in the shell: -u USER:PASS and --ca-cert FILE against a TCP node with HTTPS and --auth, and .remove NODE
/// removing a member of a live cluster.
/// </summary>
public sealed class SecureClusterTests
{
    private static string Sqlcluster => FastDb.TestSupport.NativeBinary.Path("sqlcluster");

    private static (string Stdout, string Stderr, int Exit) Run(string file, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(60_000)) process.Kill(entireProcessTree: true);
        return (stdout.Result, stderr.Result, process.ExitCode);
    }

    [Fact]
    public async Task The_shell_talks_https_with_credentials_to_a_locked_down_node()
    {
        var root = Directory.CreateTempSubdirectory("fastdb-shell-tls-").FullName;
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var address = $"127.0.0.3:{port}";
        Process? node = null;
        try
        {
            Assert.Equal(0, Run(Sqlcluster, "", "cert", "ca", "--out", Path.Combine(root, "ca")).Exit);
            Assert.Equal(0, Run(Sqlcluster, "", "cert", "node", "--ca", Path.Combine(root, "ca"), "--name", address, "--out", Path.Combine(root, "tls")).Exit);
            var hash = Run(Sqlcluster, "s3cret\n", "hash-password").Stdout.Trim();
            File.WriteAllText(Path.Combine(root, "users.json"), $$"""[{"username": "ada", "password": "{{hash}}", "perms": ["all"]}]""");
            var log = new StringBuilder();
            node = FastDb.TestSupport.NodeLauncher.Start(FastDb.TestSupport.NodeLauncher.CreateStartInfo(Sqlcluster, root,
                ["-l", address, "-d", "./data", "--cert-file", "./tls/node.crt", "--key-file", "./tls/node.key", "--auth", "./users.json"]),
                FastDb.TestSupport.NodeLauncher.AppendTo(log));
            string[] connect = ["-H", "127.0.0.3", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ca-cert", Path.Combine(root, "ca", "ca.crt")];
            (string Stdout, string Stderr, int ExitCode) answer = default;
            for (var attempt = 0; attempt < 100; attempt++)
            {
                answer = FastDbShell.Run(root, "", [.. connect, "-u", "ada:s3cret", "-c", "CREATE TABLE t(x); INSERT INTO t VALUES(7); SELECT x FROM t;"]);
                if (answer.ExitCode == 0) break;
                await Task.Delay(100); // the node is still starting
            }
            Assert.True(answer.ExitCode == 0, $"shell: {answer.Stderr}\nnode: {log}");
            Assert.Equal("7\n", answer.Stdout);
            // Wrong password, no credentials: refused.
            Assert.NotEqual(0, FastDbShell.Run(root, "", [.. connect, "-u", "ada:wrong", "-c", "SELECT 1;"]).ExitCode);
            Assert.NotEqual(0, FastDbShell.Run(root, "", [.. connect, "-c", "SELECT 1;"]).ExitCode);
        }
        finally
        {
            if (node is { HasExited: false }) { node.Kill(); node.WaitForExit(10_000); }
            node?.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Dot_remove_takes_a_member_out_of_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (stdout, stderr, code) = FastDbShell.Run(cluster.Root, ".remove n2\n", "-s", cluster.SocketPath(0));
        Assert.True(code == 0, $"{stdout}{stderr}");
        Assert.Contains("removed n2", stdout, StringComparison.Ordinal);
        using var status = await cluster.StatusAsync(0);
        Assert.Equal(2, status!.RootElement.GetProperty("members").GetArrayLength());
        var (_, missing, failed) = FastDbShell.Run(cluster.Root, ".remove nobody\n", "-s", cluster.SocketPath(0));
        Assert.NotEqual(0, failed);
        Assert.Contains("no member 'nobody'", missing, StringComparison.Ordinal);
    }
}
