using System.Net;
using System.Net.Sockets;
using FastDb.Server.Startup;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Http;

/// <summary>
/// Builds the Kestrel host: one listening socket (Unix or TCP), no routing middleware, logs to stderr.
/// All Kestrel setup lives here so the cluster can add its connection middleware in one place
/// (<c>configureListen</c>, e.g. <c>listenOptions.UsePeerProtocol(...)</c>).
/// </summary>
public static class HttpHost
{
    /// <summary>How long shutdown waits for in-flight requests before closing connections.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a request's headers may take to arrive in full.</summary>
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a body (or an answer being read) may stall below 64 bytes/s before the connection is cut.</summary>
    public static readonly TimeSpan BodyGracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>Connections (HTTP and peer) open at once, at most.</summary>
    public const long MaxConnections = 4096;

    /// <param name="httpsCertificate">HTTPS for clients (null: plain HTTP). Peer connections are sniffed before it, so
    /// they share the socket (TLS peers start with a plaintext marker, see FastDb.Forwarder.PeerTls).</param>
    public static WebApplication Build(NodeOptions options, Action<ListenOptions>? configureListen, RequestDelegate handler,
        System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        ConfigureLogging(builder.Logging, options.Verbose);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = ShutdownTimeout);
        // Kestrel's half of inline I/O (see Program.cs): run connection middleware and request handling on the thread
        // that completed the read rather than a thread-pool worker. Safe here because no handler blocks: peer frames
        // are decoded and queued, SQL requests queued to the Raft loop and awaited.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Our own check answers with a clear 413; Kestrel's limit is a backstop one byte above it.
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1;
            // A client that declares a body and stalls, or stops reading its answer, is cut off instead of holding a
            // connection (and the answer's memory) forever. The grace period is far above anything a live client
            // needs (octopus sends a ~200-byte body in one write) and above the ~1 s a node is frozen for, after
            // which Kestrel's heartbeat sees the whole freeze at once.
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 64, gracePeriod: BodyGracePeriod);
            kestrel.Limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 64, gracePeriod: BodyGracePeriod);
            kestrel.Limits.RequestHeadersTimeout = HeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
            // File descriptors are finite (peers share this listener): a flood of idle connections is refused past
            // this many instead of starving the peers and the log of descriptors.
            kestrel.Limits.MaxConcurrentConnections = MaxConnections;
            Action<ListenOptions> listen = l =>
            {
                configureListen?.Invoke(l);
                if (httpsCertificate is not null) l.UseHttps(httpsCertificate);
            };
            if (options.Listen.UnixSocketPath is { } path)
                kestrel.ListenUnixSocket(path, listen);
            else if (IPAddress.TryParse(options.Listen.Host, out var ip))
                kestrel.Listen(ip, options.Listen.Port, listen);
            else if (options.Listen.Host is "localhost")
                kestrel.ListenLocalhost(options.Listen.Port, listen);
            else
                kestrel.ListenAnyIP(options.Listen.Port, listen);
        });
        var app = builder.Build();
        app.Run(handler);
        return app;
    }

    /// <summary>Logs go to stderr (stdout stays clean); quiet unless verbose.</summary>
    public static void ConfigureLogging(ILoggingBuilder logging, bool verbose)
    {
        logging.ClearProviders();
        // Not the console logger: it uses System.Console, which makes a background node stop on SIGCONT (StandardError).
        logging.AddProvider(new FastDb.Server.Startup.StandardErrorLoggerProvider());
        logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        // Kestrel's per-connection chatter is noise even in verbose mode.
        logging.AddFilter("Microsoft", verbose ? LogLevel.Information : LogLevel.Warning);
        logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.Connections", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", verbose ? LogLevel.Information : LogLevel.Warning);
    }

    /// <summary>
    /// Removes a socket file left by an earlier run. A socket that still accepts connections belongs to a live server,
    /// typically the previous incarnation still shutting down after SIGTERM (octopus restarts a node right away): wait
    /// for it to go, and only if it stays past <paramref name="patience"/> give up with an error (two live processes
    /// must never share one data directory).
    /// </summary>
    public static async Task RemoveStaleSocketAsync(string path, TimeSpan patience, Action<string> warn, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var warned = false;
        while (File.Exists(path) && IsListening(path))
        {
            if (clock.Elapsed > patience)
                throw new IOException($"{path} is in use by a running server (still answering after {patience.TotalSeconds:F0} s)");
            if (!warned)
            {
                warn($"{path} is still served by another process; waiting up to {patience.TotalSeconds:F0} s for it to exit");
                warned = true;
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        File.Delete(path);
    }

    private static bool IsListening(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false; // nobody listening: stale
        }
    }
}
