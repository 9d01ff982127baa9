using System.Text;

namespace FastDb.Server.Tests.Support;

/// <summary>The octopus workload: its boot script and its random CTF updates (see shared/docs/octopus.md).</summary>
public static class Octopus
{
    public const string BootScript =
        "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\nfavoriteWord CHAR(15) DEFAULT \"\");\n"
        + "INSERT INTO ctf3 (name) VALUES (\"siddarth\"); INSERT INTO ctf3 (name) VALUES (\"gdb\"); INSERT INTO ctf3 (name) VALUES (\"christian\"); INSERT INTO ctf3 (name) VALUES (\"andy\"); INSERT INTO ctf3 (name) VALUES (\"carl\");";

    private static readonly string[] Names = ["siddarth", "gdb", "christian", "andy", "carl"];
    private const string WordLetters = "abcdefghijkmnpq";

    public static string RandomUpdate(Random random)
    {
        var word = new StringBuilder(15);
        for (var i = 0; i < 15; i++) word.Append(WordLetters[random.Next(WordLetters.Length)]);
        return $"UPDATE ctf3 SET friendCount=friendCount+{random.Next(1, 101)}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{Names[random.Next(Names.Length)]}\"; SELECT * FROM ctf3;";
    }
}
