using System.Text;
using FastDb.TestSupport;
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
                var (stdout, stderr, exit) = await Sqlite3Shell.RunBytesAsync("sqlite3", databasePath, Encoding.UTF8.GetBytes(script + ";"), CancellationToken.None);
                var output = new Sqlite3Output(Encoding.UTF8.GetString(stdout), Encoding.UTF8.GetString(stderr), exit);
                answer = $"{SequenceAnswer.Prefix}{sequence++}\n{output.OctopusBody}";
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
}
