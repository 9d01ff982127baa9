using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastDb.LoadTest;

/// <summary>
/// The original sqlcluster's design on one node: each POST /sql runs one sqlite3 process on a database file, one at a
/// time, and answers "SequenceNumber: N\n" + its stdout (or stderr when it failed). Same HTTP path as FastDb.
/// </summary>
public static class BaselineServer
{
    public static async Task<int> RunAsync(string socketPath, string databasePath)
    {
        if (File.Exists(socketPath)) File.Delete(socketPath);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath));
        var app = builder.Build();
        var gate = new SemaphoreSlim(1, 1);
        long sequence = 0;
        app.Run(async context =>
        {
            if (context.Request.Path != "/sql" || !HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = context.Request.Path == "/healthcheck" ? 200 : 404;
                return;
            }
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var script = await reader.ReadToEndAsync();
            string answer;
            await gate.WaitAsync();
            try
            {
                var (stdout, stderr, exit) = await RunSqlite3Async(databasePath, script + ";");
                answer = $"SequenceNumber: {sequence++}\n{(exit is 1 or 2 ? stderr : stdout)}";
            }
            finally
            {
                gate.Release();
            }
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(answer);
        });
        await app.RunAsync();
        return 0;
    }

    private static async Task<(string, string, int)> RunSqlite3Async(string database, string input)
    {
        var start = new ProcessStartInfo("sqlite3", database)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (await stdout, await stderr, process.ExitCode);
    }
}
