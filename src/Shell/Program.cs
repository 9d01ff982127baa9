using System.CommandLine;
using FastDb.Shell;
using FastDb.Shell.Cluster;
using FastDb.Shell.Session;
using FastDb.Shell.Terminal;

// fastdb: a client for a FastDb cluster, the way the sqlite3 shell is a client for a file.

var socket = new Option<string?>("--socket", "-s") { Description = "A node's Unix socket (default ./fastdb.sock when no -H is given)" };
var host = new Option<string?>("--host", "-H") { Description = "A node's TCP host (with -P)" };
var port = new Option<int>("--port", "-P") { Description = "A node's TCP port (with -H)" };
var command = new Option<string?>("--command", "-c") { Description = "Run this SQL (or dot/document command) and exit; status 1 if it failed" };
var heartbeat = new Option<int>("--heartbeat-ms") { Description = "How often the shell checks its node's /status", DefaultValueFactory = _ => 1000 };
var user = new Option<string?>("--user", "-u") { Description = "USER:PASSWORD for a node run with --auth (HTTP Basic)" };
var caCert = new Option<string?>("--ca-cert") { Description = "PEM CA certificate: talk HTTPS to TCP nodes and accept only a certificate it signed for the host" };
var timeout = new Option<int>("--timeout-ms") { Description = "A node that does not answer /status within this is taken as down: the shell moves to another", DefaultValueFactory = _ => 1500 };

var root = new RootCommand("fastdb: the FastDb shell. Connects to one node, learns the cluster from it, and moves to another node when it fails.")
{
    socket, host, port, command, heartbeat, timeout, user, caCert,
};

root.SetAction(async (parse, _) =>
{
    NodeEndpoint start;
    if (parse.GetValue(host) is { } h)
    {
        if (parse.GetValue(port) is not (>= 1 and <= 65535) and var p)
        {
            Console.Error.WriteLine($"Error: -P must be a TCP port (1-65535), not {p}");
            return 2;
        }
        start = NodeEndpoint.Tcp(h, parse.GetValue(port));
    }
    else start = NodeEndpoint.Unix(parse.GetValue(socket) ?? "./fastdb.sock");
    if (parse.GetValue(user) is { } credentials && credentials.IndexOf(':') <= 0)
    {
        Console.Error.WriteLine("Error: -u takes USER:PASSWORD");
        return 2;
    }
    System.Security.Cryptography.X509Certificates.X509Certificate2? authority = null;
    if (parse.GetValue(caCert) is { } caFile)
    {
        try
        {
            authority = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"Error: cannot read the CA certificate {caFile}: {e.Message}");
            return 2;
        }
    }
    var options = new SessionOptions(start,
        TimeSpan.FromMilliseconds(Math.Max(50, parse.GetValue(heartbeat))),
        TimeSpan.FromMilliseconds(Math.Max(50, parse.GetValue(timeout))),
        new ClientSecurity(parse.GetValue(user), authority));

    await using var session = new ShellSession(options, Console.Out, Console.Error);
    var text = parse.GetValue(command);
    var interactive = text is null && Repl.IsInteractive();
    LineEditor? editor = null;
    KeyInput? keys = null;
    if (interactive)
    {
        keys = new KeyInput();
        editor = new LineEditor(keys, new History(History.DefaultPath()));
        session.NoticeSink = editor.PrintAbove;
        session.Interactive = true;
    }
    if (!await session.ConnectAsync(announce: interactive)) return 1;
    session.StartHeartbeat();
    try
    {
        if (text is not null)
            return await Repl.RunTextAsync(session, text.Split('\n')) ? 0 : 1;
        if (editor is not null && keys is not null)
            return await Repl.RunInteractiveAsync(session, editor, keys);
        return await Repl.RunPipeAsync(session, Console.In) ? 0 : 1;
    }
    catch (QuitException)
    {
        return session.ExitCode ?? 0;
    }
});

return await root.Parse(args).InvokeAsync();
