using System.Buffers;
using FastDb.QueryEngine.Commands;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>The CTF update's compact command and fast execution agree with the general path byte for byte.</summary>
public class FastPathTests
{
    private const string Alphabet = "abcdefghijkmnpq";
    private static readonly string[] Names = ["siddarth", "gdb", "christian", "andy", "carl"];

    private static string Query(int amount, string word, string name) =>
        $"UPDATE ctf3 SET friendCount=friendCount+{amount}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{name}\"; SELECT * FROM ctf3;";

    private static string RandomWord(Random rng) => new(Enumerable.Range(0, 15).Select(_ => Alphabet[rng.Next(Alphabet.Length)]).ToArray());

    [Fact]
    public void The_ctf_query_is_recognized_by_both_entry_points_and_encodes_in_a_few_bytes()
    {
        string q = Query(42, "abcdefghijkmnpq", "carl");
        var viaRequest = Assert.IsType<CtfUpdateCommand>(SqlCommand.RecognizeRequest(q));
        var viaScript = Assert.IsType<CtfUpdateCommand>(SqlCommand.Recognize(q));
        Assert.Equal(("carl", 42, "abcdefghijkmnpq"), (viaRequest.Name, viaRequest.Amount, viaRequest.Word));
        Assert.Equal(viaScript.ToBytes(), viaRequest.ToBytes());
        byte[] bytes = viaRequest.ToBytes();
        Assert.True(bytes.Length <= 12, $"encoded in {bytes.Length} bytes");
        var back = Assert.IsType<CtfUpdateCommand>(SqlCommand.ReadFrom(bytes));
        Assert.Equal(("carl", 42, "abcdefghijkmnpq"), (back.Name, back.Amount, back.Word));
    }

    [Theory]
    [InlineData("UPDATE ctf3 SET friendCount=friendCount+1, requestCount=requestCount+1, favoriteWord=\"a\" WHERE name=\"b\"; SELECT * FROM ctf3;\n")]
    [InlineData("update ctf3 SET friendCount=friendCount+1, requestCount=requestCount+1, favoriteWord=\"a\" WHERE name=\"b\"; SELECT * FROM ctf3;")]
    [InlineData("UPDATE ctf3 SET friendCount=friendCount+1, requestCount=requestCount+1, favoriteWord=\"a\" WHERE name=\"b\"; SELECT * FROM ctf3")]
    [InlineData("UPDATE ctf3 SET friendCount=friendCount+1, requestCount=requestCount+1, favoriteWord=\"a b\" WHERE name=\"b\"; SELECT * FROM ctf3;")]
    public void Near_misses_go_through_the_general_path(string script)
    {
        Assert.IsType<ScriptCommand>(SqlCommand.Recognize(script));
    }

    [Fact]
    public void A_random_ctf_sequence_gives_the_same_answers_fast_and_general()
    {
        var rng = new Random(1234);
        var fast = new Database();
        var general = new Database();
        fast.Execute(ShellBehaviourTests.Boot);
        general.Execute(new ScriptCommand(ShellBehaviourTests.Boot));
        var buffer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 300; i++)
        {
            string q = Query(rng.Next(1, 101), RandomWord(rng), Names[rng.Next(Names.Length)]);
            var cmd = SqlCommand.ReadFrom(SqlCommand.RecognizeRequest(q).ToBytes());
            Assert.IsType<CtfUpdateCommand>(cmd);
            var expected = general.Execute(new ScriptCommand(q + ";"));
            if (i % 2 == 0)
            {
                Assert.Equal(expected, fast.Execute(cmd));
            }
            else
            {
                buffer.Clear();
                Assert.Equal(0, fast.Execute(cmd, buffer));
                Assert.Equal(expected.Body, System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            }
        }
    }

    [Theory]
    [InlineData("CREATE TABLE ctf3(name TEXT PRIMARY KEY, friendCount INT, requestCount INT, favoriteWord TEXT); INSERT INTO ctf3 VALUES('123', 1, 1, 'x');")]
    [InlineData("CREATE TABLE ctf3(name STRING PRIMARY KEY, friendCount INT, requestCount INT, favoriteWord TEXT, extra); INSERT INTO ctf3(name) VALUES('123');")]
    [InlineData("CREATE TABLE ctf3(name STRING PRIMARY KEY, friendCount INT NOT NULL DEFAULT 9223372036854775800, requestCount INT, favoriteWord TEXT); INSERT INTO ctf3(name) VALUES('123');")]
    [InlineData("")]
    // The boot shape holding blobs: the fast path (which prints no blobs) leaves it to the general path.
    [InlineData("CREATE TABLE ctf3(name STRING PRIMARY KEY, friendCount INT DEFAULT 0, requestCount INT DEFAULT 0, favoriteWord TEXT); INSERT INTO ctf3 VALUES('123', X'3132', X'41', X'4100'), ('x', 1, X'FF', 'y');")]
    [InlineData("CREATE TABLE ctf3(name STRING PRIMARY KEY, friendCount INT DEFAULT 0, requestCount INT DEFAULT 0, favoriteWord TEXT); INSERT INTO ctf3 VALUES('123', 1, X'c3a9', 'w');")]
    public void Other_schemas_and_missing_tables_answer_like_the_general_path(string setup)
    {
        foreach (var name in new[] { "123", "name", "rowid", "gdb" })
        {
            foreach (var word in new[] { "abc", "friendCount", "name" })
            {
                var fast = new Database();
                var general = new Database();
                fast.Execute(setup);
                general.Execute(new ScriptCommand(setup));
                string q = Query(100, word, name);
                for (int i = 0; i < 3; i++)
                    Assert.Equal(general.Execute(new ScriptCommand(q + ";")), fast.Execute(SqlCommand.RecognizeRequest(q)));
            }
        }
    }

    [Fact]
    public void Overflowing_friend_count_turns_real_like_sqlite()
    {
        var db = new Database();
        db.Execute("CREATE TABLE ctf3 (name STRING PRIMARY KEY, friendCount INT DEFAULT 0, requestCount INT DEFAULT 0, favoriteWord CHAR(15) DEFAULT \"\"); INSERT INTO ctf3 VALUES('gdb', 9223372036854775800, 0, '');");
        var r = db.Execute(SqlCommand.RecognizeRequest(Query(100, "abc", "gdb")));
        Assert.Equal("gdb|9.22337203685478e+18|1|abc\n", r.Stdout);
    }
}
