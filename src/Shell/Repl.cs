using FastDb.Shell.Input;
using FastDb.Shell.Session;
using FastDb.Shell.Terminal;

namespace FastDb.Shell;

/// <summary>Feeds input to a session: a line editor on a terminal, plain lines from a pipe or file, or -c text.</summary>
public static class Repl
{
    /// <summary>Runs every unit in the text (for -c and .read); false if any failed. Stops early after .bail on.</summary>
    public static async Task<bool> RunTextAsync(ShellSession session, IEnumerable<string> lines, CancellationToken cancellationToken = default)
    {
        var ok = true;
        var reader = new StatementReader();
        foreach (var line in lines)
        {
            if (reader.Add(line) is { } unit && !await RunUnitAsync(session, unit, cancellationToken).ConfigureAwait(false))
            {
                ok = false;
                if (session.Bail) return false;
            }
        }
        if (reader.Flush() is { } rest) ok &= await RunUnitAsync(session, rest, cancellationToken).ConfigureAwait(false);
        return ok;
    }

    /// <summary>Reads stdin to its end, running each unit as it completes (statements run as they arrive).</summary>
    public static async Task<bool> RunPipeAsync(ShellSession session, TextReader input)
    {
        var ok = true;
        var reader = new StatementReader();
        while (await input.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (reader.Add(line) is { } unit && !await RunUnitAsync(session, unit, default).ConfigureAwait(false))
            {
                ok = false;
                if (session.Bail) return false;
            }
        }
        if (reader.Flush() is { } rest) ok &= await RunUnitAsync(session, rest, default).ConfigureAwait(false);
        return ok;
    }

    /// <summary>
    /// The interactive loop. Ctrl-C drops the statement being typed (every line of it), or stops waiting for the one
    /// running and says whether it may still be applied; it never ends the shell. Ctrl-D on an empty line does.
    /// Notices are printed as they happen, above the line being typed.
    /// </summary>
    public static async Task<int> RunInteractiveAsync(ShellSession session, LineEditor editor, KeyInput keys)
    {
        Console.Out.WriteLine("Enter \".help\" for usage hints.");
        var reader = new StatementReader();
        while (true)
        {
            var (outcome, text) = await editor.ReadLineAsync(reader.HasPending ? "   ...> " : "fastdb> ").ConfigureAwait(false);
            if (outcome == EditOutcome.Interrupted)
            {
                reader.Reset();
                continue;
            }
            if (outcome == EditOutcome.EndOfInput)
            {
                if (reader.Flush() is { } rest) await RunInterruptibleAsync(session, editor, keys, rest).ConfigureAwait(false);
                return session.ExitCode ?? 0;
            }
            // A recalled history entry can hold several lines: they are fed as typed.
            foreach (var line in text.Split('\n'))
            {
                if (reader.Add(line) is not { } unit) continue;
                editor.History.Add(unit.Text);
                await RunInterruptibleAsync(session, editor, keys, unit).ConfigureAwait(false);
                if (session.ExitCode is { } code) return code;
            }
        }
    }

    /// <summary>Runs a unit; Ctrl-C meanwhile stops waiting, and for a statement that may still be applied offers to wait on.</summary>
    private static async Task RunInterruptibleAsync(ShellSession session, LineEditor editor, KeyInput keys, InputUnit unit)
    {
        var resume = false;
        while (true)
        {
            using var interrupt = new CancellationTokenSource();
            keys.Interrupt = () =>
            {
                try { interrupt.Cancel(); } catch (ObjectDisposedException) { }
            };
            try
            {
                if (resume) await session.ResumeInterruptedAsync(interrupt.Token).ConfigureAwait(false);
                else await RunUnitAsync(session, unit, interrupt.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
            {
            }
            finally
            {
                keys.Interrupt = null;
            }
            Console.Out.Write("^C\n");
            Console.Out.Flush();
            if (session.Interrupted is not { } stopped)
            {
                Console.Error.WriteLine("Interrupted.");
                return;
            }
            if (!stopped.MayBeApplied)
            {
                session.ForgetInterrupted();
                Console.Error.WriteLine("Interrupted: the statement reached no node, so it will not be applied.");
                return;
            }
            Console.Error.WriteLine(
                $"Interrupted: the statement was sent and may still be applied. It carries Idempotency-Key {stopped.Key},\n" +
                "so waiting for it cannot run it twice.");
            if (!await editor.AskAsync("Wait for its answer? [y/N] ").ConfigureAwait(false))
            {
                session.ForgetInterrupted();
                return;
            }
            resume = true;
        }
    }

    /// <summary>True when stdin and stdout are a terminal.</summary>
    public static bool IsInteractive() => !Console.IsInputRedirected && !Console.IsOutputRedirected;

    private static Task<bool> RunUnitAsync(ShellSession session, InputUnit unit, CancellationToken token) =>
        session.RunAsync(unit, path => RunFileAsync(session, path, token), token);

    private static Task<bool> RunFileAsync(ShellSession session, string path, CancellationToken token) =>
        RunTextAsync(session, File.ReadLines(path), token);
}
