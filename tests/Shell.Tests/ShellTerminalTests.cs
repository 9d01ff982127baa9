using FastDb.Shell.Tests.Support;

namespace FastDb.Shell.Tests;

/// <summary>
/// The interactive shell in a pseudo-terminal (util-linux script) against a real 3-node cluster: readline's keys,
/// Ctrl-C and Ctrl-D, history across sessions. Answers are computed (SELECT 100+1 prints 101), so what is echoed
/// while typing never matches what the test waits for.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ShellTerminalTests(ShellProcessTests.ClusterFixture fixture) : IClassFixture<ShellProcessTests.ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private const string CtrlA = "\u0001", CtrlB = "\u0002", CtrlC = "\u0003", CtrlD = "\u0004", CtrlE = "\u0005", CtrlF = "\u0006",
        CtrlK = "\u000b", CtrlL = "\u000c", CtrlR = "\u0012", CtrlU = "\u0015", CtrlW = "\u0017", CtrlY = "\u0019", Up = "\u001b[A";

    private static async Task ExpectAnswerAsync(FastDbShell shell, string answer, int occurrences = 1)
    {
        Assert.True(await FastDbShell.WaitUntilAsync(() => Count(shell.Stdout, "\n" + answer + "\n") >= occurrences),
            $"no answer {answer} (x{occurrences}):\n{shell.Stdout}");
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Idle prompts so far: the editor draws an empty prompt line once the previous input is done.</summary>
    private static int IdlePrompts(string stdout) => stdout.Split('\n').Count(l => l.EndsWith("fastdb> \u001b[K", StringComparison.Ordinal));

    [RequiresSqlite3Fact]
    public async Task Dot_commands_typed_at_the_prompt_print_what_sqlite3_prints()
    {
        var t = "pt_" + Guid.NewGuid().ToString("N")[..8];
        // The rows are inserted in the session with .changes on, so that total_changes counts the same statements
        // (the shell counts the changes of the statements it ran with .changes on).
        var create = $"CREATE TABLE {t}(id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL);\n";
        Assert.Equal(0, FastDbShell.Run(Cluster.Root, create, "-s", Cluster.SocketPath(1)).ExitCode);
        string[] typed =
        [
            ".changes on", $"INSERT INTO {t} VALUES(1, 'gdb', 0.1);", $"INSERT INTO {t} VALUES(2, 'it''s', NULL);", ".headers on", ".mode box", $"SELECT * FROM {t};", ".mode markdown", $"SELECT name, score * 2 FROM {t};",
            ".mode json", $"SELECT * FROM {t};", ".mode line", $"SELECT id FROM {t} WHERE id = 2;", ".mode column",
            $"SELECT * FROM {t};", ".headers off", ".mode insert", $"SELECT * FROM {t};", ".mode list", ".mode",
            $".dump {t}", $".schema {t}", $".tables {t}", $".indexes {t}", $"UPDATE {t} SET score = 1;",
            $"SELECT count(*) FROM {t};", ".changes off",
        ];
        using var shell = FastDbShell.StartInTerminal(Cluster.Root, "-s", Cluster.SocketPath(1));
        Assert.True(await shell.WaitForOutputAsync("fastdb>"), "no prompt:\n" + shell.Stdout);
        foreach (var line in typed)
        {
            var idle = IdlePrompts(shell.Stdout);
            await shell.TypeAsync(line + "\r");
            Assert.True(await FastDbShell.WaitUntilAsync(() => IdlePrompts(shell.Stdout) > idle), $"no prompt after {line}:\n{shell.Stdout}");
        }
        await shell.TypeAsync(".quit\r");
        Assert.Equal(0, shell.Finish());

        var sqlite = DotCommandTests.Sqlite3(create + string.Join('\n', typed) + "\n", Cluster.Root);
        Assert.Equal(("", 0), (sqlite.Stderr, sqlite.ExitCode));
        // What the terminal showed, without the banner, the prompts and the echo (drawn with escape sequences).
        var shown = shell.Stdout.Split('\n')
            .Where(l => l.Length > 0 && !l.Contains('\u001b') && !l.StartsWith("fastdb>", StringComparison.Ordinal)
                && !l.StartsWith("Connected to FastDb", StringComparison.Ordinal) && !l.StartsWith("Known nodes:", StringComparison.Ordinal)
                && !l.StartsWith("Enter \".help\"", StringComparison.Ordinal));
        Assert.Equal(sqlite.Stdout.Split('\n').Where(l => l.Length > 0), shown);
    }

    [Fact]
    public async Task Readline_keys_edit_the_line()
    {
        using var shell = FastDbShell.StartInTerminal(Cluster.Root, "-s", Cluster.SocketPath(0));
        Assert.True(await shell.WaitForOutputAsync("fastdb>"), "no prompt:\n" + shell.Stdout);
        await shell.TypeAsync("ELECT 100+1;" + CtrlA + "S\r");                         // Ctrl-A: start of line
        await ExpectAnswerAsync(shell, "101");
        await shell.TypeAsync("SELECT 100+2" + CtrlA + CtrlE + ";\r");                 // Ctrl-E: end of line
        await ExpectAnswerAsync(shell, "102");
        await shell.TypeAsync("SELECT 100+3;" + CtrlB + CtrlB + "2\r");                // Ctrl-B: back a character
        await ExpectAnswerAsync(shell, "123");
        await shell.TypeAsync("SELECT 100+4;" + CtrlA + string.Concat(Enumerable.Repeat(CtrlF, 11)) + "5\r"); // Ctrl-F
        await ExpectAnswerAsync(shell, "154");
        await shell.TypeAsync("SELECT 200+5 + 1000;" + CtrlA + string.Concat(Enumerable.Repeat(CtrlF, 12)) + CtrlK + ";\r"); // Ctrl-K
        await ExpectAnswerAsync(shell, "205");
        await shell.TypeAsync("junk" + CtrlU + "SELECT 200+6;\r");                     // Ctrl-U: kill to start
        await ExpectAnswerAsync(shell, "206");
        await shell.TypeAsync("200+7" + CtrlW + "SELECT " + CtrlY + ";\r");            // Ctrl-W kills a word, Ctrl-Y yanks it
        await ExpectAnswerAsync(shell, "207");
        await shell.TypeAsync(CtrlR + "200+6");                                         // Ctrl-R: reverse search
        Assert.True(await shell.WaitForOutputAsync("(reverse-i-search)`200+6': SELECT 200+6;"), "no search prompt:\n" + shell.Stdout);
        await shell.TypeAsync("\r");
        await ExpectAnswerAsync(shell, "206", occurrences: 2);
        var before = shell.Stdout.Length;
        await shell.TypeAsync(CtrlL);                                                   // Ctrl-L: clear the screen
        Assert.True(await FastDbShell.WaitUntilAsync(() => shell.Stdout.IndexOf("\u001b[H\u001b[2J", before, StringComparison.Ordinal) >= 0),
            "Ctrl-L did not clear:\n" + shell.Stdout);
        await shell.TypeAsync(CtrlD);                                                   // Ctrl-D on an empty line: exit
        Assert.Equal(0, shell.Finish());
    }

    [Fact]
    public async Task Ctrl_C_drops_the_line_in_every_editing_state_and_never_quits()
    {
        using var shell = FastDbShell.StartInTerminal(Cluster.Root, "-s", Cluster.SocketPath(1));
        Assert.True(await shell.WaitForOutputAsync("fastdb>"), "no prompt:\n" + shell.Stdout);
        await shell.TypeAsync(CtrlC);                                                   // on an empty line
        await shell.TypeAsync("SELECT 300+1;\r");
        await ExpectAnswerAsync(shell, "301");
        await shell.TypeAsync("SELECT 999" + CtrlC);                                    // half typed
        await shell.TypeAsync("SELECT 300+2;\r");
        await ExpectAnswerAsync(shell, "302");
        await shell.TypeAsync("SELECT 300 +\r");                                        // at the continuation prompt
        Assert.True(await shell.WaitForOutputAsync("...>"), "no continuation prompt:\n" + shell.Stdout);
        await shell.TypeAsync(CtrlC);
        await shell.TypeAsync("SELECT 300+3;\r");
        await ExpectAnswerAsync(shell, "303");
        Assert.DoesNotContain("error", shell.Stdout, StringComparison.OrdinalIgnoreCase);
        await shell.TypeAsync("d" + CtrlD + CtrlA + CtrlD);                             // Ctrl-D deletes, and exits only on an empty line
        await shell.TypeAsync(CtrlD);
        Assert.Equal(0, shell.Finish());
    }

    [Fact]
    public async Task History_keeps_one_entry_per_statement_across_two_sessions()
    {
        var history = Path.Combine(Cluster.Root, "history-" + Guid.NewGuid().ToString("N")[..8]);
        using (var first = FastDbShell.StartInTerminalWithHistory(Cluster.Root, history, "-s", Cluster.SocketPath(2)))
        {
            Assert.True(await first.WaitForOutputAsync("fastdb>"), "no prompt:\n" + first.Stdout);
            await first.TypeAsync("SELECT 400+1;\r");
            await ExpectAnswerAsync(first, "401");
            await first.TypeAsync("SELECT 400 +\r");
            await first.TypeAsync("2;\r");
            await ExpectAnswerAsync(first, "402");
            await first.TypeAsync(CtrlD);
            Assert.Equal(0, first.Finish());
        }
        Assert.Equal(["SELECT 400+1;", "SELECT 400 +\\n2;"], File.ReadAllLines(history));

        using var second = FastDbShell.StartInTerminalWithHistory(Cluster.Root, history, "-s", Cluster.SocketPath(2));
        Assert.True(await second.WaitForOutputAsync("fastdb>"), "no prompt:\n" + second.Stdout);
        await second.TypeAsync(Up + "\r");                                            // the two-line statement is one entry
        await ExpectAnswerAsync(second, "402");
        await second.TypeAsync(Up + Up + Up + "\r");                                  // it again, itself in the file, then the first
        await ExpectAnswerAsync(second, "401");
        await second.TypeAsync(CtrlD);
        Assert.Equal(0, second.Finish());
    }
}

