using System.Text.RegularExpressions;
using FastDb.Harness.Cli;
using FastDb.Harness.Randomness;
using FastDb.Harness.Workload;

namespace FastDb.Harness.Tests.Workload;

public sealed class WorkloadTests
{
    [Fact]
    public void BootQuery_IsSixLinesWithoutTrailingNewline()
    {
        string q = Queries.BootQuery();
        Assert.Equal(6, q.Split('\n').Length);
        Assert.StartsWith("CREATE TABLE ctf3\n(name STRING PRIMARY KEY,\n", q);
        Assert.EndsWith("INSERT INTO ctf3 (name) VALUES (\"carl\");", q);
    }

    [Fact]
    public void UpdateQueries_HaveOctopusShape_AndRepeatForASeed()
    {
        var pattern = new Regex("^UPDATE ctf3 SET friendCount=friendCount\\+([0-9]+), requestCount=requestCount\\+1, favoriteWord=\"([a-q]{15})\" WHERE name=\"(siddarth|gdb|christian|andy|carl)\"; SELECT \\* FROM ctf3;$");
        var a = SeedStreams.Create(1, "querier");
        var b = SeedStreams.Create(1, "querier");
        var c = SeedStreams.Create(2, "querier");
        bool differs = false;
        for (int i = 0; i < 500; i++)
        {
            string q = Queries.UpdateQuery(a);
            Match m = pattern.Match(q);
            Assert.True(m.Success, q);
            Assert.InRange(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 100);
            Assert.DoesNotContain('l', m.Groups[2].Value); // octopus's alphabet skips l and o
            Assert.DoesNotContain('o', m.Groups[2].Value);
            Assert.Equal(q, Queries.UpdateQuery(b));
            differs |= q != Queries.UpdateQuery(c);
        }
        Assert.True(differs);
    }

    [Fact]
    public void GoText_QuotesLikeGo()
    {
        Assert.Equal("\"a\\\"b\\\\c\\n\\t\\x01\"", GoText.Quote("a\"b\\c\n\t\u0001"));
        Assert.Equal("\"\"\"\nx\ny\n\"\"\"", GoText.FmtOutput("x\ny\n"u8.ToArray()));
        Assert.Equal("\"x\"", GoText.FmtOutput("x"u8.ToArray()));
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2h", 7_200_000)]
    public void GoDuration_ParsesGoSyntax(string text, double ms)
    {
        Assert.True(GoDuration.TryParse(text, out TimeSpan d));
        Assert.Equal(ms, d.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("5 s")]
    [InlineData("")]
    public void GoDuration_RejectsOtherText(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void SeededRandom_IsDeterministic_AndIntnStaysInRange()
    {
        var a = new SeededRandom(42);
        var b = new SeededRandom(42);
        for (int i = 0; i < 1000; i++)
        {
            int x = a.Intn(7);
            Assert.Equal(x, b.Intn(7));
            Assert.InRange(x, 0, 6);
        }
        Assert.Equal(Enumerable.Range(0, 10), a.Perm(10).Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Intn(0));
        Assert.NotEqual(SeedStreams.Derive(1, "boot"), SeedStreams.Derive(2, "boot"));
        Assert.NotEqual(SeedStreams.Derive(1, "boot"), SeedStreams.Derive(1, "querier"));
    }
}
