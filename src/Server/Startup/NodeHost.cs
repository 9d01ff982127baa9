using FastDb.Server.Http;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using FastDb.Server.Http.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Startup;

/// <summary>Runs one node: recover the data directory, listen, serve until SIGTERM/SIGINT, shut down cleanly.</summary>
public static class NodeHost
{
    public static async Task<int> RunAsync(NodeOptions options, CancellationToken cancellationToken)
    {
        FilePermissions.CreateOwnerOnly();
        // Both run (a failed nice value must not skip SCHED_IDLE); the first error is reported.
        var niceError = CpuPriority.Lower(options.Nice);
        var idleError = options.CpuIdle ? CpuPriority.Idle() : null;
        niceError ??= idleError;
        using var logging = LoggerFactory.Create(b => HttpHost.ConfigureLogging(b, options.Verbose));
        var log = logging.CreateLogger("FastDb.Server");
        if (niceError is not null) log.LogWarning("{Message}", niceError);
        if (options.UsedDefaults)
            StandardError.Writer.WriteLine($"sqlcluster: no -l/-d given; listening on {options.Listen} with data in {options.DataDirectory}");

        if (options.Listen.UnixSocketPath is { } socketPath)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
                await HttpHost.RemoveStaleSocketAsync(socketPath, TimeSpan.FromSeconds(10),
                    message => log.LogWarning("{Message}", message), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                StandardError.Writer.WriteLine($"sqlcluster: cannot listen on {socketPath}: {e.Message}");
                return 1;
            }
        }

        var selfAddress = Cluster.NodeAddress.Advertised(options.Listen.UnixSocketPath, options.Listen.Host, options.Listen.Port, Directory.GetCurrentDirectory());
        var security = NodeSecurity.Load(options, selfAddress, out var securityError);
        if (securityError is not null)
        {
            StandardError.Writer.WriteLine($"sqlcluster: {securityError}");
            return 1;
        }
        foreach (var notice in security.Notices(options)) StandardError.Writer.WriteLine(notice);

        var stateMachine = new ReplicatedStateMachine(DedupWindow.DefaultMaxCount, DedupWindow.DefaultMaxAgeMs);
        var store = new LogStore(options.DataDirectory, options.Fsync, logging.CreateLogger<LogStore>());
        ReplicationSetup setup;
        try
        {
            setup = ReplicatorFactory.Create(options, stateMachine, store, logging, security.PeerTls);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
        {
            store.Dispose();
            StandardError.Writer.WriteLine($"sqlcluster: cannot recover the data directory {options.DataDirectory}: {e.Message}");
            return 1;
        }

        await using var replicator = setup.Replicator;
        var endpoint = new HttpRoutes(replicator, stateMachine, options.NodeName, options.MaxBodyBytes, logging.CreateLogger<HttpRoutes>());
        RequestDelegate handler = endpoint.HandleAsync;
        if (security.Users is { } users) handler = new ApiAuthorization(users).Wrap(handler);
        var app = HttpHost.Build(options, setup.ConfigureListen, handler, security.HttpsCertificate);
        try
        {
            await replicator.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            if (options.Listen.UnixSocketPath is { } listening) FilePermissions.RestrictSocket(listening, options.SocketMode);
            log.LogInformation("{Node} listening on {Listen}, data in {Data}", options.NodeName, options.Listen, options.DataDirectory);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            StandardError.Writer.WriteLine($"sqlcluster: cannot listen on {options.Listen}: {e.Message}");
            return 1;
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
            if (options.Listen.UnixSocketPath is { } path) TryDelete(path);
        }
        log.LogInformation("{Node} stopped", options.NodeName);
        return 0;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
