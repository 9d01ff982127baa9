// sqlcluster: the FastDb node. See Startup/CommandLine.cs for the flags.
using FastDb.Server.Startup;

var root = CommandLine.Build(NodeHost.RunAsync, ExecCommand.RunAsync);
return await root.Parse(args).InvokeAsync();
