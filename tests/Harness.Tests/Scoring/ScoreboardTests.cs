using System.Text.Json;
using FastDb.Harness.Network;
using FastDb.Harness.Scoring;

namespace FastDb.Harness.Tests.Scoring;

public sealed class ScoreboardTests
{
    [Theory]
    [InlineData(0, 0, 0, 0.0)]
    [InlineData(100, 0, 0, 1000.0)]
    [InlineData(100, 5000, 5000, 950.0)]        // 1000 - 0.5 * sqrt(10000)
    [InlineData(2770, 1_000_000, 1_000_000, 27_700 - 0.5 * 1414.2135623730951)]
    public void Total_IsTenPerCorrectQuery_MinusHalfTheRootOfProxyBytes(long correct, long read, long written, double total)
    {
        Assert.Equal(total, Scoreboard.Total(correct, read, written), 6);
        Assert.Equal(10.0 * correct, Scoreboard.QueryPoints(correct));
    }

    [Fact]
    public void Results_CountTheProxiesTraffic_AndPrintLikeOctopus()
    {
        var traffic = new TrafficStats();
        traffic.RecordRead(5000);
        traffic.RecordWrite(5000);
        traffic.RecordConn();
        var score = new Scoreboard(traffic, 30, 5);
        for (int i = 0; i < 100; i++) score.RecordCorrectQuery();
        Results r = score.Assemble();

        Assert.Equal(100, r.CorrectQueries);
        Assert.Equal(1000, r.QueryPoints);
        Assert.Equal(-50, r.BytePoints);
        Assert.Equal(950, r.Total);
        Assert.Equal(1, r.Conns);
        Assert.Equal("4.88KB", r.BytesRead);
        Assert.Equal(
            "Final stats (running with 5 nodes for 30s):\nBytes read: 4.88KB\nBytes written: 4.88KB\nConnection attempts: 1\nCorrect queries: 100\n\n" +
            "Score breakdown:\n1000 points from queries\n-50 points from network traffic\n\nTotal:\n950 points\n", r.Pretty);
    }

    [Fact]
    public void Disqualification_IsPrintedFirst_AndTheFirstReasonWins()
    {
        var score = new Scoreboard(new TrafficStats(), 30, 5);
        Assert.True(score.RecordDisqualifier("first"));
        Assert.False(score.RecordDisqualifier("second"));
        Results r = score.Assemble();
        Assert.Equal("first", r.Disqualifier);
        Assert.StartsWith("DISQUALIFIED:\n\nfirst\n\n -- -- -- -- -- -- -- -- -- -- -- -- -- --\n\nFinal stats", r.Pretty);
        Assert.EndsWith("0 points (canceled due to disqualification)\n", r.Pretty);
    }

    [Fact]
    public void Json_HasOctopusFieldsInOrder()
    {
        var score = new Scoreboard(new TrafficStats(), 30, 5);
        score.RecordCorrectQuery();
        using JsonDocument doc = JsonDocument.Parse(Scoreboard.ToJson(score.Assemble()));
        string[] names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["BytesRead", "BytesWritten", "Conns", "CorrectQueries", "Disqualifier", "QueryPoints", "BytePoints",
            "Total", "Duration", "NodeCount", "Pretty"], names);
        Assert.Equal(10, doc.RootElement.GetProperty("Total").GetDouble());
        Assert.Equal(30, doc.RootElement.GetProperty("Duration").GetInt32());
    }
}
