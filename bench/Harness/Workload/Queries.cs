using FastDb.Harness.Randomness;
using FastDb.TestSupport;

namespace FastDb.Harness.Workload;

/// <summary>The SQL octopus sends (harness/harness.go generateInitialQuery, generateQuery; state/random.go RandomString).</summary>
public static class Queries
{
    public static IReadOnlyList<string> People => CtfWorkload.People;

    // state/random.go: the alphabet is longer, but RandomString indexes it with rng.Intn(size) and size is 15,
    // so only its first 15 letters ever appear.
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz01234567890";

    /// <summary>Six lines, no trailing newline: the table and its five rows.</summary>
    public static string BootQuery() => CtfWorkload.BootScript;

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
        return CtfWorkload.Update(amount, person, word);
    }
}
