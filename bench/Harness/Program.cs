using System.CommandLine;
using FastDb.Harness.Ceiling;
using FastDb.Harness.Cli;
using FastDb.Harness.Run;
using FastDb.Harness.Scoring;

// The octopus-style chaos harness: boots a sqlcluster-compatible cluster behind fault-injecting proxies, runs
// octopus's workload under its monkeys, checks every answer, and prints octopus's score.

var sqlcluster = new Option<string?>("--sqlcluster", "-r") { Description = "Path to the sqlcluster binary (default: publish and run FastDb's src/Server)" };
var nodes = new Option<int>("--nodes", "-c") { Description = "Number of servers to spawn", DefaultValueFactory = _ => 5 };
var seed = new Option<long>("--seed") { Description = "Seed for every random choice; 0 picks one", DefaultValueFactory = _ => 0 };
var duration = new Option<string>("--duration") { Description = "How long to run the workload after boot (Go syntax: 30s, 1m)", DefaultValueFactory = _ => "30s" };
var bootTimeout = new Option<string?>("--boot-timeout") { Description = "Give up if the boot query has no 200 answer by then (default: the duration)" };
var root = new Option<string>("--root") { Description = "The root directory of the run", DefaultValueFactory = _ => "/tmp/fastdb-harness" };
var json = new Option<string?>("--json", "-w") { Description = "Write the results as JSON to this file (octopus's -w)" };
var plot = new Option<string?>("--plot") { Description = "Write a timeline of the run to this PNG or SVG file" };
var logDir = new Option<string?>("--log-dir") { Description = "Where to put this run's logs (default ROOT/logs/TIME-seedS)" };
var murder = new Option<bool>("--enable-murder-monkey") { Description = "Enable the murder monkey (off by default, as in octopus)" };
var disable = new Option<string[]>("--disable-monkey") { Description = "Disable a monkey by name (repeatable): latency, jitter, lagsplit, link, netsplit, unneighborly, freeze, murder, spof", AllowMultipleArgumentsPerToken = true };
var checker = new Option<string>("--checker") { Description = "sqlite3 (octopus's: one sqlite3 process per answer) or inproc (one in-process SQLite database)", DefaultValueFactory = _ => "sqlite3" };
var sqlite3 = new Option<string>("--sqlite3") { Description = "The sqlite3 shell used by the sqlite3 checker", DefaultValueFactory = _ => "sqlite3" };
var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress line" };
var vsCeiling = new Option<bool>("--vs-ceiling") { Description = "For each seed of --seeds, run the ceiling stand-in (no consensus: the most this harness can take here) and then the cluster, and print their ratio" };
var ceilingOnly = new Option<bool>("--ceiling") { Description = "Run only the ceiling stand-in, for each seed of --seeds" };
var seedList = new Option<string?>("--seeds") { Description = "Seeds for --vs-ceiling/--ceiling: 1-5 or 1,2,7 (default: --seed, or 1-5)" };
var extra = new Argument<string[]>("node-args") { Description = "Arguments after -- are passed to every node", Arity = ArgumentArity.ZeroOrMore };

var command = new RootCommand("Octopus-style chaos harness for sqlcluster-compatible servers (Stripe CTF3 level 4)")
{
    sqlcluster, nodes, seed, duration, bootTimeout, root, json, plot, logDir, murder, disable, checker, sqlite3, quiet, vsCeiling, ceilingOnly, seedList, extra,
};

