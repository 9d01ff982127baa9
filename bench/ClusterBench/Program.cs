using System.CommandLine;
using FastDb.ClusterBench;
using FastDb.Harness.Cli;

// Cluster measurements on real sqlcluster processes behind octopus-style proxies with a fixed link delay:
//   latency  (no faults: throughput, leader-hit / follower-hit latency, bytes and CPU per request)
//   failover (freeze the leader, time a request through a follower until it commits; repeated)
//   idle     (a cluster with nothing to do: CPU, wakeups and bytes per second)
//   soak     (minutes of load with leader freezes and follower restarts; memory and disk must stay bounded)
//   warmup   (load from the moment of boot: node CPU in the first 10 s against the 20 s that follow)
//   readlevels (rqlite's read levels against a write: leader-hit and follower-hit latency in link delays)
//   tcp      (nodes on TCP 127.0.0.2..: the same load with plain peer links, then with mutual TLS)
//   startup  (cold starts of one node, builds alternating: exec to first answer, RSS idle and loaded, CPU per request)

var sqlcluster = new Option<string?>("--sqlcluster", "-r") { Description = "Path to the sqlcluster binary (default: publish FastDb's src/Server)" };
var nodes = new Option<int>("--nodes", "-c") { Description = "Number of nodes", DefaultValueFactory = _ => 5 };
var linkMs = new Option<int>("--link-ms") { Description = "One-way delay of every node-to-node link in ms (octopus draws about 20)", DefaultValueFactory = _ => 20 };
var clients = new Option<int>("--clients") { Description = "Closed-loop clients, spread evenly over the nodes", DefaultValueFactory = _ => 20 };
var root = new Option<string>("--root") { Description = "Where the nodes' directories go", DefaultValueFactory = _ => "/tmp/fastdb-clusterbench" };
var duration = new Option<string>("--duration") { Description = "How long to measure (latency, soak), Go syntax: 20s, 5m" };
var trials = new Option<int>("--trials") { Description = "Failover trials", DefaultValueFactory = _ => 10 };
var nodeArgs = new Argument<string[]>("node-args") { Description = "Arguments after -- are passed to every node", Arity = ArgumentArity.ZeroOrMore };

var latency = new Command("latency", "No faults: requests/s, leader-hit and follower-hit p50/p99 (also as multiples of the link delay), proxy bytes and node CPU per request");
var failover = new Command("failover", "Freeze the leader under load and time a request sent through a follower at that instant until it is answered");
var idle = new Command("idle", "A booted cluster with no requests: node CPU, wakeups and proxy bytes per second");
var warmup = new Command("warmup", "Load from the moment the cluster has booted: node CPU during the first 10 s against the 20 s that follow");
var startup = new Command("startup", "Cold-starts one node --runs times (each binary in turn): exec to first answered POST /sql, RSS idle and after --requests CTF requests, CPU per 1,000 requests");
var against = new Option<string[]>("--against") { Description = "startup: more sqlcluster binaries, measured in turn with the first (e.g. a JIT build)", AllowMultipleArgumentsPerToken = true };
var runs = new Option<int>("--runs") { Description = "startup: cold starts per binary", DefaultValueFactory = _ => 5 };
var requests = new Option<int>("--requests") { Description = "startup: CTF requests after each start", DefaultValueFactory = _ => 2000 };
var nodeEnv = new Option<string[]>("--node-env") { Description = "startup: NAME=VALUE set in the node's environment (e.g. DOTNET_GCgen0size=0x400000)", AllowMultipleArgumentsPerToken = true };
startup.Options.Add(against);
startup.Options.Add(runs);
startup.Options.Add(requests);
startup.Options.Add(nodeEnv);
var readLevels = new Command("readlevels", "No faults: rqlite's /db/execute and /db/query at each read level in turn, leader-hit and follower-hit p50/p99 as multiples of the link delay");
var tcp = new Command("tcp", "Nodes on TCP at 127.0.0.2.. without proxies: the same load with plain peer links, then with mutual TLS (throughput, p50/p99, node CPU per 1,000 requests)");
var soak = new Command("soak", "Minutes of load with leader freezes and follower restarts; fails if memory or data directories keep growing");
var command = new RootCommand("FastDb cluster measurements") { sqlcluster, nodes, linkMs, clients, root, duration, trials };
foreach (var sub in new[] { latency, failover, idle, soak, warmup, startup, readLevels, tcp })
{
    sub.Arguments.Add(nodeArgs);
    command.Subcommands.Add(sub);
}
foreach (var option in new Option[] { sqlcluster, nodes, linkMs, clients, root, duration, trials }) option.Recursive = true;

BenchOptions Options(ParseResult parse) => new(parse.GetValue(sqlcluster), Math.Max(1, parse.GetValue(nodes)), Math.Max(0, parse.GetValue(linkMs)),
    Math.Max(1, parse.GetValue(clients)), parse.GetValue(root)!, parse.GetValue(nodeArgs) ?? []);

TimeSpan? Duration(ParseResult parse, TimeSpan fallback)
{
    var text = parse.GetValue(duration);
    if (text is null) return fallback;
    if (GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero) return value;
    Console.Error.WriteLine($"--duration: '{text}' is not a positive duration like 20s or 5m");
    return null;
}

latency.SetAction(async (parse, token) =>
    Duration(parse, TimeSpan.FromSeconds(20)) is { } d ? await Measurements.LatencyAsync(Options(parse), d, token) : 2);
tcp.SetAction(async (parse, token) =>
    Duration(parse, TimeSpan.FromSeconds(20)) is { } d ? await TcpMeasurement.RunAsync(Options(parse), d, token) : 2);
failover.SetAction(async (parse, token) => await Measurements.FailoverAsync(Options(parse), Math.Max(1, parse.GetValue(trials)), token));
idle.SetAction(async (parse, token) =>
    Duration(parse, TimeSpan.FromSeconds(10)) is { } d ? await Measurements.IdleAsync(Options(parse), d, token) : 2);
soak.SetAction(async (parse, token) =>
    Duration(parse, TimeSpan.FromMinutes(5)) is { } d ? await Measurements.SoakAsync(Options(parse), d, token) : 2);
readLevels.SetAction(async (parse, token) =>
    Duration(parse, TimeSpan.FromSeconds(8)) is { } d ? await ReadLevelsMeasurement.RunAsync(Options(parse), d, token) : 2);
warmup.SetAction(async (parse, token) => await WarmupMeasurement.RunAsync(Options(parse), token));
startup.SetAction(async (parse, token) =>
{
    var o = Options(parse);
    var first = o.Sqlcluster is { } given ? Path.GetFullPath(given)
        : await FastDb.Harness.Nodes.ServerBuild.PublishAsync(Path.GetFullPath(o.Root) + "-build", Console.Out, token);
    var binaries = new[] { first }.Concat((parse.GetValue(against) ?? []).Select(Path.GetFullPath)).ToArray();
    return await StartupMeasurement.RunAsync(binaries, Math.Max(1, parse.GetValue(runs)), Math.Max(0, parse.GetValue(requests)), o.Root,
        parse.GetValue(nodeEnv) ?? [], o.NodeArgs, token);
});
command.SetAction(_ =>
{
    Console.Error.WriteLine("choose a measurement: latency, failover, idle, soak, warmup, startup, readlevels or tcp (--help for the options)");
    return 2;
});

return await command.Parse(args).InvokeAsync();
