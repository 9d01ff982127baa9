using System.Globalization;
using System.Text;
using FastDb.Harness.Cli;
using FastDb.Harness.Nodes;
using FastDb.Harness.Run;

namespace FastDb.Harness.Ceiling;

/// <summary>One seed of a comparison: the yardstick's run and, unless only the ceiling was asked for, the cluster's.</summary>
public sealed record CeilingRow(long Seed, RunOutcome Ceiling, RunOutcome? Cluster)
{
    public double? Ratio => Cluster is null || Ceiling.Results.CorrectQueries == 0
        ? null : (double)Cluster.Results.CorrectQueries / Ceiling.Results.CorrectQueries;

    /// <summary>Proxy bytes (read + written, as octopus counts them) per correct query of the cluster's run.</summary>
    public double? BytesPerCorrect => Cluster is { Results.CorrectQueries: > 0 } c
        ? ProxyBytes(c.Results) / c.Results.CorrectQueries : null;

    /// <summary>Bytes read + written, recovered exactly from the byte points (-0.5 × sqrt(bytes)); Results keeps only sizes for people.</summary>
    public static double ProxyBytes(Scoring.Results results) => Math.Round(4 * results.BytePoints * results.BytePoints);
}

/// <summary>
/// --vs-ceiling: for each seed, the ceiling stand-in (bench/CeilingStandIn, answering from one shared database with
/// no consensus: the most the harness can take on this machine now) and then the cluster, back to back with the same
/// seed, monkeys and checker, and the ratio of their correct queries. The checker's speed differs between machines
/// (4.5 to 18 ms per sqlite3 step), so only that ratio, measured side by side, says how good a score is.
/// --ceiling runs the stand-in alone.
/// </summary>
public static class CeilingComparison
{
    public static async Task<IReadOnlyList<CeilingRow>> RunAsync(HarnessOptions options, IReadOnlyList<long> seeds, bool withCluster,
        TextWriter console, bool interactive, CancellationToken token)
    {
        string root = Path.GetFullPath(options.Root);
        Directory.CreateDirectory(root);
        console.WriteLine("[harness] Publishing the ceiling stand-in (bench/CeilingStandIn) into " + Path.Combine(root, "ceiling-bin"));
        string standIn = await CeilingBuild.PublishAsync(root, new StringWriter(), token).ConfigureAwait(false);
        string? cluster = null;
        if (withCluster)
        {
            cluster = options.Sqlcluster is { } given ? Path.GetFullPath(given) : null;
            if (cluster is null)
            {
                console.WriteLine("[harness] No --sqlcluster given: publishing FastDb's server (src/Server) into " + Path.Combine(root, "bin"));
                cluster = await ServerBuild.PublishAsync(root, new StringWriter(), token).ConfigureAwait(false);
            }
        }

        var rows = new List<CeilingRow>();
        foreach (long seed in seeds)
        {
            token.ThrowIfCancellationRequested();
            RunOutcome ceiling;
            await using (var state = new CeilingState(Path.Combine(root, "ceiling-state.sock")))
            {
                console.WriteLine($"[harness] seed {seed}: the ceiling stand-in");
                ceiling = await HarnessRun.RunAsync(options with
                {
                    Sqlcluster = standIn, Seed = seed, ExtraArgs = ["--state=" + state.SocketPath], JsonPath = null,
                    PlotPath = PlotFor(options.PlotPath, seed, "ceiling"),
                }, console, interactive, token).ConfigureAwait(false);
            }
            console.WriteLine($"[harness] seed {seed}: ceiling {ceiling.Results.CorrectQueries} correct");
            RunOutcome? clusterRun = null;
            if (cluster is not null)
            {
                console.WriteLine($"[harness] seed {seed}: {cluster}");
                clusterRun = await HarnessRun.RunAsync(options with
                {
                    Sqlcluster = cluster, Seed = seed, JsonPath = null, PlotPath = PlotFor(options.PlotPath, seed, "cluster"),
                }, console, interactive, token).ConfigureAwait(false);
            }
            var row = new CeilingRow(seed, ceiling, clusterRun);
            rows.Add(row);
            console.WriteLine(FormatRow(row));
            console.WriteLine($"[harness] seed {seed}: ceiling {Describe(ceiling)}");
            if (clusterRun is not null) console.WriteLine($"[harness] seed {seed}: cluster {Describe(clusterRun)}");
        }
        return rows;
    }

    private static string Describe(RunOutcome run) => (run.CheckerTime?.Describe() ?? "checker: -") +
        string.Create(CultureInfo.InvariantCulture, $"; latency p50 {run.LatencyP50Ms:F1} ms, p99 {run.LatencyP99Ms:F1} ms");

    /// <summary>"plot.png" becomes "plot-seed3-ceiling.png", one file per run.</summary>
    private static string? PlotFor(string? plot, long seed, string which) => plot is null ? null
        : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(plot))!, $"{Path.GetFileNameWithoutExtension(plot)}-seed{seed}-{which}{Path.GetExtension(plot)}");

    public static string FormatTable(IReadOnlyList<CeilingRow> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| seed | ceiling | cluster | cluster / ceiling | proxy bytes / correct | dips past faults | disqualified |\n");
        sb.Append("|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (CeilingRow row in rows) sb.Append(FormatRow(row)).Append('\n');
        var ratios = rows.Where(r => r.Ratio is not null).Select(r => r.Ratio!.Value).Order().ToArray();
        if (ratios.Length > 0)
        {
            double median = ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[ratios.Length / 2 - 1] + ratios[ratios.Length / 2]) / 2;
            sb.Append(CultureInfo.InvariantCulture, $"\nmedian ratio {median:F2}, lowest {ratios[0]:F2} over {ratios.Length} seeds\n");
        }
        return sb.ToString();
    }

    private static string FormatRow(CeilingRow row)
    {
        string Dq(RunOutcome? o) => o is null ? "" : o.Results.Disqualifier.Length > 0 ? o.Results.Disqualifier : "no";
        int? unexplained = row.Cluster?.Dips is { } dips ? Reporting.DipFinder.Unexplained(dips).Count : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {row.Seed} | {row.Ceiling.Results.CorrectQueries} | {row.Cluster?.Results.CorrectQueries.ToString(CultureInfo.InvariantCulture) ?? "-"} | " +
            $"{(row.Ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "-")} | " +
            $"{(row.BytesPerCorrect is { } b ? b.ToString("F0", CultureInfo.InvariantCulture) : "-")} | " +
            $"{unexplained?.ToString(CultureInfo.InvariantCulture) ?? "-"} | ceiling: {Dq(row.Ceiling)}; cluster: {Dq(row.Cluster)} |");
    }
}
