using FastDb.Shell.Input;
using FastDb.Shell.Session;
using RadLine;
using Spectre.Console;

namespace FastDb.Shell;

/// <summary>Feeds input to a session: a line editor on a terminal, plain lines from a pipe or file, or -c text.</summary>
public static class Repl
{
    /// <summary>Runs every unit in the text (for -c and .read); false if any failed.</summary>
    public static async Task<bool> RunTextAsync(ShellSession session, IEnumerable<string> lines)
    {
        var ok = true;
        var reader = new StatementReader();
        foreach (var line in lines)
        {
            if (reader.Add(line) is { } unit) ok &= await RunUnitAsync(session, unit).ConfigureAwait(false);
        }
        if (reader.Flush() is { } rest) ok &= await RunUnitAsync(session, rest).ConfigureAwait(false);
        return ok;
    }

    /// <summary>Reads stdin to its end, running each unit as it completes (statements run as they arrive).</summary>
    public static async Task<bool> RunPipeAsync(ShellSession session, TextReader input)
    {
        var ok = true;
        var reader = new StatementReader();
        while (await input.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (reader.Add(line) is { } unit) ok &= await RunUnitAsync(session, unit).ConfigureAwait(false);
        }
        if (reader.Flush() is { } rest) ok &= await RunUnitAsync(session, rest).ConfigureAwait(false);
        return ok;
    }

    /// <summary>The interactive loop: RadLine for editing and history; notices are printed before each prompt.</summary>
    public static async Task RunInteractiveAsync(ShellSession session)
    {
        session.HoldNotices = true;
        Console.Out.WriteLine("Enter \".help\" for usage hints.");
        var reader = new StatementReader();
        var editor = new LineEditor { MultiLine = false, Prompt = new ShellPrompt(() => reader.HasPending) };
        // As in readline (and so sqlite3): the up and down arrows walk the history (RadLine binds them to Ctrl+arrows).
        editor.KeyBindings.Remove(ConsoleKey.UpArrow);
        editor.KeyBindings.Remove(ConsoleKey.DownArrow);
        editor.KeyBindings.Add<PreviousHistoryCommand>(ConsoleKey.UpArrow);
        editor.KeyBindings.Add<NextHistoryCommand>(ConsoleKey.DownArrow);
        while (true)
        {
            session.FlushNotices();
            var line = await editor.ReadLine(CancellationToken.None).ConfigureAwait(false);
            if (line is null) return;
            if (!string.IsNullOrWhiteSpace(line)) editor.History.Add(line);
            if (reader.Add(line) is not { } unit) continue;
            try
            {
                await session.RunAsync(unit, path => RunFileAsync(session, path)).ConfigureAwait(false);
            }
            catch (QuitException)
            {
                return;
            }
        }
    }

    /// <summary>True when stdin and stdout are a terminal RadLine can drive.</summary>
    public static bool IsInteractive() =>
        !Console.IsInputRedirected && !Console.IsOutputRedirected && LineEditor.IsSupported(AnsiConsole.Console);

    private static Task<bool> RunUnitAsync(ShellSession session, InputUnit unit) =>
        session.RunAsync(unit, path => RunFileAsync(session, path));

    private static Task<bool> RunFileAsync(ShellSession session, string path) => RunTextAsync(session, File.ReadLines(path));
}

/// <summary>sqlite3's two prompts: "fastdb> " for a new statement, "   ...> " while one continues.</summary>
internal sealed class ShellPrompt(Func<bool> continuing) : ILineEditorPrompt
{
    public (Markup Markup, int Margin) GetPrompt(ILineEditorState state, int line) =>
        (new Markup(continuing() ? "   ...>" : "fastdb>"), 1);
}
