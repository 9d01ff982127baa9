// Single-node load test for sqlcluster. Usage:
//   loadtest [--requests N] [--clients C] [--server PATH/sqlcluster.dll] [--modes fastdb,fastdb-fsync,sqlite3-process]
//   loadtest baseline-server SOCKET DBFILE      (internal: the one-sqlite3-process-per-query server)
using System.Diagnostics;
using System.Globalization;
using FastDb.LoadTest;
using FastDb.TestSupport;

if (args is ["baseline-server", var socketArg, var dbArg]) return await BaselineServer.RunAsync(socketArg, dbArg);

var requests = 3000;
var clients = 20;
var server = Path.Combine(AppContext.BaseDirectory, "sqlcluster.dll");
var modes = new[] { "fastdb", "fastdb-fsync", "sqlite3-process" };
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--requests": requests = int.Parse(Value(), CultureInfo.InvariantCulture); break;
            case "--clients": clients = int.Parse(Value(), CultureInfo.InvariantCulture); break;
            case "--server": server = Path.GetFullPath(Value()); break;
            case "--modes": modes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
            default: throw new ArgumentException($"unknown argument {args[i]}");
        }
    }
    if (requests < 1 || clients < 1) throw new ArgumentException("--requests and --clients must be at least 1");
    foreach (var mode in modes)
        if (mode is not ("fastdb" or "fastdb-fsync" or "sqlite3-process")) throw new ArgumentException($"unknown mode {mode}");
    if (!File.Exists(server)) throw new ArgumentException($"sqlcluster.dll not found at {server} (use --server)");
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"loadtest: {e.Message}");
    Console.Error.WriteLine("usage: loadtest [--requests N] [--clients C] [--server PATH/sqlcluster.dll] [--modes fastdb,fastdb-fsync,sqlite3-process]");
    return 2;
}

var results = new List<LoadResult>();
foreach (var mode in modes)
{
    var work = Directory.CreateTempSubdirectory("fastdb-loadtest-");
    var socket = Path.Combine(work.FullName, "node0.sock");
    var start = mode == "sqlite3-process"
        ? new ProcessStartInfo("dotnet", [typeof(BaselineServer).Assembly.Location, "baseline-server", socket, Path.Combine(work.FullName, "baseline.db")])
        : new ProcessStartInfo("dotnet", mode == "fastdb-fsync"
            ? [server, "-l", socket, "-d", Path.Combine(work.FullName, "data"), "--fsync"]
            : [server, "-l", socket, "-d", Path.Combine(work.FullName, "data")]);
    start.WorkingDirectory = work.FullName;
    using var process = Process.Start(start)!;
    try
    {
        using var client = LoadRun.CreateClient(socket, clients);
        var clock = Stopwatch.StartNew();
        await LoadRun.WaitUntilUpAsync(client, process, TimeSpan.FromSeconds(30));
        await LoadRun.PostAsync(client, CtfWorkload.BootScript);
        Console.Error.WriteLine($"{mode}: first answer {clock.ElapsedMilliseconds} ms after start");
        // Warm-up (JIT, connection pool) is not measured.
        await LoadRun.MeasureAsync(mode, client, clients, Math.Min(requests, mode == "sqlite3-process" ? 20 : 500), seed: 0);
        var result = await LoadRun.MeasureAsync(mode, client, clients, mode == "sqlite3-process" ? Math.Min(requests, 300) : requests, seed: 1);
        results.Add(result);
        Console.Error.WriteLine($"{mode}: {result.RequestsPerSecond:F0} req/s");
    }
    finally
    {
        process.Kill();
        await process.WaitForExitAsync();
        work.Delete(recursive: true);
    }
}

Console.WriteLine($"| mode ({clients} keep-alive clients, 1 node, Unix socket) | requests | req/s | p50 ms | p99 ms | max ms |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach (var r in results)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Name} | {r.Requests} | {r.RequestsPerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.MaxMs:F2} |"));
return 0;
