using System.Globalization;
using System.Text;
using FastDb.Harness.Checking;
using FastDb.Harness.Cli;
using FastDb.Harness.Monkeys;
using FastDb.Harness.Network;
using FastDb.Harness.Nodes;
using FastDb.Harness.Randomness;
using FastDb.Harness.Reporting;
using FastDb.Harness.Scoring;
using FastDb.Harness.Workload;

namespace FastDb.Harness.Run;

/// <summary>What a finished run reports. <see cref="Dips"/>: every stretch below half the median rate (see DipFinder);
/// <see cref="CheckerTime"/>: where the checking loop's time went; <see cref="LatencyP50Ms"/>/<see cref="LatencyP99Ms"/>:
/// over the correct answers.</summary>
public sealed record RunOutcome(Results Results, long Seed, string LogDirectory, long Failures, long NextSequenceNumber, int Pending, bool Booted,
    IReadOnlyList<Dip>? Dips = null, CheckerTime? CheckerTime = null, double LatencyP50Ms = double.NaN, double LatencyP99Ms = double.NaN);

/// <summary>
/// One harness run, in octopus's order (main.go, director.go Start, harness.go Start): prepare the node
/// directories, set the links' initial latency and jitter, open the proxies, start the nodes, boot, then start the
/// monkeys and run the workload for --duration (the clock starts after the boot query succeeded, as in octopus's
/// main.go) or until a disqualification or Ctrl-C. The public main.go spawns the monkeys before the boot; with the
/// SPOF monkey acting at 1 s that cuts off a node before any cluster could form (a join through node0 would then
/// never succeed), so this follows the documented behaviour of the octopus that scored the contest: monkeys start
/// after the boot. Every node process is stopped before it returns, whatever happened.
/// </summary>
public static class HarnessRun
{
    public static async Task<RunOutcome> RunAsync(HarnessOptions o, TextWriter console, bool interactive, CancellationToken cancel)
    {
        if (o.Nodes < 2) throw new ArgumentException("You need at least two agents (--nodes >= 2)");
        if (o.Duration <= TimeSpan.Zero) throw new ArgumentException("--duration must be positive");
        long seed = o.Seed != 0 ? o.Seed : Random.Shared.NextInt64(1, long.MaxValue); // octopus: 0 means autoseed
        string root = Path.GetFullPath(o.Root);
        Directory.CreateDirectory(root);
        console.WriteLine($"[harness] Using seed {seed}");

        string sqlcluster;
        if (o.Sqlcluster is null)
        {
            console.WriteLine("[harness] No --sqlcluster given: publishing FastDb's server (src/Server) into " + Path.Combine(root, "bin"));
            var buildLog = new StringWriter();
            sqlcluster = await ServerBuild.PublishAsync(root, buildLog, cancel).ConfigureAwait(false);
        }
        else
        {
            sqlcluster = Path.GetFullPath(o.Sqlcluster);
            if (!File.Exists(sqlcluster)) throw new ArgumentException($"--sqlcluster: no such file: {sqlcluster}");
        }

        var layout = new NodeLayout(root, o.Nodes);
        layout.Prepare();
        string logDir = o.LogDir ?? Path.Combine(root, "logs",
            $"{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-seed{seed}");

        var timeline = new RunTimeline();
        using var log = new RunLog(logDir, o.Nodes, timeline);
        void Log(string line) => log.Write(line);
        Log($"Using seed {seed}; sqlcluster {sqlcluster}; root {root}; checker {o.Checker}");

        ISet<string> monkeys = o.EnabledMonkeys();
        TimeSpan horizon = o.BootTimeout + o.Duration + TimeSpan.FromSeconds(5);
        FaultPlanner.Plan plan = FaultPlanner.Create(seed, o.Nodes, horizon, monkeys);
        var traffic = new TrafficStats();
        var topology = new NetworkTopology(o.Nodes, SeedStreams.Create(seed, "network"));
        log.WriteFile("schedule.txt", DescribePlan(plan, topology, monkeys, seed));

        var score = new Scoreboard(traffic, (int)o.Duration.TotalSeconds, o.Nodes);
        using var runEnd = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var disqualifiedAt = new StringBuilder();

        void Disqualify(string reason, Answer? answer)
        {
            if (!score.RecordDisqualifier(reason)) return;
            Log("DISQUALIFIED: " + reason);
            var full = new StringBuilder(reason).Append("\n\n");
            if (answer is not null)
            {
                full.Append(CultureInfo.InvariantCulture, $"Exchange: POST /sql to {answer.NodeName} (generation {answer.Generation}), ")
                    .Append(CultureInfo.InvariantCulture, $"sent at {answer.StartSeconds:F3}s, answered at {answer.EndSeconds:F3}s\n")
                    .Append("Request body:\n").Append(answer.Query).Append("\n\nResponse body:\n")
                    .Append(Encoding.UTF8.GetString(answer.Response)).Append('\n');
            }
            log.WriteFile("disqualification.txt", full.ToString());
            try { runEnd.Cancel(); } catch (ObjectDisposedException) { }
        }

        var nodes = Enumerable.Range(0, o.Nodes)
            .Select(i => new NodeProcess(i, sqlcluster, layout.Arguments(i, o.ExtraArgs), layout.WorkingDir(i), log.NodeLog(i),
                reason => Disqualify(reason, null)))
            .ToList();
        void KillAllNow(object? sender, EventArgs e) { foreach (NodeProcess n in nodes) n.KillNow(); }
        AppDomain.CurrentDomain.ProcessExit += KillAllNow;

        await using var network = new ProxyNetwork(topology, layout, traffic);
        var progress = new ProgressWatch();
        var director = new Director(plan, topology, nodes, timeline, progress, Log);
        using var client = new NodeHttpClient(Enumerable.Range(0, o.Nodes).Select(layout.OwnSocketPath).ToList());
        using IAnswerOracle oracle = o.Checker == CheckerKind.Inproc ? new InProcOracle() : new ShellOracle(layout.StoragePath, o.Sqlite3);
        var checker = new Checker(oracle, score, progress, timeline, Log, Disqualify);
        var workload = new WorkloadRunner(seed, o.Nodes, client, checker.DeliverAsync, progress, timeline, Log);

        bool booted = false;
        Results? frozenResults = null;
        var background = new List<Task>();
        try
        {
            foreach (NodeProcess n in nodes) Log($"Going to run {n.Name} as {n.CommandText}");
            director.ApplyInitialLinkState();
            network.Start();
            foreach (NodeProcess n in nodes) n.Start();
            background.Add(checker.RunAsync(runEnd.Token));

            console.WriteLine($"[harness] {o.Nodes} nodes started under {root}; booting (logs in {logDir})");
            using (var bootLimit = CancellationTokenSource.CreateLinkedTokenSource(runEnd.Token))
            {
                bootLimit.CancelAfter(o.BootTimeout);
                booted = await workload.BootAsync(bootLimit.Token).ConfigureAwait(false);
            }
            if (!booted && !runEnd.IsCancellationRequested)
                Disqualify($"The boot query got no 200 answer within {PlannedFault.GoDuration(o.BootTimeout)} (octopus would wait forever)", null);

            if (booted && !runEnd.IsCancellationRequested)
            {
                timeline.WorkloadStartSeconds = timeline.Now;
                director.StartClock();
                background.Add(director.RunPlannedAsync(runEnd.Token));
                background.Add(director.RunSpofAsync(runEnd.Token));
                Log($"Booted at {timeline.Now:F3}s; running the workload for {PlannedFault.GoDuration(o.Duration)}");
                background.Add(workload.RunAsync(runEnd.Token));
                var display = new ProgressDisplay(console, interactive);
                var rate = new RateWindow();
                using var displayStop = CancellationTokenSource.CreateLinkedTokenSource(runEnd.Token);
                Task displayTask = o.Quiet ? Task.CompletedTask : display.RunAsync(() =>
                {
                    double elapsed = timeline.Now - timeline.WorkloadStartSeconds.Value;
                    long correct = score.CorrectQueries;
                    return new ProgressDisplay.Snapshot(elapsed, correct, rate.Add(timeline.Now, correct), score.CurrentTotal,
                        timeline.EventCount, timeline.LatestEventDescription, checker.NextSequenceNumber, checker.Pending);
                }, displayStop.Token);
                try { await Task.Delay(o.Duration, runEnd.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
                timeline.WorkloadEndSeconds = timeline.Now;
                if (!runEnd.IsCancellationRequested) Log($"The allotted {PlannedFault.GoDuration(o.Duration)} have elapsed. Exiting!");
                else if (cancel.IsCancellationRequested) Log("Terminating due to signal");
                displayStop.Cancel();
                await displayTask.ConfigureAwait(false);
            }
        }
        finally
        {
            // The score is what was reached when time ran out; nothing after this point counts.
            Results frozen = score.Assemble();
            try { runEnd.Cancel(); } catch (ObjectDisposedException) { }
            if (booted)
                log.WriteFile("traffic.txt", await PeerTrafficReport.CollectAsync(Enumerable.Range(0, o.Nodes).Select(layout.OwnSocketPath).ToList(),
                    frozen.CorrectQueries, traffic.BytesRead + traffic.BytesWritten, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false));
            await Task.WhenAll(nodes.Select(n => n.ShutdownAsync(TimeSpan.FromSeconds(2)))).ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit -= KillAllNow;
            try { await Task.WhenAll(background).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
            catch (TimeoutException) { Log("Some harness tasks did not stop within 5 s of the end"); }
            frozenResults = frozen;
        }

        Results results = frozenResults!;
        log.WriteFile("results.json", Scoreboard.ToJson(results));
        Log("Results:\n" + results.Pretty);
        IReadOnlyList<Dip> dips = timeline.WorkloadStartSeconds is { } from && timeline.WorkloadEndSeconds is { } to
            ? DipFinder.Find(timeline.Answers, timeline.Events, from, to) : [];
        IReadOnlyList<Dip> unexplained = DipFinder.Unexplained(dips);
        log.WriteFile("dips.txt", $"# {dips.Count} dips below half the median rate; {unexplained.Count} outlast their faults by more than " +
            $"{DipFinder.OutlastSeconds * 1000:F0} ms (times: seconds since the run started)\n" + string.Join("\n", dips) + "\n");
        foreach (Dip dip in unexplained) Log("Dip past its faults: " + dip);
        double[] latencies = timeline.Answers.Select(a => a.LatencyMs).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
        Log(checker.Time.Describe() + string.Create(CultureInfo.InvariantCulture,
            $"; latency of correct answers p50 {Percentile(0.5):F1} ms, p99 {Percentile(0.99):F1} ms"));
        Log(checker.Time.DescribeGaps());
        var outcome = new RunOutcome(results, seed, logDir, workload.Failures, checker.NextSequenceNumber, checker.Pending, booted, dips,
            checker.Time, Percentile(0.5), Percentile(0.99));
        if (o.PlotPath is not null)
        {
            try
            {
                TimelinePlot.Save(o.PlotPath, timeline,
                    $"FastDb harness: seed {seed}, {o.Nodes} nodes, {results.CorrectQueries} correct, score {results.Total:F0} ({o.Checker} checker)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                console.WriteLine($"[harness] Could not write the plot {o.PlotPath}: {e.Message}");
            }
        }
        return outcome;
    }

    private static string DescribePlan(FaultPlanner.Plan plan, NetworkTopology topology, ISet<string> monkeys, long seed)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Monkey schedule for seed {seed}; times are seconds since the boot query succeeded\n");
        sb.Append("# enabled: ").Append(string.Join(", ", monkeys.Order(StringComparer.Ordinal))).Append('\n');
        for (int i = 0; i < topology.Links.Count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"initial {topology.Links[i]}: latency {plan.InitialLatency[i]}ms jitter {plan.InitialJitter[i]}ms\n");
        if (plan.SpofOrder.Count > 0)
            sb.Append("spof order: ").Append(string.Join(", ", plan.SpofOrder.Select(NodeLayout.NodeName))).Append('\n');
        foreach (PlannedFault f in plan.Faults)
            sb.Append(CultureInfo.InvariantCulture, $"{f.At.TotalSeconds,9:F3} {f.Monkey,-12} intensity {f.Intensity:F2}  {f.Describe(i => topology.Links[i].ToString())}\n");
        return sb.ToString();
    }

    /// <summary>Correct answers per second over roughly the last five seconds, for the progress line.</summary>
    private sealed class RateWindow
    {
        private readonly List<(double T, long Correct)> _samples = new();

        public double Add(double now, long correct)
        {
            _samples.Add((now, correct));
            // Keep the newest sample that is at least five seconds old as the window's start.
            while (_samples.Count > 2 && now - _samples[1].T >= 5) _samples.RemoveAt(0);
            (double t0, long c0) = _samples[0];
            return now - t0 > 0.01 ? (correct - c0) / (now - t0) : 0;
        }
    }
}