command.SetAction(async (parse, token) =>
{
    if (!GoDuration.TryParse(parse.GetValue(duration)!, out TimeSpan runFor) || runFor <= TimeSpan.Zero)
    {
        Console.Error.WriteLine($"--duration: '{parse.GetValue(duration)}' is not a positive duration like 30s or 1m");
        return 2;
    }
    TimeSpan boot = runFor;
    string? bootText = parse.GetValue(bootTimeout);
    if (bootText is not null && (!GoDuration.TryParse(bootText, out boot) || boot <= TimeSpan.Zero))
    {
        Console.Error.WriteLine($"--boot-timeout: '{bootText}' is not a positive duration");
        return 2;
    }
    CheckerKind kind;
    switch (parse.GetValue(checker))
    {
        case "sqlite3": kind = CheckerKind.Sqlite3; break;
        case "inproc": kind = CheckerKind.Inproc; break;
        default:
            Console.Error.WriteLine($"--checker: '{parse.GetValue(checker)}' is neither sqlite3 nor inproc");
            return 2;
    }
    var known = FastDb.Harness.Monkeys.MonkeyConfig.All.Select(m => m.Name).ToHashSet();
    string[] disabled = parse.GetValue(disable) ?? [];
    foreach (string d in disabled)
    {
        if (!known.Contains(d))
        {
            Console.Error.WriteLine($"--disable-monkey: unknown monkey '{d}' (known: {string.Join(", ", known)})");
            return 2;
        }
    }
    int nodeCount = parse.GetValue(nodes);
    if (nodeCount < 2)
    {
        Console.Error.WriteLine("--nodes: you need at least two agents");
        return 2;
    }

    var options = new HarnessOptions
    {
        Sqlcluster = parse.GetValue(sqlcluster),
        Nodes = nodeCount,
        Seed = parse.GetValue(seed),
        Duration = runFor,
        BootTimeout = boot,
        Root = parse.GetValue(root)!,
        JsonPath = parse.GetValue(json),
        PlotPath = parse.GetValue(plot),
        LogDir = parse.GetValue(logDir),
        EnableMurderMonkey = parse.GetValue(murder),
        DisabledMonkeys = disabled.ToHashSet(),
        Checker = kind,
        Sqlite3 = parse.GetValue(sqlite3)!,
        Quiet = parse.GetValue(quiet),
        ExtraArgs = parse.GetValue(extra) ?? [],
    };

    if (parse.GetValue(vsCeiling) || parse.GetValue(ceilingOnly))
    {
        if (!TryParseSeeds(parse.GetValue(seedList), options.Seed, out List<long> seeds))
        {
            Console.Error.WriteLine($"--seeds: '{parse.GetValue(seedList)}' is not a list like 1-5 or 1,2,7 of positive seeds");
            return 2;
        }
        try
        {
            var rows = await CeilingComparison.RunAsync(options with { LogDir = null }, seeds, withCluster: parse.GetValue(vsCeiling), Console.Out,
                !Console.IsOutputRedirected, token);
            string table = CeilingComparison.FormatTable(rows);
            Console.WriteLine();
            Console.WriteLine(table);
            if (options.JsonPath is not null) File.WriteAllText(options.JsonPath, table);
            return rows.Any(r => r.Ceiling.Results.Disqualifier.Length > 0 || r.Cluster?.Results.Disqualifier.Length > 0) ? 1 : 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("harness: " + e.Message);
            return 2;
        }
    }

    RunOutcome outcome;
    try
    {
        outcome = await HarnessRun.RunAsync(options, Console.Out, !Console.IsOutputRedirected, token);
    }
    catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine("harness: " + e.Message);
        return 2;
    }

    if (options.JsonPath is not null) File.WriteAllText(options.JsonPath, Scoreboard.ToJson(outcome.Results));
    Console.WriteLine(outcome.Results.Pretty);
    Console.WriteLine($"[harness] seed {outcome.Seed}; checker {kind}; retried requests {outcome.Failures}; " +
                      $"next sequence number {outcome.NextSequenceNumber} with {outcome.Pending} pending; logs in {outcome.LogDirectory}");
    return outcome.Results.Disqualifier.Length > 0 ? 1 : 0;
});

static bool TryParseSeeds(string? text, long single, out List<long> seeds)
{
    seeds = new List<long>();
    if (string.IsNullOrWhiteSpace(text))
    {
        if (single != 0) seeds.Add(single);
        else seeds.AddRange([1, 2, 3, 4, 5]);
        return true;
    }
    foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        string[] range = part.Split('-');
        if (range.Length == 1 && long.TryParse(range[0], out long one) && one > 0) seeds.Add(one);
        else if (range.Length == 2 && long.TryParse(range[0], out long from) && long.TryParse(range[1], out long to) && from > 0 && to >= from && to - from < 1000)
            for (long s = from; s <= to; s++) seeds.Add(s);
        else return false;
    }
    return seeds.Count > 0;
}

// On Ctrl-C or SIGTERM the run stops its nodes and prints its results (as octopus does); give it time to.
return await command.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) });