/// <summary>Waiting with a majority down, and Ctrl-C while a statement waits: its own cluster, since it freezes nodes.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ShellWaitingTests
{
    [Fact]
    public async Task A_statement_waiting_for_a_majority_says_so_and_Ctrl_C_offers_to_wait_on_for_its_answer()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        Assert.Equal(0, FastDbShell.Run(cluster.Root, "", "-s", cluster.SocketPath(0), "-c", "CREATE TABLE w(a INT);").ExitCode);
        using var shell = FastDbShell.StartInTerminal(cluster.Root, "-s", cluster.SocketPath(0));
        Assert.True(await shell.WaitForOutputAsync("fastdb>"), "no prompt:\n" + shell.Stdout);
        await shell.TypeAsync("SELECT 'half typed");
        cluster.Freeze(1);
        cluster.Freeze(2);
        try
        {
            // A notice at an idle prompt prints at once, above the line being typed, which is drawn again below it.
            Assert.True(await shell.WaitForOutputAsync("WARNING: only 1 of 3 nodes reachable"), "no warning at the prompt:\n" + shell.Stdout);
            Assert.True(await FastDbShell.WaitUntilAsync(() =>
                    shell.Stdout.IndexOf("fastdb> SELECT 'half typed", shell.Stdout.IndexOf("WARNING: only 1 of 3", StringComparison.Ordinal), StringComparison.Ordinal) > 0),
                "the line being typed was not drawn again:\n" + shell.Stdout);
            await shell.TypeAsync("\u0015"); // Ctrl-U
            // A read waits too (it goes through the log), and says so after a second.
            await shell.TypeAsync("SELECT count(*) + 500 FROM w;\r");
            // Who it waits for, and for how long.
            Assert.True(await shell.WaitForOutputAsync("Waiting 1 s for a majority: 1 of 3 nodes reachable (n0), 2 needed (Ctrl-C stops waiting)"),
                "no waiting notice:\n" + shell.Stdout);
            await shell.TypeAsync("\u0003");
            Assert.True(await shell.WaitForOutputAsync("may still be applied"), "no word on whether it may be applied:\n" + shell.Stdout);
            var prompts = Count(shell.Stdout, "fastdb> ");
            await shell.TypeAsync("n");
            Assert.True(await FastDbShell.WaitUntilAsync(() => Answered(shell.Stdout, 'n')), "no offer to wait:\n" + shell.Stdout);
            Assert.True(await FastDbShell.WaitUntilAsync(() => Count(shell.Stdout, "fastdb> ") > prompts), "no prompt after n:\n" + shell.Stdout);

            // A write: Ctrl-C, then wait on; thawing the majority gives the answer, and the write ran once.
            await shell.TypeAsync("INSERT INTO w VALUES(1); SELECT count(*) + 600 FROM w;\r");
            Assert.True(await FastDbShell.WaitUntilAsync(() => Count(shell.Stdout, "Waiting 1 s for ") >= 2), "no waiting notice:\n" + shell.Stdout);
            await shell.TypeAsync("\u0003");
            Assert.True(await FastDbShell.WaitUntilAsync(() => Count(shell.Stdout, "may still be applied") >= 2), shell.Stdout);
            await shell.TypeAsync("y");
            Assert.True(await FastDbShell.WaitUntilAsync(() => Answered(shell.Stdout, 'y')), "no offer to wait:\n" + shell.Stdout);
            cluster.Thaw(1);
            cluster.Thaw(2);
            Assert.True(await shell.WaitForOutputAsync("\n601\n", TimeSpan.FromSeconds(60)), "no answer after waiting on:\n" + shell.Stdout);
        }
        finally
        {
            cluster.Thaw(1);
            cluster.Thaw(2);
        }
        await shell.TypeAsync("SELECT count(*) + 700 FROM w;\r");
        Assert.True(await shell.WaitForOutputAsync("\n701\n", TimeSpan.FromSeconds(60)), "the write ran more than once:\n" + shell.Stdout);
        await shell.TypeAsync("\u0004");
        Assert.Equal(0, shell.Finish());
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>The question was asked on the prompt row (drawn, then the cursor placed) and answered with the key.</summary>
    private static bool Answered(string output, char answer) =>
        System.Text.RegularExpressions.Regex.IsMatch(output, @"Wait for its answer\? \[y/N\] [^\n]*\n[^\n]*" + answer + "\n");
}
