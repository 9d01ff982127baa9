using System.Globalization;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// A node runs every thread at nice 10 by default (CpuPriority: CPU work sharing the machine goes first), including
/// the threads it creates while serving, and --nice 0 leaves the priority it was started with. Linux only.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class CpuPriorityTests
{
    /// <summary>The nice value of every thread of <paramref name="pid"/> (field 19 of /proc/PID/task/TID/stat).</summary>
    private static int[] ThreadNiceValues(int pid) => Directory.EnumerateDirectories($"/proc/{pid}/task")
        .Select(task => { try { return File.ReadAllText(Path.Combine(task, "stat")); } catch (IOException) { return ""; } })
        .Where(stat => stat.Length > 0) // the thread exited meanwhile
        .Select(stat => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture))
        .ToArray();

    /// <summary>The scheduling policy of every thread of <paramref name="pid"/> (field 41 of /proc/PID/task/TID/stat).</summary>
    private static int[] ThreadPolicies(int pid) => ThreadStatFields(pid, 41);

    private static int[] ThreadStatFields(int pid, int field) => Directory.EnumerateDirectories($"/proc/{pid}/task")
        .Select(task => { try { return File.ReadAllText(Path.Combine(task, "stat")); } catch (IOException) { return ""; } })
        .Where(stat => stat.Length > 0)
        .Select(stat => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[field - 3], CultureInfo.InvariantCulture))
        .ToArray();

    private static async Task<int[]> NiceValuesWhileServingAsync(string[] args) => await WhileServingAsync(args, ThreadNiceValues);

    private static async Task<int[]> WhileServingAsync(string[] args, Func<int, int[]> read)
    {
        await using var cluster = await PeerCluster.StartAsync(1, extraArgs: _ => args);
        for (var i = 0; i < 20; i++) await cluster.SqlAsync(0, $"SELECT {i};"); // the serving threads exist by now
        return read(cluster.Pid(0));
    }

    [Fact]
    public async Task Every_thread_runs_at_nice_10_by_default()
    {
        if (!OperatingSystem.IsLinux()) return;
        var values = await NiceValuesWhileServingAsync([]);
        Assert.True(values.Length > 3, $"only {values.Length} threads");
        var inherited = ThreadNiceValues(Environment.ProcessId).Min();
        Assert.All(values, v => Assert.Equal(Math.Max(10, inherited), v));
    }

    [Fact]
    public async Task Nice_0_keeps_the_priority_it_was_started_with()
    {
        if (!OperatingSystem.IsLinux()) return;
        var inherited = ThreadNiceValues(Environment.ProcessId).Min();
        var values = await NiceValuesWhileServingAsync(["--nice", "0"]);
        Assert.All(values, v => Assert.Equal(inherited, v));
    }

    [Fact]
    public async Task Cpu_idle_puts_every_thread_under_sched_idle()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int SchedIdle = 5;
        Assert.DoesNotContain(SchedIdle, await WhileServingAsync([], ThreadPolicies));
        var policies = await WhileServingAsync(["--cpu-idle", "true"], ThreadPolicies);
        Assert.True(policies.Length > 3, $"only {policies.Length} threads");
        Assert.All(policies, p => Assert.Equal(SchedIdle, p));
    }
}
