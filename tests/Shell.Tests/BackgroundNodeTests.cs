using System.Diagnostics;
using System.Globalization;
using FastDb.Server.Cluster;
using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>The server side of issue 19: a node run by hand from an interactive shell.</summary>
[Collection(ProcessCollection.Name)]
public sealed class BackgroundNodeTests
{
    /// <summary>
    /// A node started with '&amp;' in an interactive shell (job control on, so it runs in a background process group
    /// of a pseudo-terminal) must survive kill -STOP / kill -CONT: it stayed stopped (SIGTTOU) when the runtime wrote
    /// the terminal settings back on SIGCONT (at once with System.Console in use, after a few cycles without). Ten
    /// cycles, as the race without System.Console took up to six.
    /// </summary>
    [Fact]
    public async Task A_node_in_the_background_of_a_terminal_survives_stop_cont_cycles_and_keeps_answering()
    {
        var root = Directory.CreateTempSubdirectory("fastdb-bg-").FullName;
        var sqlcluster = NativeBinary.Path("sqlcluster");
        File.WriteAllText(Path.Combine(root, "run.sh"), $"""
            set -m
            '{sqlcluster}' 2>node.err &
            echo $! > node.pid
            # Not "wait": with job control it returns as soon as the job stops, and the session would end.
            while kill -0 $! 2>/dev/null; do sleep 0.2; done
            """ + "\n");
        using var terminal = Process.Start(new ProcessStartInfo("script", ["-qfec", "bash run.sh", "/dev/null"])
        {
            WorkingDirectory = root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        int pid = 0;
        try
        {
            var pidFile = Path.Combine(root, "node.pid");
            Assert.True(await FastDbShell.WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0), "no node started");
            pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            // No flags: the node says on stderr where it listens (./fastdb.sock). Any line written through
            // System.Console used to set up the runtime's terminal handling, and the next SIGCONT stopped the node.
            var socket = Path.Combine(root, "fastdb.sock");
            Assert.True(await AnswersAsync(root, socket, TimeSpan.FromSeconds(60)), "the node never answered: " + ReadOrEmpty(Path.Combine(root, "node.err")));
            for (var cycle = 1; cycle <= 10; cycle++)
            {
                Signals.Send(pid, Signals.SigStop);
                await Task.Delay(200);
                Signals.Send(pid, Signals.SigCont);
                await Task.Delay(300);
                Assert.True(await AnswersAsync(root, socket, TimeSpan.FromSeconds(15)),
                    $"cycle {cycle}: the node no longer answers (state {State(pid)})");
                Assert.NotEqual("T", State(pid));
            }
        }
        finally
        {
            if (pid != 0)
            {
                Signals.Send(pid, Signals.SigCont);
                Signals.Send(pid, Signals.SigKill);
            }
            if (!terminal.WaitForExit(10_000)) terminal.Kill(entireProcessTree: true);
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<bool> AnswersAsync(string root, string socket, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var (stdout, _, code) = FastDbShell.Run(root, "", "-s", socket, "--timeout-ms", "2000", "-c", "SELECT 41 + 1;");
            if (code == 0 && stdout == "42\n") return true;
            await Task.Delay(100);
        }
        return false;
    }

    private static string State(int pid)
    {
        var status = ReadOrEmpty($"/proc/{pid}/status");
        var line = status.Split('\n').FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) ?? "State: ?";
        return line["State:".Length..].Trim()[..1];
    }

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); } catch (IOException) { return ""; }
    }

    [Theory]
    [InlineData("./node3.sock", "node3")]
    [InlineData("./n0/node.sock", "n0")]
    [InlineData("/tmp/cluster/n2/node.sock", "n2")]
    [InlineData("./fastdb.sock", "fastdb")]
    [InlineData("127.0.0.1:7001", "127.0.0.1:7001")]
    public void Hand_run_nodes_get_distinct_names_from_their_socket_directory(string address, string name) =>
        Assert.Equal(name, NodeAddress.DisplayName(address));
}
