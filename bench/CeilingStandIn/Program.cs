// sqlcluster-ceiling: the harness's yardstick, NOT a database. Five of these answer octopus's workload as fast as the
// harness can take it: each node relays every POST /sql body over a side channel (a Unix socket that bypasses the
// proxies) to one shared state server in the harness process, which numbers the queries and answers them from one
// in-memory database. No consensus, no replication: freezing or killing the node holding the state would stop
// everything, so it would fail the SPOF monkey's purpose. What it measures is the most the harness (its checker, its
// clients, its proxies) can take on this machine at this moment, so FastDb's score can be judged as a ratio to it.
//
// Command line: octopus's (-l SOCKET -d DIR [--join=ADDR]) plus --state=PATH, the state server's socket.
using FastDb.CeilingStandIn;

// As sqlcluster does by default (--nice 10): the checker's work goes first, so the yardstick stays the most the harness
// can take next to a cluster that yields the same way.
if (FastDb.Server.Startup.CpuPriority.Lower(10) is { } niceError) Console.Error.WriteLine($"ceiling stand-in: {niceError}");

string? listen = null;
string? state = null;
for (var i = 0; i < args.Length; i++)
{
    var a = args[i];
    if (a == "-l" && i + 1 < args.Length) listen = args[++i];
    else if (a.StartsWith("--state=", StringComparison.Ordinal)) state = a["--state=".Length..];
    else if (a is "-d" or "--join" && i + 1 < args.Length) i++; // accepted, not needed
}
if (listen is null || state is null)
{
    Console.Error.WriteLine("usage: sqlcluster-ceiling -l SOCKET -d DIR [--join=ADDR] --state=PATH");
    return 2;
}
var socketPath = Path.GetFullPath(listen);
using var node = new RelayNode(socketPath, state);
Console.Error.WriteLine($"ceiling stand-in listening on {socketPath}, state at {state}");
await node.RunAsync();
return 0;
