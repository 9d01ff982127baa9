using System.Text;
using FastDb.QueryEngine;

namespace FastDb.Server.Startup;

/// <summary><c>sqlcluster exec</c>: the engine as a drop-in for <c>sqlite3</c> on a fresh database (stdin → stdout, stderr, exit code).</summary>
public static class ExecCommand
{
    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var input = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var script = new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var result = new Database().Execute(SqlCommand.Recognize(script));
        await WriteAsync(Console.OpenStandardOutput(), result.Stdout, cancellationToken).ConfigureAwait(false);
        await WriteAsync(Console.OpenStandardError(), result.Stderr, cancellationToken).ConfigureAwait(false);
        return result.ExitCode;
    }

    private static async Task WriteAsync(Stream stream, string text, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
