using FastDb.Harness.Randomness;

namespace FastDb.Harness.Workload;

/// <summary>The SQL octopus sends (harness/harness.go generateInitialQuery, generateQuery; state/random.go RandomString).</summary>
public static class Queries
{
    public static readonly IReadOnlyList<string> People = ["siddarth", "gdb", "christian", "andy", "carl"];

    // state/random.go: the alphabet is longer, but RandomString indexes it with rng.Intn(size) and size is 15,
    // so only its first 15 letters ever appear.
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz01234567890";

    /// <summary>Six lines, no trailing newline: the table and its five rows.</summary>
    public static string BootQuery()
    {
        string inserts = string.Join(" ", People.Select(p => $"INSERT INTO ctf3 (name) VALUES (\"{p}\");"));
        return "CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\nfriendCount INT DEFAULT 0,\nrequestCount INT DEFAULT 0,\n" +
               "favoriteWord CHAR(15) DEFAULT \"\");\n" + inserts;
    }

    public static string RandomString(SeededRandom rng, int size)
    {
        var chars = new char[size];
        for (int i = 0; i < size; i++) chars[i] = Alphabet[rng.Intn(size)];
        return new string(chars);
    }

    /// <summary>One update plus a full read, drawn in octopus's order: amount, person, word.</summary>
    public static string UpdateQuery(SeededRandom rng)
    {
        int amount = rng.Intn(100) + 1;
        string person = People[rng.Intn(People.Count)];
        string word = RandomString(rng, 15);
        return $"UPDATE ctf3 SET friendCount=friendCount+{amount}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{person}\"; SELECT * FROM ctf3;";
    }
}
