using System.Text;

namespace FastDb.TestSupport;

/// <summary>
/// The SQL octopus sends (harness/harness.go generateInitialQuery and generateQuery): the boot script, and CTF updates
/// that each add to one person's friend count, count the request, set a 15-letter word and read the whole table.
/// The one copy for the tests, the harness and the benchmarks (the harness draws with Go's generator, the rest with
/// System.Random).
/// </summary>
public static class CtfWorkload
{
    public static readonly IReadOnlyList<string> People = ["siddarth", "gdb", "christian", "andy", "carl"];

    /// <summary>
    /// The letters a word is drawn from (state/random.go: its alphabet is longer, but RandomString indexes it with
    /// rng.Intn(size) and size is 15, so only its first 15 letters ever appear).
    /// </summary>
    public const string WordLetters = "abcdefghijkmnpq";

    /// <summary>Six lines, no trailing newline: the table and its five rows, one INSERT each.</summary>
    public const string BootScript =
        "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\nfavoriteWord CHAR(15) DEFAULT \"\");\n"
        + "INSERT INTO ctf3 (name) VALUES (\"siddarth\"); INSERT INTO ctf3 (name) VALUES (\"gdb\"); INSERT INTO ctf3 (name) VALUES (\"christian\"); INSERT INTO ctf3 (name) VALUES (\"andy\"); INSERT INTO ctf3 (name) VALUES (\"carl\");";

    /// <summary>One update plus a full read, as octopus words it.</summary>
    public static string Update(int amount, string person, string word) =>
        $"UPDATE ctf3 SET friendCount=friendCount+{amount}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{person}\"; SELECT * FROM ctf3;";

    /// <summary>A random update: the word first, then the amount (1..100), then the person.</summary>
    public static string RandomUpdate(Random random)
    {
        var word = new StringBuilder(15);
        for (var i = 0; i < 15; i++) word.Append(WordLetters[random.Next(WordLetters.Length)]);
        var amount = random.Next(1, 101);
        return Update(amount, People[random.Next(People.Count)], word.ToString());
    }
}
