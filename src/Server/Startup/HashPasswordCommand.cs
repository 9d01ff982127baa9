using System.CommandLine;
using FastDb.Server.Http.Auth;

namespace FastDb.Server.Startup;

/// <summary>
/// <c>echo -n SECRET | sqlcluster hash-password</c>: prints the hash to put in an --auth file's "password"
/// (PBKDF2-SHA256, see <see cref="PasswordHash"/>). The password is read from stdin (its first line), never from the
/// command line, where other users could see it in the process list.
/// </summary>
public static class HashPasswordCommand
{
    public static Command Build()
    {
        var iterations = new Option<int>("--iterations")
        {
            Description = $"PBKDF2 iterations ({PasswordHash.MinIterations}..{PasswordHash.MaxIterations}).",
            DefaultValueFactory = _ => PasswordHash.DefaultIterations,
        };
        var command = new Command("hash-password", "Read a password from stdin and print its hash for the --auth file.");
        command.Options.Add(iterations);
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(iterations);
            if (count is < PasswordHash.MinIterations or > PasswordHash.MaxIterations)
            {
                StandardError.Writer.WriteLine($"sqlcluster hash-password: --iterations must be {PasswordHash.MinIterations}..{PasswordHash.MaxIterations}");
                return 1;
            }
            using var stdin = new StreamReader(System.Console.OpenStandardInput());
            var password = (await stdin.ReadLineAsync(ct).ConfigureAwait(false)) ?? "";
            if (password.Length == 0)
            {
                StandardError.Writer.WriteLine("sqlcluster hash-password: no password on stdin");
                return 1;
            }
            await using var stdout = new StreamWriter(System.Console.OpenStandardOutput());
            await stdout.WriteLineAsync(PasswordHash.Create(password, count)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
