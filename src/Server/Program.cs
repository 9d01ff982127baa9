// sqlcluster: the FastDb node. See Startup/CommandLine.cs for the flags.
using FastDb.Server.Startup;

// Socket completions run on the epoll thread instead of hopping to a thread-pool worker first. Read once, when the
// runtime's socket engine starts, so it must be set before any socket exists; it has no runtimeconfig knob. Every
// handler that runs there is short and never blocks (frame decode + queue to the Raft loop; HTTP parsing + queue),
// and a wake-up saved per received batch is CPU the co-located octopus checker gets (see HttpHost for Kestrel's half).
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

// A node never touches the terminal (TerminalGuard, StandardError): backgrounded with '&', it must survive STOP/CONT.
TerminalGuard.Install();

var root = CommandLine.Build(NodeHost.RunAsync, ExecCommand.RunAsync);
return await root.Parse(args).InvokeAsync();
